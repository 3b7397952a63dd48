"""The 任务督办 pages as their users read them: the workbench's tabs, counts and filters; an item's page with its
fields, source, timeline and the actions the user may take now (htmx and plain posts, refusals in Chinese with
nothing saved); the new-item and edit forms (prefilled from a warning); the files of an item; the on-time page
and the leaders' cockpit card, whose numbers are `stats.ontime_stats`' — and who sees what."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizenv.core.models import AuditLog
from bizenv.monitoring.models import Warning, WarningRule
from bizenv.organisations.models import Department, Region, Role
from bizenv.workflows import selectors, stats
from bizenv.workflows.models import ItemEvent, ItemFile, ItemStatus, WorkItem
from bizenv.workflows.services import ItemSpec, item_create
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import TODAY, act

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(html: str) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart {element_id}"
    return json.loads(found.group(1))


def codes_listed(html: str) -> list[str]:
    return re.findall(r'<tr data-item="\d+" data-code="([^"]+)">', html)


def pdf_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = io.BytesIO()
    Figure(figsize=(2, 2)).savefig(out, format="pdf")
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("整改情况报告", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def ledger_item(office, *, assignee: str, deadline: date, issued: date, approved: date, title: str,
                kind: str = "annual") -> WorkItem:
    """An item as an imported ledger brings it: issued and approved on given days."""
    department = Department.objects.filter(code=assignee).first()
    region = None if department else Region.objects.get(code=assignee)
    spec = ItemSpec(title=title, assignee_department=department, assignee_region=region, deadline=deadline, kind=kind)
    return item_create(actor=office, spec=spec, issued_on=issued, approved_on=approved)


@pytest.fixture
def history(office, make_item):
    """Items of 2026 in every standing: on time, late, still open past the deadline, not yet due, cancelled."""
    made = {
        "on_time": ledger_item(office, assignee="990101", deadline=date(2026, 9, 30), issued=date(2026, 9, 1),
                               approved=date(2026, 9, 28), title="东湖县按期任务"),
        "late": ledger_item(office, assignee="samr", deadline=date(2026, 10, 15), issued=date(2026, 9, 20),
                            approved=date(2026, 10, 25), title="市场监管超期办结", kind="rectification"),
        "open_late": make_item(assignee="990102", deadline=date(2026, 12, 20), title="西山县逾期未办"),
        "pending": make_item(assignee="990101", deadline=date(2026, 12, 20), title="东湖县未到期"),
        "cancelled": make_item(assignee="power", deadline=date(2026, 12, 20), title="撤销的任务"),
    }
    # 西山县's item was issued in November with a deadline already past by today.
    WorkItem.objects.filter(pk=made["open_late"].pk).update(issued_on=date(2026, 11, 2), deadline=date(2026, 11, 20))
    act(made["cancelled"], "cancel", office, reason="任务调整")
    return made


def make_warning(region, version) -> Warning:
    rule = WarningRule.objects.create(system_version=version, code="LINE-T", kind="threshold", severity="red")
    return Warning.objects.create(
        rule=rule, system_version=version, region=region, indicator_code="starting.time", indicator_name="开办企业时间",
        level1_code="starting", kind="threshold", severity="red", first_period="2026-10", last_period="2026-10",
        value=12.0, reference=10.0, explanation="东湖县“开办企业时间”2026年10月为 12 个工作日，超出预警线 10。")


# ------------------------------------------------------------------------------------------------ the workbench


def test_the_county_finds_its_new_item_waiting_to_be_accepted(make_item, county_user, other_county_user):
    mine = make_item(assignee="990101", title="压缩东湖县开办时间")
    theirs = make_item(assignee="990102", title="西山县的任务")

    html = client_of(county_user).get("/workflows/").content.decode()

    tabs = dict(re.findall(r'data-tab="(\w+)".*?>([^<]+)<span class="count">', html, re.S))
    assert list(tabs.values()) == ["待我处理", "我下发的", "已逾期", "全部"]
    assert re.search(r'data-tab="todo"[^>]*>待我处理<span class="count">1</span>', html)
    assert codes_listed(html) == [mine.code]
    row = text_of(re.search(rf'<tr data-item="{mine.pk}".*?</tr>', html, re.S).group(0))
    assert "压缩东湖县开办时间" in row and "待受理" in row and "2026年12月20日" in row and "剩余 17 天" in row
    assert "年度任务" in row and "东湖县" in row and "0%" in row
    assert theirs.code not in html and "西山县的任务" not in html
    assert "新建任务" not in html and "导出任务台账" not in html  # the office's


def test_tabs_count_and_list_what_waits_what_was_issued_and_what_is_overdue(history, office, county_user):
    client = client_of(office)
    submitted = history["pending"]
    act(submitted, "accept", county_user)
    act(submitted, "submit", county_user, reason="已完成")

    todo = client.get("/workflows/").content.decode()
    assert codes_listed(todo) == [submitted.code]  # the office reviews what was submitted to it
    assert "待审核" in text_of(todo)
    overdue = client.get("/workflows/?tab=overdue").content.decode()
    assert codes_listed(overdue) == [history["open_late"].code]
    assert "逾期 13 天" in text_of(overdue)
    assert re.search(r'data-tab="overdue"[^>]*>已逾期<span class="count">1</span>', overdue)
    everything = client.get("/workflows/?tab=all").content.decode()
    assert set(codes_listed(everything)) == {i.code for i in history.values()}
    issued = client.get("/workflows/?tab=issued").content.decode()
    assert set(codes_listed(issued)) == {i.code for i in history.values()}
    assert 'id="new-item"' in everything and 'href="/workflows/items/new/"' in everything


def test_filters_narrow_the_list_and_the_page_links_keep_them(history, office, make_item):
    client = client_of(office)
    power = make_item(assignee="power", indicator_codes=["power.time"], title="压缩办电时间")

    def listed(**query):
        return set(codes_listed(client.get("/workflows/", {"tab": "all", **query}).content.decode()))

    assert listed(kind="rectification") == {history["late"].code}
    assert listed(unit="990101") == {history["on_time"].code, history["pending"].code}
    assert listed(indicator="power.time") == {power.code}
    assert listed(status="cancelled") == {history["cancelled"].code}
    assert listed(status="open") == {history["open_late"].code, history["pending"].code, power.code}
    assert listed(q="西山县") == {history["open_late"].code}
    assert listed(unit="no-such-unit") == {i.code for i in history.values()} | {power.code}  # left out

    partial = client.get("/workflows/", {"tab": "all", "kind": "annual"}, **HTMX).content.decode()
    assert partial.startswith('<div id="workbench-results">') and "<html" not in partial
    assert 'id="filter-tab" hx-swap-oob="true"' in partial  # the filter form learns the tab


def test_the_workbench_pages_twenty_items_at_a_time(make_item, office):
    for n in range(23):
        make_item(assignee="990101", title=f"第{n}项")
    client = client_of(office)

    first = client.get("/workflows/", {"tab": "all", "kind": "annual"}).content.decode()
    assert len(codes_listed(first)) == 20 and "第 1/2 页" in first
    next_link = re.search(r'href="\?([^"]*page=2)"', first).group(1).replace("&amp;", "&")
    assert "tab=all" in next_link and "kind=annual" in next_link
    second = client.get("/workflows/?" + next_link).content.decode()
    assert len(codes_listed(second)) == 3


def test_a_leader_reads_every_item_but_has_nothing_to_do(history, leader):
    html = client_of(leader).get("/workflows/").content.decode()

    assert re.findall(r'data-tab="(\w+)"', html) == ["overdue", "all"]
    assert set(codes_listed(html)) == {i.code for i in history.values()}
    assert "新建任务" not in html


# ------------------------------------------------------------------------------------------------ one item


def test_the_item_page_shows_fields_source_and_timeline_in_chinese(make_item, office, county_user, version, counties):
    warning = make_warning(counties[0], version)
    item = make_item(assignee="990101", title="东湖县开办时间整改", kind="rectification", priority="urgent",
                     indicator_codes=["starting.time"], description="三个月内压减到 5 个工作日",
                     co_departments=[Department.objects.get(code="samr")], source="warning", warning=warning)
    act(item, "supervise", office, reason="请尽快受理")

    html = client_of(county_user).get(f"/workflows/items/{item.pk}/").content.decode()
    page = text_of(html)

    for words in ("东湖县开办时间整改", "整改任务", "紧急", "开办企业时间", "三个月内压减到 5 个工作日", "市市场监管局",
                  "2026年12月20日", "剩余 17 天", "督办次数 1 次", "任务来源：监测预警"):
        assert words in page, words
    assert re.search(r'<span class="st st-issued" id="item-status" data-status="issued">待受理</span>', html)
    assert f'href="/monitoring/warnings/{warning.pk}/"' in html
    steps = re.findall(r'data-action="(\w+)">\s*<div class="step-head"><strong class="label">([^<]+)</strong>', html)
    assert steps == [("create", "创建"), ("issue", "下发"), ("supervise", "督办")]
    issue = text_of(re.search(r'data-action="issue".*?</li>', html, re.S).group(0))
    assert "草稿 → 待受理" in issue and "下发至东湖县，完成时限 2026年12月20日" in issue
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} · 测试office（市营商环境建设专班办公室）", issue)
    assert "2026-12-20" not in page and "issued" not in page and "rectification" not in page
    assert re.findall(r'<(?:div|details) class="act(?:-quick)?" id="act-(\w+)"', html) == ["accept", "return",
                                                                                         "transfer"]


def test_another_countys_item_and_a_missing_one_are_the_same_404(make_item, other_county_user, dept_user):
    item = make_item(assignee="990101")

    hidden = client_of(other_county_user).get(f"/workflows/items/{item.pk}/")
    missing = client_of(other_county_user).get("/workflows/items/999999/")

    assert hidden.status_code == missing.status_code == 404
    assert "没有这项任务，或它不在您的查看范围内" in hidden.content.decode()
    assert text_of(hidden.content.decode()) == text_of(missing.content.decode())
    assert client_of(dept_user).get(f"/workflows/items/{item.pk}/").status_code == 404  # samr is not concerned
    forced = client_of(other_county_user).post(f"/workflows/items/{item.pk}/act/accept/")
    assert forced.status_code == 404
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.ISSUED


def test_accepting_by_htmx_returns_the_refreshed_item(make_item, county_user):
    item = make_item(assignee="990101")

    response = client_of(county_user).post(f"/workflows/items/{item.pk}/act/accept/",
                                           {"accept-reason": "已安排专人办理"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="item-body">') and "<html" not in html
    assert "已受理该任务，请按时限办理并反馈进展。" in html
    assert 'data-status="in_progress">办理中</span>' in html
    accepted = text_of(re.search(r'data-action="accept".*?</li>', html, re.S).group(0))
    assert "待受理 → 办理中" in accepted and "已安排专人办理" in accepted
    assert re.findall(r'id="act-(\w+)"', html) == ["feedback", "submit", "transfer", "split"]
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.IN_PROGRESS


def test_a_plain_post_goes_back_to_the_item_page(make_item, county_user):
    item = make_item(assignee="990101")
    client = client_of(county_user)

    response = client.post(f"/workflows/items/{item.pk}/act/accept/")

    assert response.status_code == 302 and response["Location"] == f"/workflows/items/{item.pk}/#timeline"
    assert "已受理该任务" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_return_without_a_reason_is_refused_next_to_its_form_and_nothing_changes(make_item, county_user, headers):
    item = make_item(assignee="990101")
    events, audits = ItemEvent.objects.count(), AuditLog.objects.count()

    response = client_of(county_user).post(f"/workflows/items/{item.pk}/act/return/", {"return-reason": "  "},
                                           **headers)

    html = response.content.decode()
    assert response.status_code == (200 if headers else 400)
    form = re.search(r'<details class="act" id="act-return" open>.*?</details>', html, re.S).group(0)
    assert "请填写退回理由。" in form
    assert WorkItem.objects.get(pk=item.pk).status == ItemStatus.ISSUED
    assert (ItemEvent.objects.count(), AuditLog.objects.count()) == (events, audits)


def test_an_action_the_status_no_longer_allows_is_a_chinese_conflict(make_item, office, county_user):
    item = make_item(assignee="990101")
    client = client_of(office)

    response = client.post(f"/workflows/items/{item.pk}/act/approve/")
    assert response.status_code == 409
    assert "该任务当前为“待受理”，不能审核通过（责任单位申请办结后才能审核）。" in response.content.decode()

    leader_like = client_of(county_user).post(f"/workflows/items/{item.pk}/act/supervise/",
                                              {"supervise-reason": "自己督办"})
    assert leader_like.status_code == 403 and "只有营商办可以督办。" in leader_like.content.decode()
    assert client.post(f"/workflows/items/{item.pk}/act/fly/").status_code == 404
    assert client.get(f"/workflows/items/{item.pk}/act/accept/").status_code == 405
    assert WorkItem.objects.get(pk=item.pk).supervise_count == 0


def test_feedback_with_evidence_shows_on_the_timeline_and_the_files_open_for_who_sees_the_item(
        make_item, county_user, other_county_user, office, leader):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    client = client_of(county_user)
    pdf_content = pdf_bytes()
    files = [SimpleUploadedFile("办件数据.pdf", pdf_content, content_type="application/pdf"),
             SimpleUploadedFile("整改报告.docx", docx_bytes("已压缩到 4 个工作日"), content_type="application/octet-stream")]

    html = client.post(f"/workflows/items/{item.pk}/act/feedback/",
                       {"feedback-progress": "60", "feedback-reason": "已取消两个环节", "feedback-files": files},
                       **HTMX).content.decode()

    assert "已反馈进展（进度 60%）。" in html
    step = re.search(r'data-action="feedback".*?<div class="when">', html, re.S).group(0)
    assert "进度 60%" in text_of(step) and "已取消两个环节" in text_of(step)
    assert "办件数据.pdf" in step and "整改报告.docx" in step
    pdf = ItemFile.objects.get(original_name="办件数据.pdf")
    docx = ItemFile.objects.get(original_name="整改报告.docx")
    assert f'href="/workflows/files/{pdf.pk}/"' in step and f'href="/workflows/files/{pdf.pk}/download/"' in step
    shown = client.get(f"/workflows/files/{pdf.pk}/")
    assert shown["Content-Type"] == "application/pdf" and shown["Content-Disposition"].startswith("inline;")
    assert b"".join(shown.streaming_content) == pdf_content
    downloaded = client_of(office).get(f"/workflows/files/{pdf.pk}/download/")
    assert b"".join(downloaded.streaming_content) == pdf_content
    preview = client_of(leader).get(f"/workflows/files/{docx.pk}/").content.decode()
    assert "已压缩到 4 个工作日" in preview and "整改情况报告" in preview
    download = client_of(office).get(f"/workflows/files/{docx.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert client_of(other_county_user).get(f"/workflows/files/{pdf.pk}/").status_code == 404
    assert client_of(other_county_user).get(f"/workflows/files/{pdf.pk}/download/").status_code == 404
    assert WorkItem.objects.get(pk=item.pk).progress == 60


def test_a_renamed_program_as_evidence_is_refused_and_nothing_is_saved(make_item, county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    fake = SimpleUploadedFile("整改说明.pdf", b"MZ" + bytes(4094), content_type="application/pdf")

    response = client_of(county_user).post(f"/workflows/items/{item.pk}/act/feedback/",
                                           {"feedback-progress": "30", "feedback-reason": "进展", "feedback-files": fake})

    assert response.status_code == 400
    assert "文件“整改说明.pdf”的内容是可执行程序，不是 PDF" in response.content.decode()
    assert not ItemEvent.objects.filter(item=item, action="feedback").exists() and not ItemFile.objects.exists()
    assert WorkItem.objects.get(pk=item.pk).progress == 0


def test_progress_out_of_range_is_a_form_error(make_item, county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)

    html = client_of(county_user).post(f"/workflows/items/{item.pk}/act/feedback/",
                                       {"feedback-progress": "150", "feedback-reason": "进展"}).content.decode()

    assert "进度不能大于 100。" in html
    assert not ItemEvent.objects.filter(item=item, action="feedback").exists()


def test_a_transfer_away_sends_the_county_back_to_its_workbench(make_item, county_user, other_county_user):
    item = make_item(assignee="990101")
    client = client_of(county_user)

    refused = client.post(f"/workflows/items/{item.pk}/act/transfer/",
                          {"transfer-to": "990102", "transfer-reason": ""}, **HTMX).content.decode()
    assert "请填写转办理由。" in refused
    response = client.post(f"/workflows/items/{item.pk}/act/transfer/",
                           {"transfer-to": "990102", "transfer-reason": "属西山县辖区"}, **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == "/workflows/"
    item.refresh_from_db()
    assert item.assignee_region.code == "990102" and item.transfer_count == 1
    assert "已转办至西山县。该任务已不在您的查看范围内。" in text_of(client.get("/workflows/").content.decode())
    theirs = client_of(other_county_user).get(f"/workflows/items/{item.pk}/").content.decode()
    step = text_of(re.search(r'data-action="transfer".*?</li>', theirs, re.S).group(0))
    assert "由东湖县转办至西山县：属西山县辖区" in step and "待受理 → 待受理" not in step


def test_a_rejected_submission_goes_back_to_the_county_with_the_reason(make_item, office, county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    act(item, "submit", county_user, reason="已完成")
    client = client_of(office)

    html = client.post(f"/workflows/items/{item.pk}/act/reject/", {"reject-reason": "缺少办件数据"},
                       **HTMX).content.decode()

    assert "已审核退回，责任单位将继续办理。" in html and 'data-status="in_progress"' in html
    assert "审核退回理由 缺少办件数据" in text_of(html)
    county = client_of(county_user).get(f"/workflows/items/{item.pk}/").content.decode()
    assert "待审核 → 办理中" in text_of(re.search(r'data-action="reject".*?</li>', county, re.S).group(0))


def test_split_rows_create_sub_items_and_a_bad_row_is_named(make_item, office, dept_user):
    item = make_item(assignee="samr", deadline=date(2026, 12, 20))
    act(item, "accept", dept_user)
    client = client_of(dept_user)

    bad = client.post(f"/workflows/items/{item.pk}/act/split/", {
        "split-unit_1": "990101", "split-title_1": "东湖县", "split-deadline_1": "2026-12-15",
        "split-unit_2": "990102", "split-title_2": "", "split-deadline_2": "2026-12-31"}).content.decode()
    assert "第 2 行：请填写子任务名称。" in bad
    late = client.post(f"/workflows/items/{item.pk}/act/split/", {
        "split-unit_1": "990101", "split-title_1": "东湖县", "split-deadline_1": "2026-12-31"}).content.decode()
    assert "晚于本任务的完成时限 2026年12月20日" in late
    assert not item.children.exists()

    html = client.post(f"/workflows/items/{item.pk}/act/split/", {
        "split-unit_1": "990101", "split-title_1": "东湖县压缩开办时间", "split-deadline_1": "2026-12-15",
        "split-unit_2": "990102", "split-title_2": "西山县压缩开办时间", "split-deadline_2": "2026-12-16"},
        **HTMX).content.decode()

    assert "已分解为 2 项子任务并下发。" in html
    children = re.search(r'<table class="data" id="children-table">.*?</table>', html, re.S).group(0)
    assert "东湖县压缩开办时间" in children and "西山县压缩开办时间" in children and children.count("待受理") == 2


# ------------------------------------------------------------------------------------------------ create and edit


def test_the_office_creates_an_item_from_a_warning(office, county_user, counties, version):
    warning = make_warning(counties[0], version)
    client = client_of(office)

    form = client.get(f"/workflows/items/new/?warning={warning.pk}").content.decode()

    assert "根据预警创建整改任务" in form
    assert 'value="东湖县“开办企业时间”预警整改"' in form
    assert '<option value="rectification" selected>整改任务</option>' in form
    assert '<option value="990101" selected>东湖县</option>' in form
    assert re.search(r'<option value="starting.time" selected>\s*.*开办企业时间</option>', form)
    assert f'name="warning" value="{warning.pk}"' in form
    response = client.post("/workflows/items/new/", {
        "title": "东湖县“开办企业时间”预警整改", "kind": "rectification", "priority": "high", "assignee": "990101",
        "indicators": ["starting.time"], "deadline_workdays": "10", "warning": warning.pk, "issue": "1"})

    item = WorkItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workflows/items/{item.pk}/"
    assert item.status == ItemStatus.ISSUED and item.warning == warning and item.source == "warning"
    assert item.deadline == date(2026, 12, 17) and item.deadline_workdays == 10  # 10 working days after 12-03
    assert "任务已下发至东湖县，完成时限 2026年12月17日。" in text_of(client.get(response["Location"]).content.decode())


def test_a_draft_with_attachments_is_saved_and_later_issued_from_the_edit_form(office, county_user):
    client = client_of(office)
    attachment = SimpleUploadedFile("工作方案.pdf", pdf_bytes(), content_type="application/pdf")

    response = client.post("/workflows/items/new/", {
        "title": "材料征集：2026年改革案例", "kind": "materials", "priority": "normal", "assignee": "samr",
        "co_assignees": ["990101"], "deadline": "2026-12-30", "files": attachment, "draft": "1"})

    item = WorkItem.objects.get()
    assert response.status_code == 302 and item.status == ItemStatus.DRAFT
    page = client.get(f"/workflows/items/{item.pk}/").content.decode()
    attachments = re.search(r'id="item-attachments".*?</ul>', page, re.S).group(0)
    assert "工作方案.pdf" in attachments and "PDF 文件" in attachments
    assert 'id="item-edit"' in page and re.findall(r'id="act-(\w+)"', page) == ["issue", "cancel"]
    edit = client.get(f"/workflows/items/{item.pk}/edit/").content.decode()
    assert 'value="材料征集：2026年改革案例"' in edit and '<option value="990101" selected>东湖县</option>' in edit

    client.post(f"/workflows/items/{item.pk}/edit/", {
        "title": "材料征集：2026年改革典型案例", "kind": "materials", "priority": "high", "assignee": "samr",
        "deadline": "2026-12-30", "issue": "1"})

    item.refresh_from_db()
    assert item.title == "材料征集：2026年改革典型案例" and item.status == ItemStatus.ISSUED
    assert item.priority == "high" and not item.co_regions.exists()
    assert client_of(county_user).get(f"/workflows/items/{item.pk}/edit/").status_code == 404


@pytest.mark.parametrize(("fields", "message"), [
    ({"assignee": ""}, "请选择责任单位（一个部门或一个县区）。"),
    ({"title": ""}, "请填写任务名称。"),
    ({"deadline": "2026-11-30"}, "完成时限 2026年11月30日 早于下发日期 2026年12月3日。"),
    ({"deadline": "2026-12-31", "deadline_workdays": "5"}, "完成时限请填写日期或工作日数，二者选一。"),
    ({"deadline": "明天"}, "完成时限应为日期，如 2026-12-31。"),
    ({"deadline": "2031-06-30"}, "2031"),
    ({"deadline": ""}, "下发任务须有完成时限"),
    ({"co_assignees": ["samr"]}, "协办单位不能与责任单位相同。"),
    ({"assignee_user": "county1"}, "责任人“测试county1”不属于市市场监管局。"),
    ({"deadline_workdays": "0", "deadline": ""}, "工作日数至少为 1。"),
])
def test_bad_input_on_the_new_item_form_gets_a_chinese_message_and_saves_nothing(office, county_user, fields,
                                                                                 message):
    values = {"title": "压缩开办时间", "kind": "annual", "priority": "normal", "assignee": "samr",
              "deadline": "2026-12-31", "issue": "1", **fields}

    response = client_of(office).post("/workflows/items/new/", values)

    assert response.status_code == 400
    assert message in text_of(response.content.decode())
    assert not WorkItem.objects.exists() and not AuditLog.objects.filter(action__startswith="work_item").exists()


def test_only_the_office_opens_the_new_item_form(county_user, dept_user, leader, office):
    for user in (county_user, dept_user, leader):
        assert client_of(user).get("/workflows/items/new/").status_code == 403
    assert client_of(office).get("/workflows/items/new/").status_code == 200


# ------------------------------------------------------------------------------------------------ on-time page


def test_the_rates_on_the_page_are_ontime_stats_over_every_item(history, office):
    html = client_of(office).get("/workflows/stats/").content.decode()

    facts = selectors.item_facts(items=WorkItem.objects.all())
    for by in ("department", "region", "kind", "month"):
        table = re.search(rf'<table class="data ot-table" id="ontime-{by}".*?</table>', html, re.S).group(0)
        shown = {key: (int(due), int(on_time), int(overdue), rate) for key, due, on_time, overdue, rate in re.findall(
            r'<tr data-key="([^"]+)" data-due="(\d+)" data-on-time="(\d+)" data-overdue="(\d+)" data-pending="\d+" '
            r'data-rate="([^"]*)"', table)}
        expected = {t.key: (t.due, t.on_time, t.overdue, "" if t.rate is None else repr(t.rate))
                    for t in stats.ontime_stats(facts, as_of=TODAY, by=by)}
        assert shown == expected, by
    total = stats.ontime_total(facts, as_of=TODAY)
    assert (total.due, total.on_time, total.overdue) == (3, 1, 2)
    assert re.search(r'id="total-rate">33.3%<', html)
    page = text_of(html)
    assert "市市场监管局 1 0 1 0.0% 10.0 0" in page  # approved 10 days late
    assert "东湖县 1 1 0 100.0% — 1" in page  # one on time, one not yet due
    assert "整改任务" in page and "2026年10月" in page and "rectification" not in page
    overdue = re.search(r'<table class="data" id="overdue-table">.*?</table>', html, re.S).group(0)
    assert re.findall(r'data-code="([^"]+)" data-days="(\d+)"', overdue) == [
        (history["open_late"].code, "13"), (history["late"].code, "10")]
    assert "至今未办结" in overdue and "于 2026年10月25日 办结" in overdue
    assert f'href="/workflows/items/{history["open_late"].pk}/"' in overdue
    assert chart(html, "chart-ontime-region")["series"][0]["data"][0]["value"] in (0.0, 100.0)
    months = chart(html, "chart-ontime-month")
    assert months["xAxis"]["data"] == ["2026年9月", "2026年10月", "2026年11月"]
    assert months["series"][1]["data"] == [0, 1, 1] and months["series"][2]["data"] == [100.0, 0.0, 0.0]


def test_the_as_of_day_moves_the_counts(history, office):
    client = client_of(office)

    october = client.get("/workflows/stats/", {"as_of": "2026-10-20"}).content.decode()
    assert re.search(r'id="total-kind"[^>]*data-due="2" data-on-time="1" data-overdue="1"', october)
    assert "截至 2026年10月20日" in text_of(october)
    bad = client.get("/workflows/stats/", {"as_of": "上个月"}).content.decode()
    assert "截至日期应为日期，如 2026-12-03；已按今天统计。" in bad and "截至 2026年12月3日" in text_of(bad)


def test_a_county_counts_only_its_own_items(history, county_user):
    html = client_of(county_user).get("/workflows/stats/").content.decode()

    assert re.search(r'id="total-kind"[^>]*data-due="1" data-on-time="1" data-overdue="0"', html)
    assert "西山县" not in text_of(html) and "市市场监管局" not in text_of(html)


def test_without_items_the_page_says_so_instead_of_drawing_empty_charts(office):
    html = client_of(office).get("/workflows/stats/").content.decode()

    assert "data-chart=" not in html and "截至该日没有应完成的任务。" in html and 'id="total-rate">—<' in html


# ------------------------------------------------------------------------------------------------ the cockpit


def test_the_cockpit_shows_the_on_time_rate_and_the_units_most_overdue(history, leader, county_user):
    html = client_of(leader).get("/cockpit/").content.decode()

    card = re.search(r'<div class="ck-panel ck-grow-2 ck-work" id="ck-work">.*?id="ck-work-units">.*?</ul>', html,
                     re.S).group(0)
    assert 'id="ck-work-rate">33.3%<' in card
    assert 'id="ck-work-due">3<' in card and 'id="ck-work-on-time">1<' in card and 'id="ck-work-overdue">2<' in card
    units = re.findall(r'unit=(\w+)">([^<]+)</a><small>([^<]+)</small>', card)
    # as many overdue items each: the longer average delay first
    assert units == [("990102", "西山县", "逾期 1 项 · 平均 13.0 天"), ("samr", "市市场监管局", "逾期 1 项 · 平均 10.0 天")]
    county = client_of(county_user).get("/cockpit/").content.decode()
    assert 'id="ck-work-rate">100.0%<' in county and "无逾期任务" in county


# ------------------------------------------------------------------------------------------------ who opens what


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.AUDITOR, Role.SECADMIN])
def test_administrators_see_no_work_items(make_user, make_item, role):
    item = make_item(assignee="990101")
    client = client_of(make_user(role, username=f"admin-{role}"))

    for path in ("/workflows/", "/workflows/stats/", f"/workflows/items/{item.pk}/", "/workflows/items/new/"):
        assert client.get(path).status_code == 403, path


# ------------------------------------------------------------------------------------------------ issue 13 trial


def _rows_of(html: str, by: str) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    table = re.search(rf'<table class="data ot-table" id="ontime-{by}".*?</table>', html, re.S).group(0)
    pattern = (r'<tr{} data-key="[^"]*" data-due="(\d+)" data-on-time="(\d+)" data-overdue="(\d+)" '
               r'data-pending="(\d+)"')
    rows = [tuple(map(int, r)) for r in re.findall(pattern.format(""), table)]
    total = tuple(map(int, re.search(pattern.format(f' class="total" id="total-{by}"'), table).groups()))
    return rows, total


def test_each_tables_total_is_the_sum_of_its_own_rows_and_all_items_are_shown_apart(history, office):
    html = client_of(office).get("/workflows/stats/").content.decode()

    for by in ("department", "region", "kind", "month"):
        rows, total = _rows_of(html, by)
        assert rows and total == tuple(sum(r[i] for r in rows) for i in range(4)), by
    assert _rows_of(html, "department")[1][:3] == (1, 0, 1)  # samr only, not the 3 items due in all
    assert _rows_of(html, "region")[1][:3] == (2, 1, 1)
    summary = text_of(re.search(r'id="ontime-summary-title".*?id="ontime-summary".*?</div>\s*</div>', html,
                                re.S).group(0))
    assert "全部任务" in summary and "按期办结 1 项 ÷ 应完成 3 项" in text_of(html)


def test_a_county_sees_no_empty_department_section(history, county_user):
    html = client_of(county_user).get("/workflows/stats/").content.decode()

    assert 'id="ontime-department"' not in html and "chart-ontime-department" not in html
    assert "按责任部门：您的查看范围内没有此类任务" in text_of(html)
    assert 'id="ontime-region"' in html


def test_the_countys_unit_filter_lists_only_units_of_its_items(history, county_user, office):
    def units(user):
        html = client_of(user).get("/workflows/", {"tab": "all"}).content.decode()
        select = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
        return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]

    assert units(county_user) == ["990101"]
    assert set(units(office)) == {"samr", "power", "990101", "990102"}


def test_units_without_accounts_are_marked_and_warned_about_but_not_refused(office, county_user, dept_user, counties):
    client = client_of(office)
    form = client.get("/workflows/items/new/").content.decode()
    assignee = re.search(r'<select name="assignee".*?</select>', form, re.S).group(0)
    assert '<option value="power">市供电公司（暂无账号）</option>' in assignee
    assert re.search(r'<option value="990103">[^<]+（暂无账号）</option>', assignee)
    assert '<option value="samr">市市场监管局</option>' in assignee
    assert '<option value="990101">东湖县</option>' in assignee

    response = client.post("/workflows/items/new/", {"title": "供电任务", "kind": "annual", "priority": "normal",
                                                     "assignee": "power", "deadline": "2026-12-30", "issue": "1"})
    item = WorkItem.objects.get()
    assert response.status_code == 302 and item.status == ItemStatus.ISSUED
    page = text_of(client.get(response["Location"]).content.decode())
    assert "市供电公司尚无可办理任务的账号，请联系系统管理员开通。" in page

    fine = make_item_for(office, "samr")
    page = text_of(client.get(f"/workflows/items/{fine.pk}/").content.decode())
    assert "尚无可办理任务的账号" not in page


def make_item_for(actor, code):
    department = Department.objects.filter(code=code).first()
    region = None if department else Region.objects.get(code=code)
    return item_create(actor=actor, spec=ItemSpec(title=f"{code} 任务", assignee_department=department,
                                                  assignee_region=region, deadline=date(2026, 12, 20)), issue=True)


def test_a_transfer_to_a_unit_without_accounts_warns_on_the_item_page(office, county_user, counties):
    item = make_item_for(office, "990101")
    act(item, "accept", county_user)
    page = client_of(county_user).get(f"/workflows/items/{item.pk}/").content.decode()
    transfer = re.search(r'<select name="transfer-to".*?</select>', page, re.S).group(0)
    assert '<option value="power">市供电公司（暂无账号）</option>' in transfer
    assert '<option value="samr">市市场监管局（暂无账号）</option>' in transfer  # no department user here
    html = client_of(county_user).post(f"/workflows/items/{item.pk}/act/transfer/",
                                       {"transfer-to": "power", "transfer-reason": "供电事项"}, follow=True)
    item.refresh_from_db()
    assert item.assignee_department.code == "power"
    assert "市供电公司尚无可办理任务的账号，请联系系统管理员开通。" in text_of(html.content.decode())


def test_after_a_rejection_the_page_shows_the_progress_before_the_submission(make_item, office, county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    act(item, "feedback", county_user, reason="进行中", progress=40)
    act(item, "submit", county_user, reason="已完成")
    act(item, "reject", office, reason="缺少办件数据")
    assert item.progress == 100  # the service's value is unchanged

    html = client_of(office).get(f"/workflows/items/{item.pk}/").content.decode()
    cell = re.search(r'<td id="item-progress".*?</td>', html, re.S).group(0)
    assert 'pbar-text">40%<' in cell and "审核退回，进度待更新" in cell

    act(item, "feedback", county_user, reason="补充数据", progress=70)
    cell = re.search(r'<td id="item-progress".*?</td>', client_of(office).get(
        f"/workflows/items/{item.pk}/").content.decode(), re.S).group(0)
    assert 'pbar-text">70%<' in cell and "待更新" not in cell


def test_after_a_rejection_without_earlier_feedback_the_page_says_the_progress_is_pending(make_item, office,
                                                                                           county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    act(item, "submit", county_user, reason="已完成")
    act(item, "reject", office, reason="缺少办件数据")

    cell = re.search(r'<td id="item-progress".*?</td>', client_of(office).get(
        f"/workflows/items/{item.pk}/").content.decode(), re.S).group(0)
    assert "审核退回，进度待更新" in cell and "100%" not in cell
