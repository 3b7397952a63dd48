"""任务督办 in Chromium on the full demo: the office creates and issues an item, transfers it to the county, the
county accepts it, feeds back with evidence and applies for 办结, the office rejects the first submission and
approves the second — every step by its button, read back from the timeline. A county cannot open another
county's item; the office reads the on-time page and its numbers are `stats.ontime_stats`'.

Like the monitoring tests these write; they act only on items they create, with titles of their own.
"""

import io
import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect

from bizenv.demo.regions import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads of these tests go to a temporary folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def county_region():
    from bizenv.organisations.models import RoleGrant

    return RoleGrant.objects.filter(user__username="county").select_related("region").get().region


def other_county():
    from bizenv.organisations.models import Region

    return (Region.objects.filter(level__in=("county", "district")).exclude(pk=county_region().pk)
            .order_by("path").first())


def user(username: str):
    from bizenv.organisations.models import User

    return User.objects.get(username=username)


def unique(title: str) -> str:
    return f"{title}（{uuid.uuid4().hex[:6]}）"


def pdf_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 3))
    figure.add_subplot().bar(["before", "after"], [8.2, 4.1])
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()


def timeline(page) -> list[str]:
    """The labels of the item's timeline, oldest first."""
    return [t.strip() for t in page.locator("#timeline-list li .label").all_inner_texts()]


def step(page, action: str):
    """The last timeline entry of an action."""
    return page.locator(f'#timeline-list li[data-action="{action}"]').last


def csrf_token(s) -> str:
    return s.page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")


# ------------------------------------------------------------------------------------ from 下发 to 审核通过


def test_an_item_goes_from_issue_to_approval_with_a_transfer_and_a_rejected_submission(
        full_demo, browser_session, media_root, tmp_path):
    from bizenv.workflows.models import ItemFile, WorkItem

    home, elsewhere = county_region(), other_county()
    title = unique(f"{home.name}压缩企业开办时间")

    # 新建任务: the office fills the form and issues at once — to the wrong county, as happens.
    office = browser_session()
    office.login("office", DEMO_PASSWORD)
    office.goto("/workflows/")
    office.page.locator("#new-item").click()
    office.page.wait_for_load_state("networkidle")
    form = office.page.locator("#item-form")
    form.locator("#id_title").fill(title)
    form.locator("#id_description").fill("将企业开办时间压减至 1 个工作日，每月报送办件数据。")
    form.locator("#id_kind").select_option(label="整改任务")
    form.locator("#id_priority").select_option(label="重要")
    form.locator("#id_assignee").select_option(elsewhere.code)
    form.locator("#id_deadline").fill("2026-12-31")
    form.get_by_role("button", name="立即下发").click()
    office.page.wait_for_load_state("networkidle")
    item = WorkItem.objects.get(title=title)
    assert office.page.url.endswith(f"/workflows/items/{item.pk}/")
    expect(office.page.locator(".messages")).to_contain_text(f"任务已下发至{elsewhere.name}，完成时限 2026年12月31日。")
    expect(office.page.locator("#item-status")).to_have_text("待受理")
    assert timeline(office.page) == ["创建", "下发"]

    # 转办 to the county, with a reason (the issuer may transfer an item not yet accepted).
    office.page.locator("#act-transfer summary").click()
    office.page.locator("#id_transfer-to").select_option(home.code)
    office.page.locator("#id_transfer-reason").fill(f"该事项属{home.name}辖区")
    office.page.locator("#act-transfer").get_by_role("button", name="转办").click()
    expect(office.page.locator("#item-notice")).to_have_text(f"已转办至{home.name}。")
    expect(office.page.locator("#item-assignee")).to_have_text(home.name)
    expect(step(office.page, "transfer")).to_contain_text(f"由{elsewhere.name}转办至{home.name}：该事项属{home.name}辖区")
    expect(office.page.locator("#item-transferred")).to_have_text("1 次")
    assert office.errors == []

    # The county finds it waiting on its workbench and accepts it.
    county = browser_session()
    county.login("county", DEMO_PASSWORD)
    county.goto("/workflows/")
    row = county.page.locator(f'#item-table tr[data-code="{item.code}"]')
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text("剩余 28 天")
    row.get_by_role("link", name=title).click()
    county.page.wait_for_load_state("networkidle")
    county.page.locator("#act-accept").get_by_role("button", name="受理").click()
    expect(county.page.locator("#item-status")).to_have_text("办理中")
    expect(step(county.page, "accept")).to_contain_text("待受理 → 办理中")

    # 反馈: the slider sets the progress box, with a PDF as evidence.
    evidence = tmp_path / "办件数据对比.pdf"
    evidence.write_bytes(pdf_bytes())
    county.page.locator("#act-feedback summary").click()
    county.page.locator("#id_feedback-progress-slider").fill("60")
    expect(county.page.locator("#id_feedback-progress")).to_have_value("60")
    county.page.locator("#id_feedback-reason").fill("已将设立登记、刻章、申领发票合并为一个环节。")
    county.page.locator("#id_feedback-files").set_input_files(evidence)
    county.page.locator("#act-feedback").get_by_role("button", name="反馈").click()
    expect(county.page.locator("#item-notice")).to_have_text("已反馈进展（进度 60%）。")
    feedback = step(county.page, "feedback")
    expect(feedback).to_contain_text("进度 60%")
    expect(feedback).to_contain_text("已将设立登记、刻章、申领发票合并为一个环节。")
    expect(feedback.locator(".file-list")).to_contain_text(evidence.name)
    expect(county.page.locator("#item-progress")).to_contain_text("60%")
    stored = ItemFile.objects.get(item=item)
    download = county.context.request.get(county.base_url + feedback.get_by_role("link", name="下载")
                                          .get_attribute("href"))
    assert download.status == 200 and download.body() == evidence.read_bytes()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert feedback.get_by_role("link", name="查看").get_attribute("href") == f"/workflows/files/{stored.pk}/"

    # 申请办结
    county.page.locator("#act-submit summary").click()
    county.page.locator("#id_submit-reason").fill("开办时间已压减至 1 个工作日。")
    county.page.locator("#act-submit").get_by_role("button", name="申请办结").click()
    expect(county.page.locator("#item-status")).to_have_text("待审核")
    expect(county.page.locator("#no-actions")).to_have_text("当前没有需要您办理的操作。")
    assert county.errors == []

    # The office finds it to review; 审核退回 without a reason is refused in Chinese, nothing changes.
    office.goto("/workflows/?tab=todo&wait=review")
    office.page.locator(f'#item-table tr[data-code="{item.code}"]').get_by_role("link", name=title).click()
    office.page.wait_for_load_state("networkidle")
    office.page.locator("#act-reject summary").click()
    office.page.locator("#act-reject").get_by_role("button", name="审核退回").click()
    expect(office.page.locator("#act-reject .message-error")).to_have_text("请填写审核退回理由。")
    expect(office.page.locator("#item-status")).to_have_text("待审核")
    assert WorkItem.objects.get(pk=item.pk).status == "submitted"
    office.page.locator("#id_reject-reason").fill("请补充压减前后的办件数据。")
    office.page.locator("#act-reject").get_by_role("button", name="审核退回").click()
    expect(office.page.locator("#item-status")).to_have_text("办理中")
    expect(step(office.page, "reject")).to_contain_text("待审核 → 办理中")
    expect(office.page.locator("#item-reason")).to_have_text("请补充压减前后的办件数据。")
    assert office.errors == []

    # The county reads why, and submits again.
    county.page.reload()
    county.page.wait_for_load_state("networkidle")
    expect(step(county.page, "reject")).to_contain_text("请补充压减前后的办件数据。")
    county.page.locator("#act-submit summary").click()
    county.page.locator("#id_submit-reason").fill("已补充 10 月、11 月办件数据。")
    county.page.locator("#act-submit").get_by_role("button", name="申请办结").click()
    expect(county.page.locator("#item-status")).to_have_text("待审核")

    # 审核通过
    office.page.reload()
    office.page.wait_for_load_state("networkidle")
    office.page.locator("#act-approve").get_by_role("button", name="审核通过").click()
    expect(office.page.locator("#item-status")).to_have_text("已办结")
    expect(office.page.locator("#no-actions")).to_have_text("任务已办结。")
    assert timeline(office.page) == ["创建", "下发", "转办", "受理", "反馈", "申请办结", "审核退回", "申请办结",
                                     "审核通过"]
    expect(step(office.page, "approve")).to_contain_text("待审核 → 已办结")
    expect(office.page.locator("#item-deadline")).to_contain_text("按期办结")
    item.refresh_from_db()
    assert (item.status, item.approved_on, item.transfer_count, item.assignee_region) == (
        "approved", date(2026, 12, 3), 1, home)
    assert office.errors == [] and county.errors == []


# ------------------------------------------------------------------------------------------ another county


def test_a_county_cannot_open_another_countys_item(full_demo, browser_session):
    from bizenv.workflows.models import WorkItem
    from bizenv.workflows.services import ItemSpec, item_create

    title = unique("他县任务")
    theirs = item_create(actor=user("office"), issue=True, spec=ItemSpec(
        title=title, assignee_region=other_county(), deadline=date(2026, 12, 31)))
    s = browser_session()
    s.login("county", DEMO_PASSWORD)

    response = s.goto(f"/workflows/items/{theirs.pk}/")

    assert response.status == 404
    assert "没有这项任务，或它不在您的查看范围内" in s.page.locator("main").inner_text()
    assert s.goto(f"/workflows/?tab=all&q={title}").status == 200
    expect(s.page.locator("#item-table tbody")).to_contain_text("没有符合条件的任务。")
    forced = s.page.request.post(s.base_url + f"/workflows/items/{theirs.pk}/act/accept/",
                                 form={"csrfmiddlewaretoken": csrf_token(s)})
    assert forced.status == 404
    assert WorkItem.objects.get(pk=theirs.pk).status == "issued"
    s.errors.clear()  # the browser logs the 404 answers themselves


# ------------------------------------------------------------------------------------------ 按期完成率


def read_table(page, by: str) -> dict[str, tuple[int, int, int, str]]:
    return {row["key"]: (int(row["due"]), int(row["onTime"]), int(row["overdue"]), row["rate"])
            for row in page.evaluate(f"""() => [...document.querySelectorAll('#ontime-{by} tbody tr[data-key]')]
                .filter(tr => !tr.classList.contains('total')).map(tr => ({{...tr.dataset}}))""")}


def expected_table(office_user, *, as_of: date, by: str) -> dict[str, tuple[int, int, int, str]]:
    from bizenv.workflows import selectors, stats

    facts = selectors.item_facts(items=selectors.item_list(user=office_user))
    return {t.key: (t.due, t.on_time, t.overdue, "" if t.rate is None else repr(t.rate))
            for t in stats.ontime_stats(facts, as_of=as_of, by=by)}


def test_the_office_reads_the_on_time_page_and_it_agrees_with_ontime_stats(full_demo, browser_session):
    from bizenv.workflows.services import ItemSpec, item_create

    office_user, home = user("office"), county_region()
    # Items of the autumn whatever the demo holds: one on time, one late, one still open past its deadline.
    for deadline, approved in ((date(2026, 10, 15), date(2026, 10, 10)), (date(2026, 10, 20), date(2026, 11, 2)),
                               (date(2026, 11, 10), None)):
        item_create(actor=office_user, issue=True, issued_on=date(2026, 9, 21), approved_on=approved,
                    spec=ItemSpec(title=unique("秋季任务"), assignee_region=home, deadline=deadline))
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    s.goto("/workflows/")
    s.page.locator("#wb-summary a.stat", has_text="按期完成率").click()
    s.page.wait_for_load_state("networkidle")
    expect(s.page.locator("h1")).to_have_text("按期完成率")
    assert s.wait_for_charts() >= 3 and s.empty_charts() == []

    for by in ("department", "region", "kind", "month"):
        assert read_table(s.page, by) == expected_table(office_user, as_of=date(2026, 12, 3), by=by), by
    shown = read_table(s.page, "region")[home.code]
    assert shown[2] >= 2  # the late one and the open one at least

    # Another 截至日期 through the picker: the page counts at that day.
    s.page.locator("#id_as_of").fill("2026-10-31")
    s.page.get_by_role("button", name="统计").click()
    s.page.wait_for_url(re.compile(r"as_of=2026-10-31"))
    s.page.wait_for_load_state("networkidle")
    expect(s.page.locator("h1 + .muted")).to_have_text("截至 2026年10月31日")
    for by in ("department", "region", "kind", "month"):
        assert read_table(s.page, by) == expected_table(office_user, as_of=date(2026, 10, 31), by=by), by
    s.wait_for_charts()
    assert s.errors == []
