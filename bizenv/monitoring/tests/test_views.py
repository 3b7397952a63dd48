"""The 监测预警 pages as their users read them: the map and list with filters, a warning's page with its figures,
timeline, charts and drill-down, measures with evidence (查看, 下载), review, 关闭 and 销号, the rules page with
its forms, import and export, the review list and the inbox — and who sees what."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizenv.core.models import AuditLog
from bizenv.datasets.models import MetricDefinition
from bizenv.monitoring.models import (
    MeasureEvidence,
    MeasureStatus,
    Notification,
    RectificationMeasure,
    RectificationMethod,
    Warning,
    WarningRule,
    WarningStatus,
)
from bizenv.monitoring.services import monitoring_run
from bizenv.monitoring.tests.world import *  # noqa: F403 — the shared fixtures
from bizenv.monitoring.tests.world import months
from bizenv.observations.models import Observation
from bizenv.organisations.models import Role
from bizenv.organisations.services import map_layer_generate

pytestmark = pytest.mark.django_db

PERIODS = months("2025-01", "2026-10")
MORE_RULES = """
rules:
  - {code: POWER_LINE, name: 办电时间超预警线, kind: threshold, indicator: power.time, line: 7.5, severity: yellow}
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = io.BytesIO()
    Figure(figsize=(2, 2)).savefig(out, format="pdf")
    return out.getvalue()


def docx_bytes(text: str = "整改报告：已压缩开办时间至 3 个工作日。") -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("整改情况报告", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart {element_id}"
    return json.loads(found.group(1))


def text_of(html: str) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def monitored(fill, rules, counties, city, version):
    """Three warnings from a real monitoring run over 2025-01 … 2026-10: 东湖县's 开办企业时间 over the line in
    2026-08 and 2026-09 and cleared in 2026-10 (1 of the 2 periods 销号 needs); 北岭县's 开办企业时间 over it in
    2026-10;
    北岭县's 办电时间 (8) over a yellow line of 7.5 every month."""
    from bizenv.monitoring.rule_services import rules_import

    fill(PERIODS, breach={"2026-08", "2026-09"})
    indicator = version.indicators.get(code="starting.time")
    Observation.objects.filter(indicator=indicator, region=counties[3], period="2026-10").update(value=15.0)
    rules_import(actor=None, text=MORE_RULES)
    map_layer_generate(actor=None, region=city)
    monitoring_run()
    by = {(w.region.name, w.indicator_code): w for w in Warning.objects.select_related("region")}
    assert set(by) == {("东湖县", "starting.time"), ("北岭县", "starting.time"), ("北岭县", "power.time")}
    return by


@pytest.fixture
def donghu(monitored):
    return monitored[("东湖县", "starting.time")]


@pytest.fixture
def beiling(monitored):
    return monitored[("北岭县", "starting.time")]


def measure_post(client, warning, method, files, description="压缩企业开办环节，推行一窗通办。"):
    return client.post(f"/monitoring/warnings/{warning.pk}/measures/",
                       {"method": method.pk, "description": description, "files": files})


# ------------------------------------------------------------------------------------------ map and list


def test_the_office_sees_the_map_the_list_and_filters(monitored, office):
    client = client_of(office)

    html = client.get("/monitoring/").content.decode()

    text = text_of(html)
    assert "<title>监测预警 · " in html
    table = text_of(re.search(r'<table class="data" id="warning-table">(.*?)</table>', html, re.S).group(1))
    assert table.count("详情") == 3 and table.count("整改举措") >= 3
    # 东湖县: region, indicator with its first-level parent, kind, a red tag, status, periods, the key figure
    assert "东湖县 开办企业时间 一级指标：开办企业 超出预警线 红色 待签收 2026年8月—2026年9月" in table
    assert "12工作日（预警线 10工作日）" in table and "0 条" in table
    assert "8工作日（预警线 7.50工作日）" in table and "黄色" in table
    assert "2026年10月" in table
    # the map: 北岭县 in red (its highest severity), 东湖县 red, the others without warnings; a click filters
    option = chart(html, "chart-warning-map")
    data = {d["name"]: d for d in option["series"][0]["data"]}
    assert (data["北岭县"]["value"], data["北岭县"]["itemStyle"]["areaColor"]) == (2, "#d50000")
    assert data["东湖县"]["value"] == 1 and data["西山县"]["value"] == 0 and "itemStyle" not in data["西山县"]
    assert 'data-click-url="/monitoring/?region=__KEY__"' in html
    assert "北岭县 2 条 红色" in text
    assert "还没有上报整改举措的预警" in text
    assert "status" not in text and "threshold" not in text and "red" not in text

    only_beiling = text_of(client.get("/monitoring/?region=990104").content.decode())
    assert "东湖县 开办企业时间" not in only_beiling and only_beiling.count("北岭县 ") >= 2
    yellow = text_of(client.get("/monitoring/?severity=yellow").content.decode())
    assert "办电时间" in yellow and "共 1 条" in yellow
    by_indicator = text_of(client.get("/monitoring/?indicator=starting").content.decode())
    assert "共 2 条" in by_indicator and "办电时间 一级" not in by_indicator
    in_june = text_of(client.get("/monitoring/?period=2026-08").content.decode())
    assert "东湖县 开办企业时间" in in_june and "2026年10月 " not in in_june.split("预警列表")[1].split("共")[0]
    assert "共 2 条" in in_june  # 东湖县's line and 北岭县's 办电时间
    # htmx: the results alone
    partial = client.get("/monitoring/?kind=threshold&region=990101", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="monitoring-results">') and "<html" not in partial
    assert "共 1 条" in partial


def test_a_county_sees_only_its_own_warnings_and_404_for_another(monitored, donghu, beiling, county_user,
                                                                    method):
    client = client_of(county_user)
    html = client.get("/monitoring/").content.decode()
    table = text_of(re.search(r'id="warning-table">(.*?)</table>', html, re.S).group(1))
    assert "东湖县" in table and "北岭县" not in table
    assert client.get(f"/monitoring/warnings/{donghu.pk}/").status_code == 200
    assert client.get(f"/monitoring/warnings/{beiling.pk}/").status_code == 404
    # another county's evidence is not found either
    office_measure = RectificationMeasure.objects.create(warning=beiling, method=method, description="x",
                                                         period="2026-11")
    evidence = MeasureEvidence.objects.create(measure=office_measure, path="evidence/x.pdf", original_name="x.pdf",
                                              kind="pdf", content_type="application/pdf", size_bytes=1, sha256="0")
    assert client.get(f"/monitoring/evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/monitoring/evidence/{evidence.pk}/download/").status_code == 404
    assert client.post(f"/monitoring/warnings/{beiling.pk}/acknowledge/").status_code == 404


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_the_administrators_are_refused(monitored, donghu, make_user, role):
    client = client_of(make_user(role, username=f"admin-{role}"))
    for url in ("/monitoring/", f"/monitoring/warnings/{donghu.pk}/", "/monitoring/inbox/",
                "/monitoring/rules/", "/monitoring/reviews/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您没有" in response.content.decode() or "权限" in response.content.decode()


def test_a_department_sees_the_warnings_of_its_indicators_only(monitored, donghu, dept_user, power_user):
    html = client_of(dept_user).get("/monitoring/").content.decode()
    table = text_of(re.search(r'id="warning-table">(.*?)</table>', html, re.S).group(1))
    assert table.count("开办企业时间") == 2 and "办电时间" not in table
    power_html = client_of(power_user).get("/monitoring/").content.decode()
    assert "没有符合条件的预警" in power_html
    assert client_of(power_user).get(f"/monitoring/warnings/{donghu.pk}/").status_code == 404


# ---------------------------------------------------------------------------------------------- a warning


def test_the_warning_page_explains_with_figures_timeline_charts_and_drill_down(monitored, donghu, office):
    MetricDefinition.objects.create(code="sb.time", name="开办时间", indicator_code="starting.time",
                                    dataset="business_registrations", spec={})
    html = client_of(office).get(f"/monitoring/warnings/{donghu.pk}/").content.decode()
    text = text_of(html)

    assert "<title>预警详情 · 东湖县 · 开办企业时间 · " in html
    assert donghu.explanation in html and "东湖县" in donghu.explanation
    facts = text_of(re.search(r'id="facts-table">(.*?)</table>', html, re.S).group(1))
    assert "指标 开办企业时间" in facts and "所属一级指标 开办企业" in facts
    assert "时期 2026年9月" in facts and "本地区 12工作日" in facts and "预警线 10工作日" in facts
    assert "指标方向 越低越好" in facts and "标杆值 —" in facts
    assert "None" not in facts and "lower_better" not in facts
    # the timeline from the audit log: opened, persisted, cleared
    timeline = text_of(re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1))
    assert timeline.index("2026年8月首次预警") < timeline.index("2026年9月预警条件仍然存在") \
        < timeline.index("2026年10月预警条件消除")
    assert "已连续消除 1 期" in timeline
    # the trend with the warning line and the warned months; the peers of the last warned month
    trend = chart(html, "chart-trend")
    assert trend["xAxis"]["data"][0] == "2025年1月" and trend["xAxis"]["data"][-1] == "2026年10月"
    assert trend["series"][0]["name"] == "东湖县" and trend["series"][1]["name"] == "各地区平均"
    assert trend["series"][0]["markLine"]["data"][0]["yAxis"] == 10
    assert [p["coord"][0] for p in trend["series"][0]["markPoint"]["data"]] == ["2026年8月", "2026年9月"]
    peers = chart(html, "chart-peers")
    bars = {d["name"]: d for d in peers["series"][0]["data"]}
    assert bars["东湖县"]["value"] == 12 and bars["东湖县"]["itemStyle"]["color"] == "#d50000"
    assert peers["series"][0]["markLine"]["data"][0]["xAxis"] == pytest.approx((12 + 4 + 5 + 6) / 4)
    assert "2026年9月各地区指标值" in text
    # drill-down to the raw records of the region and the month
    assert 'href="/data/records/business_registrations/?month=2026-09&amp;region=990101"' in html
    assert "查看东湖县2026年9月的企业开办办件原始记录" in text
    # the office may close, and resolve once cleared long enough; it does not sign for the county
    assert "预警条件已连续消除 1 期，可以销号；连续消除 2 期时监测将自动销号。" in text and "签收" not in re.search(r'id="actions">(.*?)id="measures"', html, re.S).group(1)


def test_a_county_signs_and_uploads_a_pdf_and_a_docx_through_the_form(monitored, donghu, county_user, method):
    client = client_of(county_user)
    page = text_of(client.get(f"/monitoring/warnings/{donghu.pk}/").content.decode())
    assert "签收" in page and "上报整改举措" in page and "已输入 0 字，最多 2000 字" in page

    signed = client.post(f"/monitoring/warnings/{donghu.pk}/acknowledge/", follow=True)
    assert "已签收该预警" in signed.content.decode()
    files = [SimpleUploadedFile("整改说明.pdf", pdf_bytes(), content_type="application/pdf"),
             SimpleUploadedFile("整改报告.docx", docx_bytes(), content_type="application/octet-stream")]
    response = measure_post(client, donghu, method, files)

    assert response.status_code == 302 and response["Location"].endswith(f"/monitoring/warnings/{donghu.pk}/#measures")
    measure = RectificationMeasure.objects.get()
    assert [e.original_name for e in measure.evidence.order_by("id")] == ["整改说明.pdf", "整改报告.docx"]
    donghu.refresh_from_db()
    assert donghu.status == WarningStatus.RECTIFYING and donghu.first_measure_period == "2026-12"
    html = client.get(f"/monitoring/warnings/{donghu.pk}/").content.decode()
    text = text_of(html)
    assert "整改举措已上报（佐证材料 2 份），等待营商办审核。" in text
    assert "流程再造 待审核" in text and "压缩企业开办环节，推行一窗通办。" in text
    assert "整改说明.pdf （PDF 文件" in text and "整改报告.docx （Word 文档" in text
    assert text.count("查看") >= 2 and text.count("下载") >= 2
    assert "整改中" in text and "提交整改举措 整改方式：流程再造；佐证材料 2 份" in text
    # 整改成效: too few periods after the first measure, said plainly
    effect = text_of(html.split('id="effect"')[1])
    assert "整改后尚无可比数据" in effect and "期数不足，暂无法判断" in effect

    pdf, docx = measure.evidence.order_by("id")
    shown = client.get(f"/monitoring/evidence/{pdf.pk}/")
    assert shown["Content-Type"] == "application/pdf" and shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content).startswith(b"%PDF-")
    word = client.get(f"/monitoring/evidence/{docx.pk}/").content.decode()
    assert "整改情况报告" in word and "已压缩开办时间至 3 个工作日" in word and "<title>查看佐证材料 · 整改报告.docx" in word
    download = client.get(f"/monitoring/evidence/{docx.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment") and "filename*=UTF-8''" in download[
        "Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_renamed_executable_is_refused_in_chinese_and_nothing_is_saved(monitored, donghu, county_user, method,
                                                                          settings):
    client = client_of(county_user)
    exe = SimpleUploadedFile("整改说明.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    good = SimpleUploadedFile("附件.pdf", pdf_bytes(), content_type="application/pdf")

    response = measure_post(client, donghu, method, [good, exe])

    assert response.status_code == 400
    html = response.content.decode()
    errors = text_of(re.search(r'id="files-errors">(.*?)</ul>', html, re.S).group(1))
    assert "整改说明.pdf" in errors and "可执行程序" in errors
    assert "压缩企业开办环节" in html  # what was typed stays
    assert not RectificationMeasure.objects.exists() and not MeasureEvidence.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    donghu.refresh_from_db()
    assert donghu.status == WarningStatus.OPEN
    # the other fields' messages are Chinese too
    empty = measure_post(client, donghu, method, [], description="  ")
    empty_text = text_of(empty.content.decode())
    assert "请填写整改举措的说明。" in empty_text and "请至少上传一份佐证材料。" in empty_text


def test_the_office_reviews_measures_and_the_county_is_told(monitored, donghu, county_user, office, method):
    county = client_of(county_user)
    measure_post(county, donghu, method, [SimpleUploadedFile("a.pdf", pdf_bytes())])
    measure = RectificationMeasure.objects.get()
    boss = client_of(office)
    waiting = text_of(boss.get("/monitoring/reviews/").content.decode())
    assert "东湖县 开办企业时间" in waiting and "流程再造" in waiting and "去审核" in waiting
    assert client_of(county_user).get("/monitoring/reviews/").status_code == 403

    missing = boss.post(f"/monitoring/measures/{measure.pk}/review/", {f"m{measure.pk}-decision": "more"})
    assert missing.status_code == 400
    assert "要求补充时必须填写审核意见" in text_of(missing.content.decode())
    more = boss.post(f"/monitoring/measures/{measure.pk}/review/",
                     {f"m{measure.pk}-decision": "more", f"m{measure.pk}-comment": "请补充一窗通办的办件统计。"},
                     follow=True)
    assert "已要求补充" in more.content.decode()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.MORE_REQUESTED
    page = text_of(county.get(f"/monitoring/warnings/{donghu.pk}/").content.decode())
    assert "需补充" in page and "审核意见：请补充一窗通办的办件统计。" in page
    inbox = text_of(county.get("/monitoring/inbox/").content.decode())
    assert "整改举措需补充：东湖县 · 开办企业时间" in inbox
    again = boss.post(f"/monitoring/measures/{measure.pk}/review/", {f"m{measure.pk}-decision": "accept"},
                      follow=True)
    assert "该整改举措当前为“需补充”，已审核，不能再次审核。" in again.content.decode()
    assert "没有待审核的整改举措" in boss.get("/monitoring/reviews/").content.decode()


def test_resolve_needs_the_condition_cleared_and_a_second_click_is_a_conflict(monitored, donghu, beiling, office):
    boss = client_of(office)
    waiting = text_of(boss.get(f"/monitoring/warnings/{beiling.pk}/").content.decode())
    assert "2026年10月预警条件仍然存在，条件消除后才能销号（连续消除 2 期时系统自动销号）。" in waiting
    assert re.search(r'<button type="submit" class="btn btn-disabled" disabled>销号</button>',
                     boss.get(f"/monitoring/warnings/{beiling.pk}/").content.decode())
    early = text_of(boss.post(f"/monitoring/warnings/{beiling.pk}/resolve/", follow=True).content.decode())
    assert "2026年10月预警条件仍然存在，条件消除后才能销号" in early
    beiling.refresh_from_db()
    assert beiling.status == WarningStatus.OPEN
    ready = text_of(boss.get(f"/monitoring/warnings/{donghu.pk}/").content.decode())
    assert "预警条件已连续消除 1 期，可以销号；连续消除 2 期时监测将自动销号。" in ready

    done = boss.post(f"/monitoring/warnings/{donghu.pk}/resolve/", follow=True)
    assert "预警已销号。" in done.content.decode()
    donghu.refresh_from_db()
    assert donghu.status == WarningStatus.RESOLVED and donghu.finished_by == office
    again = text_of(boss.post(f"/monitoring/warnings/{donghu.pk}/resolve/", follow=True).content.decode())
    assert "该预警当前为“已销号”，不能销号。" in again
    assert "销号 预警条件已连续消除 1 期" in again  # the timeline step
    assert 'id="resolve-box"' not in boss.get(f"/monitoring/warnings/{donghu.pk}/").content.decode()


def test_closing_needs_a_reason(monitored, beiling, office):
    boss = client_of(office)
    refused = boss.post(f"/monitoring/warnings/{beiling.pk}/close/", {"reason": ""})
    assert refused.status_code == 400 and "关闭预警必须填写理由。" in refused.content.decode()
    closed = text_of(boss.post(f"/monitoring/warnings/{beiling.pk}/close/", {"reason": "源数据录入错误，已更正"},
                               follow=True).content.decode())
    assert "预警已关闭。" in closed and "关闭理由：源数据录入错误，已更正" in closed


# ------------------------------------------------------------------------------------------ inbox and nav


def test_the_unread_count_shows_on_every_page_and_the_inbox_marks_read(county_user, office, monitored):
    county = client_of(county_user)
    unread = Notification.objects.filter(recipient=county_user, read_at=None).count()
    assert unread == 1  # 东湖县's warning

    assert f"消息 {unread}</a>" in county.get("/monitoring/rules/", follow=True).content.decode() \
        or f"消息 {unread}</a>" in county.get("/").content.decode()
    inbox = county.get("/monitoring/inbox/").content.decode()
    assert f"消息 {unread}</a>" in inbox and "红色预警：东湖县 · 开办企业时间" in text_of(inbox)
    note = Notification.objects.get(recipient=county_user)
    county.post("/monitoring/inbox/read/", {"pk": note.pk})
    after = county.get("/monitoring/inbox/").content.decode()
    assert "消息</a>" in after and "没有未读消息" in after and "已读" in after
    boss = client_of(office)
    office_unread = Notification.objects.filter(recipient=office, read_at=None).count()
    assert office_unread == 2  # the office's inbox gets the red warnings; the yellow one is on its pages only
    assert f"消息 {office_unread}</a>" in boss.get("/monitoring/").content.decode()
    cleared = boss.post("/monitoring/inbox/read/", follow=True).content.decode()
    assert "已将 2 条消息标为已读。" in cleared and "消息</a>" in cleared


# ------------------------------------------------------------------------------------------------ rules


def test_the_rules_page_describes_the_rules_in_chinese(monitored, office, county_user):
    html = client_of(office).get("/monitoring/rules/").content.decode()
    table = text_of(re.search(r'id="rule-table">(.*?)</table>', html, re.S).group(1))
    assert "LINE 开办时间超预警线 超出预警线 红色 指标：开办企业时间 预警线 10" in table
    assert "POWER_LINE 办电时间超预警线 超出预警线 黄色 指标：办电时间 预警线 7.50" in table
    assert "2 期 启用" in table and "threshold" not in table
    assert client_of(county_user).get("/monitoring/rules/").status_code == 403


def test_a_rule_is_added_and_changed_through_the_form_with_the_rule_files_messages(monitored, office):
    boss = client_of(office)
    form = boss.get("/monitoring/rules/new/?kind=bottom_rank").content.decode()
    assert "新增预警规则 · 排名末位" in form and 'name="n"' in form and 'name="line"' not in form

    bad = boss.post("/monitoring/rules/new/", {"kind": "bottom_rank", "code": "L1_LAST", "severity": "orange",
                                               "level": "1", "n": "两位", "clear_periods": "2", "enabled": "on"})
    assert bad.status_code == 400
    row = text_of(re.search(r'id="row-n">(.*?)</ul>', bad.content.decode(), re.S).group(1))
    assert "应为不小于 0 的整数，实为“两位”" in row
    both = boss.post("/monitoring/rules/new/", {"kind": "bottom_rank", "code": "L1_LAST", "severity": "orange",
                                                "level": "1", "indicators": ["starting"], "n": "1",
                                                "clear_periods": "2", "enabled": "on"})
    assert "“指标范围” 与 “指标层级” 只能写一个" in both.content.decode()  # the form's words, not the YAML keys
    assert not WarningRule.objects.filter(code="L1_LAST").exists()

    saved = boss.post("/monitoring/rules/new/", {"kind": "bottom_rank", "code": "L1_LAST", "name": "一级指标末位",
                                                 "severity": "orange", "level": "1", "n": "1",
                                                 "clear_periods": "3", "enabled": "on"}, follow=True)
    assert "已保存预警规则“一级指标末位”（第 1 版）。" in saved.content.decode()
    rule = WarningRule.objects.get(code="L1_LAST")
    assert (rule.level, rule.params, rule.clear_periods, rule.revision) == ("1", {"n": 1}, 3, 1)
    table = text_of(re.search(r'id="rule-table">(.*?)</table>', saved.content.decode(), re.S).group(1))
    assert "一级指标（第 1 层） 排名末 1 位（参评地区多于 1 个时） 3 期" in table

    edit = {"severity": "red", "name": "一级指标末位", "level": "1", "n": "2", "clear_periods": "3",
            "enabled": "on"}
    boss.post(f"/monitoring/rules/{rule.pk}/", edit)
    rule.refresh_from_db()
    assert (rule.severity, rule.params, rule.revision) == ("red", {"n": 2}, 2)
    [entry] = AuditLog.objects.filter(action="warning_rule.update", object_id=str(rule.pk))
    assert entry.old_values == {"severity": "orange", "params": {"n": 1}, "revision": 1}
    assert entry.new_values == {"severity": "red", "params": {"n": 2}, "revision": 2}
    boss.post(f"/monitoring/rules/{rule.pk}/", edit)  # nothing changed: nothing written
    rule.refresh_from_db()
    assert rule.revision == 2
    assert AuditLog.objects.filter(action="warning_rule.update", object_id=str(rule.pk)).count() == 1
    duplicate = boss.post("/monitoring/rules/new/", {"kind": "threshold", "code": "LINE", "severity": "red",
                                                     "indicators": ["starting.time"], "line": "9",
                                                     "clear_periods": "2", "enabled": "on"})
    assert "规则编码“LINE”已被使用" in duplicate.content.decode()


def test_rules_are_exported_and_imported_all_or_nothing(monitored, office):
    boss = client_of(office)
    exported = boss.get("/monitoring/rules/export/")
    assert exported["Content-Disposition"].startswith("attachment")
    text = exported.content.decode()
    assert "code: LINE" in text and "code: POWER_LINE" in text

    broken = text.replace("line: 7.5", "line: 很高") + "- {code: NEW, kind: bottom_rank, level: 1, n: 1, severity: red}\n"
    refused = boss.post("/monitoring/rules/import/",
                        {"file": SimpleUploadedFile("rules.yaml", broken.encode("utf-8"))})
    page = text_of(refused.content.decode())
    assert refused.status_code == 400 and "规则文件有 1 处问题，未导入任何规则" in page
    assert "第 14 行，规则 POWER_LINE，字段 line：应为数字，实为“很高”" in page
    assert not WarningRule.objects.filter(code="NEW").exists()

    fixed = text.replace("line: 7.5", "line: 8.5") + "- {code: NEW, kind: bottom_rank, level: 1, n: 1, severity: red}\n"
    done = boss.post("/monitoring/rules/import/", {"file": SimpleUploadedFile("rules.yaml", fixed.encode("utf-8"))},
                     follow=True)
    assert "已导入规则文件：新增 1 条，修改 1 条，未变 1 条。" in done.content.decode()
    assert WarningRule.objects.get(code="POWER_LINE").params == {"line": 8.5}


def test_the_office_maintains_the_rectification_methods(monitored, office, method):
    boss = client_of(office)
    added = boss.post("/monitoring/methods/", {"new-name": "制度完善", "new-description": "出台或修订制度",
                                               "new-active": "on"}, follow=True)
    assert "已保存整改方式“制度完善”。" in added.content.decode()
    clash = boss.post("/monitoring/methods/", {"new-name": "流程再造", "new-active": "on"})
    assert clash.status_code == 400 and "整改方式“流程再造”已存在。" in clash.content.decode()
    boss.post(f"/monitoring/methods/{method.pk}/", {f"method{method.pk}-name": "流程再造"})
    assert RectificationMethod.objects.get(pk=method.pk).active is False


# ----------------------------------------------------------------------------- every kind, overdue, effects

EVERY_KIND = """
rules:
  - {code: L1_LAST, name: 一级指标末位, kind: bottom_rank, level: 1, n: 1, severity: orange}
  - {code: L1_LAG, name: 一级指标落后, kind: lag_best, level: 1, gap: 1, severity: yellow}
  - {code: JUMP, name: 环比异常, kind: fluctuation, compare: pop, k: 2, min_history: 3, indicators: [starting.time],
     severity: orange}
  - {code: BENCH, name: 落后标杆, kind: lag_benchmark, indicators: [starting.cost], ratio: 0.5, severity: yellow}
"""
LEAKS = ("None", "nan", "lower_better", "higher_better", "threshold", "bottom_rank", "lag_best", "lag_benchmark",
         "fluctuation", "overdue", "missing_report", "acknowledged", "rectifying", "TOTAL")


def test_every_kind_of_warning_reads_in_chinese(fill, rules, office, counties, city):
    from bizenv.analysis.models import BenchmarkValue
    from bizenv.monitoring.rule_services import rules_import

    fill(PERIODS, breach={"2026-06", "2026-07", "2026-08"})
    BenchmarkValue.objects.create(indicator_code="starting.cost", cities="杭州、宁波", value=100.0, unit="元",
                                  source="测试", year=2025)
    rules_import(actor=None, text=EVERY_KIND)
    monitoring_run()
    boss = client_of(office)
    kinds = set(Warning.objects.values_list("kind", flat=True))
    assert {"threshold", "bottom_rank", "lag_best", "fluctuation", "lag_benchmark"} <= kinds
    listing = text_of(boss.get("/monitoring/").content.decode())
    assert "排名末位" in listing and "倒数第 1 位" in listing and "落后最优地区" in listing
    assert "同比环比异常波动" in listing and "落后标杆值" in listing
    for warning in Warning.objects.all():
        response = boss.get(f"/monitoring/warnings/{warning.pk}/")
        assert response.status_code == 200
        text = text_of(response.content.decode())
        assert warning.explanation in text
        leaked = [word for word in LEAKS if re.search(rf"(?<![A-Za-z_]){word}(?![A-Za-z_])", text)]
        assert leaked == [], (warning.kind, leaked)
        html = response.content.decode()
        if warning.kind == "lag_best":
            assert [s["name"] for s in chart(html, "chart-trend")["series"]] == [
                warning.region.name, "各地区平均", "最优地区得分"]
            assert "得分趋势" in text
        if warning.kind == "lag_benchmark":
            marks = chart(html, "chart-trend")["series"][0]["markLine"]["data"]
            assert [m["name"] for m in marks] == ["标杆值", "预警界限"] and marks[0]["yAxis"] == 100
            assert "标杆值 100元" in text and "标杆地区 杭州、宁波" in text
        if warning.kind == "bottom_rank":
            assert "排名 倒数第 1 位" in text and "参与排名地区数 4 个" in text


def test_an_overdue_warning_lists_its_cases(fill, rules, office, counties, version):
    from bizenv.monitoring.rule_services import rules_import

    fill(PERIODS)
    rules_import(actor=None, text="rules:\n  - {code: LATE, name: 办件超期, kind: overdue, indicators: [starting], "
                                  "limit: 0.05, severity: orange}\n")
    rule = WarningRule.objects.get(code="LATE")
    facts = {"indicator": "starting", "indicator_name": "开办企业", "parent": "", "parent_name": "", "unit": "%",
             "measure": "value", "direction": "lower_better", "region": "990101", "region_name": "东湖县",
             "period": "2026-10", "own": 0.125, "average": None, "best_region": "", "best_region_name": "",
             "best": None, "benchmark": None, "benchmark_cities": "", "reference": 0.05,
             "reference_label": "允许超期办结占比", "rank_from_bottom": None, "ranked": None,
             "extra": [["办结", "40件"], ["超期办结", "5件"], ["超期办结占比", "12.5%"], ["允许超期办结占比", "5%"],
                       ["超期未办结", "0件"]]}
    warning = Warning.objects.create(
        rule=rule, system_version=version, region=counties[0], indicator_code="starting", indicator_name="开办企业",
        level1_code="starting", kind="overdue", severity="orange", first_period="2026-10", last_period="2026-10",
        history=[{"period": "2026-10", "value": 0.125, "reference": 0.05}], value=0.125, reference=0.05,
        explanation="东湖县2026年10月“开办企业”相关办件办结40件，其中超期办结5件（12.5%），允许5%；超期未办结0件。",
        facts=facts, cases=["BR-2026-0001", "BR-2026-0002"], last_checked_period="2026-10")

    boss = client_of(office)
    listed = text_of(boss.get("/monitoring/?kind=overdue").content.decode())
    assert "东湖县 开办企业 办件超期 橙色 待签收 2026年10月 超期办结占比 12.5%（超期办结占比上限 5%）" in listed
    html = boss.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    text = text_of(html)

    assert "办件超期" in text and "各期触发情况 时期 本地区 允许超期办结占比 2026年10月 12.5% 5%" in text
    assert "本地区 12.5%" in text and "允许超期办结占比 5%" in text
    assert "BR-2026-0001、BR-2026-0002" in text and "原始办件中已查不到这些办件的明细" in text
    assert 'href="/data/records/service_cases/?month=2026-10&amp;region=990101"' in html


def test_the_effect_of_measures_is_judged_against_peers_and_summed_up(county_user, office, monitored, donghu,
                                                                      method):
    measure_post(client_of(county_user), donghu, method, [SimpleUploadedFile("a.pdf", pdf_bytes())])
    Warning.objects.filter(pk=donghu.pk).update(first_measure_period="2026-07")  # as if it had started in July

    page = client_of(office).get(f"/monitoring/warnings/{donghu.pk}/").content.decode()
    effect = text_of(page.split('id="effect"')[1])
    # before: 18 months, 东湖县 at 3 against 西山县 and 南河区 (4.5); after: 3, 12, 12, 3
    assert "东湖县“开办企业时间”（越低越好）于2026年7月开始整改" in effect
    assert "整改前 18 期本区均值 3.00 工作日、同类地区（2 个）均值 4.50 工作日" in effect
    assert "整改后 4 期本区 7.50 工作日" in effect and "整改效果尚不明确" in effect
    assert "判断： 尚不明确" in effect
    option = chart(page, "chart-effect")
    assert option["xAxis"]["data"][0] == "2025年1月" and option["series"][0]["markLine"]["data"] == [
        {"xAxis": "2026年7月"}]

    summary = text_of(client_of(office).get("/monitoring/").content.decode().split('id="effects-summary"')[1])
    assert "共 1 条预警已上报整改举措，其中 1 条可判断成效" in summary
    assert "东湖县 1 0 1 0 0 变差 4.50 工作日" in summary
    assert "开办企业 · 开办企业时间 1 0 1 0 0" in summary
