"""The 升级督办 pages as their users read them: the letters list (each unit its own) with Word and PDF downloads,
the office's rules and letter template, a letter and an interview made from a warning's page, and the warning's
page showing its escalation."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizenv.core.documents import soffice_path
from bizenv.monitoring.models import Warning
from bizenv.monitoring.pages import warning_panels
from bizenv.monitoring.services import monitoring_run
from bizenv.monitoring.timeline import timeline_contributors
from bizenv.workflows import escalation_services as services
from bizenv.workflows.letter_templates.build_template import TEMPLATE
from bizenv.workflows.models import DocumentTemplate, EscalationRule, Interview, Letter, WorkItem
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import months

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(html: str) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(autouse=True)
def registered():
    timelines, panels = list(timeline_contributors), list(warning_panels)
    services.register_warning_contributions()
    services.register_warning_contributions()  # twice is harmless
    assert timeline_contributors.count(services.warning_steps) == 1
    assert warning_panels.count(services.warning_panel) == 1
    yield
    timeline_contributors[:] = timelines
    warning_panels[:] = panels


@pytest.fixture
def warning(fill, rules, counties, version, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    fill(months("2025-01", "2026-10"), breach={"2026-10"})
    monitoring_run()
    return Warning.objects.get()


@pytest.fixture
def letters_made(warning, office, make_item, power_user):
    """A letter to 东湖县 (the warning) and one to 市供电公司 (an item of power)."""
    mine = services.letter_create(actor=office, warning=warning)
    item = make_item(assignee="power", title="压缩办电时间")
    other = services.letter_create(actor=office, item=item)
    return mine, other


# -------------------------------------------------------------------------------------------------- letters


def test_the_office_sees_every_letter_with_its_downloads(letters_made, office):
    mine, other = letters_made
    html = client_of(office).get("/workflows/letters/").content.decode()
    table = text_of(re.search(r'<table class="data" id="letter-table">(.*?)</table>', html, re.S).group(1))
    assert "营商提醒〔2026〕1号 关于东湖县“开办企业时间”预警整改的提醒函 东湖县 开办企业时间 2026年12月3日" in table
    assert "营商提醒〔2026〕2号" in table and "市供电公司" in table
    assert f'href="/workflows/letters/{mine.pk}/word/"' in html and f'href="/workflows/letters/{mine.pk}/pdf/"' in html
    assert table.count("Word") == 2 and table.count("PDF") == 2


def test_a_county_and_a_department_see_only_their_own_letters(letters_made, county_user, power_user,
                                                              other_county_user):
    mine, other = letters_made
    county = client_of(county_user).get("/workflows/letters/").content.decode()
    assert "营商提醒〔2026〕1号" in county and "营商提醒〔2026〕2号" not in county
    power = client_of(power_user).get("/workflows/letters/").content.decode()
    assert "营商提醒〔2026〕2号" in power and "营商提醒〔2026〕1号" not in power
    assert client_of(other_county_user).get(f"/workflows/letters/{mine.pk}/word/").status_code == 404
    assert "暂无提醒函" in client_of(other_county_user).get("/workflows/letters/").content.decode()


def test_the_word_download_is_the_letter(letters_made, county_user):
    from docx import Document

    mine, _other = letters_made
    response = client_of(county_user).get(f"/workflows/letters/{mine.pk}/word/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert "营商提醒〔2026〕1号" in [p.text for p in Document(io.BytesIO(content)).paragraphs]


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed: no PDF conversion")
def test_the_pdf_download_is_a_pdf(letters_made, county_user):
    mine, _other = letters_made
    response = client_of(county_user).get(f"/workflows/letters/{mine.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_pdf_that_cannot_be_made_is_said_in_chinese(letters_made, county_user, monkeypatch):
    mine, _other = letters_made
    monkeypatch.setattr("bizenv.core.documents.soffice_path", lambda: None)
    response = client_of(county_user).get(f"/workflows/letters/{mine.pk}/pdf/", follow=True)
    assert "本机未安装 LibreOffice" in response.content.decode()


def test_administrators_see_no_letters(letters_made, make_user):
    admin = make_user("sysadmin", username="admin")
    assert client_of(admin).get("/workflows/letters/").status_code == 403


# ---------------------------------------------------------------------------------------------- a warning


def test_the_warning_page_shows_the_escalation_panel_and_the_office_makes_a_letter(warning, office, county_user):
    client = client_of(office)
    page = client.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    panel = text_of(re.search(r'<div id="escalation">(.*?)<div class="card" id="measures">', page, re.S).group(1))
    assert "该预警已 0 个工作日未上报整改举措；满 3 个工作日时将提醒" in panel
    assert "生成提醒函" in panel and "记录约谈" in panel and "尚未升级督办" in panel

    response = client.post("/workflows/letters/new/", {"warning": warning.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"/monitoring/warnings/{warning.pk}/#escalation"
    page = response.content.decode()
    assert "已生成提醒函 营商提醒〔2026〕1号，并通知了东湖县。" in page
    panel = text_of(re.search(r'<div id="escalation">(.*?)<div class="card" id="measures">', page, re.S).group(1))
    assert "提醒函 营商提醒〔2026〕1号" in panel and "Word" in panel
    timeline = text_of(re.search(r'<div class="card" id="timeline">(.*?)</ol>', page, re.S).group(1))
    assert "升级督办：提醒函 营商办发出提醒函 营商提醒〔2026〕1号" in timeline

    county = client_of(county_user).get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    assert "营商提醒〔2026〕1号" in county and "生成提醒函" not in county


def test_a_second_letter_on_the_same_day_is_asked_for_first(warning, office):
    client = client_of(office)
    client.post("/workflows/letters/new/", {"warning": warning.pk})
    response = client.post("/workflows/letters/new/", {"warning": warning.pk}, follow=True)  # pressed again
    assert Letter.objects.count() == 1
    page = response.content.decode()
    assert "今天已生成提醒函 营商提醒〔2026〕1号，未再生成" in page
    panel = re.search(r'<div id="escalation">(.*?)<div class="card" id="measures">', page, re.S).group(1)
    assert "今天已生成提醒函 营商提醒〔2026〕1号，确定再生成一份吗？" in text_of(panel)
    form = re.search(r'<form[^>]*letters/new/[^>]*>(.*?)</form>', panel, re.S).group(1)
    assert 'name="again" value="1"' in form and "确定再生成" in form
    response = client.post("/workflows/letters/new/", {"warning": warning.pk, "again": "1"}, follow=True)
    assert "已生成提醒函 营商提醒〔2026〕2号" in response.content.decode() and Letter.objects.count() == 2


def test_a_county_cannot_make_a_letter(warning, county_user):
    response = client_of(county_user).post("/workflows/letters/new/", {"warning": warning.pk})
    assert response.status_code == 403 and not Letter.objects.exists()


def test_a_letter_with_a_bad_deadline_is_refused_in_chinese(warning, office):
    response = client_of(office).post("/workflows/letters/new/", {"warning": warning.pk, "deadline": "明天"},
                                      follow=True)
    assert "整改时限“明天”不是有效日期" in response.content.decode() and not Letter.objects.exists()
    response = client_of(office).post("/workflows/letters/new/", {"warning": warning.pk, "deadline": "2026-11-01"},
                                      follow=True)
    assert "整改时限 2026年11月1日 早于下发日期 2026年12月3日" in response.content.decode()


def test_monitorings_page_without_workflows_shows_no_panel(warning, office):
    warning_panels.clear()
    timeline_contributors.clear()
    page = client_of(office).get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    assert 'id="escalation"' not in page


# ----------------------------------------------------------------------------------------------- interviews


def test_the_office_records_an_interview_with_commitments(warning, office, county_user):
    client = client_of(office)
    form = client.get(f"/workflows/interviews/new/?warning={warning.pk}").content.decode()
    assert "约谈对象： 东湖县" in text_of(form) and form.count('name="c4-text"') == 1
    # the unit is chosen by name, the interviewed unit preselected; no code to type
    assert "编码" not in text_of(form) and 'type="text" name="c0-assignee"' not in form
    select = re.search(r'<select name="c0-assignee"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert '<option value="990101" selected>东湖县</option>' in select and ">市市场监管局</option>" in select
    assert select.index('label="部门"') < select.index('label="县（市、区）"')
    data = {"warning": warning.pk, "held_on": "2026-12-02", "place": "市政务服务中心", "participants": "营商办 张三；东湖县 李四",
            "minutes": "听取整改情况汇报。", "commitment_rows": "5",
            "c0-text": "月底前实现开办企业一日办结", "c0-deadline": "2026-12-31",
            "c1-text": "市场监管局派员指导", "c1-deadline": "2026-12-20", "c1-assignee": "samr",
            "c2-assignee": "990101", "c3-assignee": "990101", "c4-assignee": "990101"}  # blank rows, unit preselected
    response = client.post("/workflows/interviews/new/", data, follow=True)
    interview = Interview.objects.get()
    assert response.redirect_chain[-1][0] == f"/workflows/interviews/{interview.pk}/"
    page = text_of(response.content.decode())
    assert "已记录约谈，2 条整改承诺已生成任务并下发。" in page
    codes = list(WorkItem.objects.filter(interview=interview).order_by("id").values_list("code", flat=True))
    assert f"月底前实现开办企业一日办结 东湖县 2026年12月31日 {codes[0]}" in page
    assert f"市场监管局派员指导 市市场监管局 2026年12月20日 {codes[1]}" in page
    listed = text_of(client_of(county_user).get("/workflows/interviews/").content.decode())
    assert "2026年12月2日 东湖县 东湖县 · 开办企业时间预警 2 条" in listed


def test_a_wrong_commitment_row_shows_the_form_again_with_the_row_named(warning, office):
    data = {"warning": warning.pk, "held_on": "2026-12-02", "participants": "张三", "minutes": "纪要",
            "commitment_rows": "5", "c0-text": "整改", "c0-deadline": "2026-12-31",
            "c1-text": "第二条", "c1-deadline": "2026-13-01"}
    response = client_of(office).post("/workflows/interviews/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "第 2 条整改承诺：完成时限“2026-13-01”不是有效日期" in html
    assert 'value="第二条"' in html and 'value="整改"' in html
    assert not Interview.objects.exists() and not WorkItem.objects.exists()


def test_an_interview_form_without_minutes_says_so(warning, office):
    response = client_of(office).post("/workflows/interviews/new/", {"warning": warning.pk, "held_on": "",
                                                                     "participants": "张三"})
    html = response.content.decode()
    assert response.status_code == 400 and "请填写约谈日期。" in html and "请填写约谈纪要。" in html


def test_a_county_cannot_record_an_interview(warning, county_user):
    assert client_of(county_user).get(f"/workflows/interviews/new/?warning={warning.pk}").status_code == 403


# --------------------------------------------------------------------------------------- rules and template


def test_the_office_edits_the_rules_on_one_page(office, db):
    client = client_of(office)
    html = client.get("/workflows/escalation/").content.decode()
    assert EscalationRule.objects.count() == 8
    table = text_of(re.search(r'<table class="data" id="rule-table">(.*?)</table>', html, re.S).group(1))
    assert "预警 提醒" in table and "任务 约谈" in table and "红色" in table and "不分等级" in table
    rules = {(r.target, r.step): r for r in EscalationRule.objects.all()}
    data = {}
    for rule in rules.values():
        data[f"r{rule.pk}-after"] = str(rule.after_workdays)
        data[f"r{rule.pk}-enabled"] = "on"
    letter = rules[("warning", "letter")]
    data[f"r{letter.pk}-after"] = "8"
    data[f"r{letter.pk}-severities"] = ["red", "orange"]
    del data[f"r{rules[('item', 'interview')].pk}-enabled"]
    response = client.post("/workflows/escalation/", data, follow=True)
    assert "已保存升级督办规则（修改 2 条）。" in response.content.decode()
    letter.refresh_from_db()
    assert (letter.after_workdays, letter.severities) == (8, ["red", "orange"])
    assert EscalationRule.objects.get(target="item", step="interview").enabled is False

    data[f"r{letter.pk}-after"] = "0"
    response = client.post("/workflows/escalation/", data)
    assert response.status_code == 400
    assert "预警的“提醒函”：工作日数应在 1 到 250 之间，当前为 0。" in response.content.decode()
    letter.refresh_from_db()
    assert letter.after_workdays == 8


def test_rules_out_of_order_are_pointed_out(office, db):
    services.escalation_rules_ensure_defaults()
    EscalationRule.objects.filter(target="warning", step="letter").update(after_workdays=2)
    html = client_of(office).get("/workflows/escalation/").content.decode()
    assert "预警的“提醒函”所需工作日数不多于“提醒”" in html


def test_only_the_office_opens_the_rules(county_user):
    assert client_of(county_user).get("/workflows/escalation/").status_code == 403


def test_the_office_downloads_uploads_and_resets_the_letter_template(office, db):
    client = client_of(office)
    current = client.get("/workflows/escalation/template/")
    assert current.status_code == 200 and current.content == TEMPLATE.read_bytes()
    sample = client.get("/workflows/escalation/template/sample/")
    from docx import Document

    assert "营商提醒〔2026〕1号" in [p.text for p in Document(io.BytesIO(sample.content)).paragraphs]

    bad = Document(str(TEMPLATE))
    bad.paragraphs[1].runs[0].text = "{{ number }"
    out = io.BytesIO()
    bad.save(out)
    response = client.post("/workflows/escalation/template/replace/",
                           {"file": SimpleUploadedFile("坏模板.docx", out.getvalue())})
    assert response.status_code == 400
    assert "“{{ number }”中有写错的标签" in response.content.decode() and not DocumentTemplate.objects.exists()

    response = client.post("/workflows/escalation/template/replace/",
                           {"file": SimpleUploadedFile("新模板.docx", TEMPLATE.read_bytes())}, follow=True)
    assert "已更换提醒函模板" in response.content.decode() and "正在使用：新模板.docx" in response.content.decode()
    response = client.post("/workflows/escalation/template/reset/", follow=True)
    assert "已恢复系统默认的提醒函模板。" in response.content.decode() and not DocumentTemplate.objects.exists()


def test_the_office_runs_todays_escalation_now(warning, office, settings):
    import datetime as dt

    from bizenv.core.clock import CHINA

    Warning.objects.filter(pk=warning.pk).update(created_at=dt.datetime(2026, 11, 20, 9, tzinfo=CHINA))
    client = client_of(office)
    response = client.post("/workflows/escalation/run/", follow=True)
    page = text_of(response.content.decode())
    assert "2026年12月3日检查无人办理的预警 1 条" in page and "提醒 1 项" in page
    assert "预警“东湖县 · 开办企业时间”已 9 个工作日无人办理：提醒" in page
    again = text_of(client.post("/workflows/escalation/run/", follow=True).content.decode())
    assert "提醒 0 项" in again
    assert date(2026, 12, 3) == warning.escalations.get().on


# ------------------------------------------------------------------------------------------------ an item


def test_a_letter_from_an_items_page_and_the_items_escalation_partial(make_item, office, county_user):
    from django.template.loader import render_to_string
    from django.test import RequestFactory


    item = make_item(assignee="990101")
    response = client_of(office).post("/workflows/letters/new/", {"item": item.pk})
    assert response.status_code == 302 and response["Location"] == f"/workflows/items/{item.pk}/#escalation"
    letter = Letter.objects.get(item=item)
    request = RequestFactory().get("/")
    request.user = county_user
    html = render_to_string("workflows/_item_escalation.html",
                            services.item_escalation_context(user=county_user, item=item), request=request)
    text = text_of(html)
    assert "提醒函 营商办发出提醒函 营商提醒〔2026〕1号" in text and letter.number in text
    assert "生成提醒函" not in text
    request.user = office
    office_html = render_to_string("workflows/_item_escalation.html",
                                   services.item_escalation_context(user=office, item=item), request=request)
    assert "生成提醒函" in office_html and f"?item={item.pk}" in office_html
    event = item.events.get(action="letter")
    assert event.text == "营商办发出提醒函 营商提醒〔2026〕1号" and event.actor == office
