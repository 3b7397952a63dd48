"""The work-item lifecycle as the office, departments and counties live it, and every refusal leaving nothing
half-saved."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bizenv.core.audit import audit_verify
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.monitoring.models import Notification
from bizenv.organisations.models import Department, Region
from bizenv.workflows.models import ItemEvent, ItemFile, ItemStatus, WorkItem
from bizenv.workflows.services import ActionInput, ItemSpec, item_act, item_create, unit_require
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act


def test_an_item_walks_from_issue_to_approval_with_a_rejected_submission(make_item, office, county_user):
    item = make_item(assignee="990101")
    assert item.code == "RW-2026-0001" and item.status == ItemStatus.ISSUED and item.issued_on == date(2026, 12, 3)
    assert Notification.objects.filter(recipient=county_user, kind="work_item").count() == 1
    item = act(item, "accept", county_user)
    assert item.status == ItemStatus.IN_PROGRESS
    item = act(item, "feedback", county_user, reason="已梳理开办流程，压减两个环节", progress=40)
    assert item.progress == 40 and item.status == ItemStatus.IN_PROGRESS
    item = act(item, "submit", county_user, reason="已完成")
    assert item.status == ItemStatus.SUBMITTED
    item = act(item, "reject", office, reason="缺少压减前后的办件数据")
    assert item.status == ItemStatus.IN_PROGRESS and item.status_reason == "缺少压减前后的办件数据"
    item = act(item, "submit", county_user, reason="已补充数据")
    item = act(item, "approve", office)
    assert item.status == ItemStatus.APPROVED and item.approved_on == date(2026, 12, 3)
    steps = list(item.events.values_list("action", "status_to"))
    assert steps == [("create", "draft"), ("issue", "issued"), ("accept", "in_progress"),
                     ("feedback", "in_progress"), ("submit", "submitted"), ("reject", "in_progress"),
                     ("submit", "submitted"), ("approve", "approved")]
    assert AuditLog.objects.filter(action__startswith="work_item.").count() == 8
    assert audit_verify().ok


def test_second_approval_and_approval_without_submission_are_conflicts(make_item, office, county_user):
    item = make_item()
    with pytest.raises(ApplicationError) as err:
        act(item, "approve", office)
    assert err.value.code == ErrorCode.CONFLICT and "待受理" in err.value.message
    act(item, "accept", county_user)
    act(item, "submit", county_user)
    act(item, "approve", office)
    events = ItemEvent.objects.count()
    with pytest.raises(ApplicationError) as err:
        act(item, "approve", office)
    assert err.value.code == ErrorCode.CONFLICT and "已办结" in err.value.message
    assert ItemEvent.objects.count() == events


def test_a_county_cannot_act_on_another_countys_item(make_item, other_county_user):
    item = make_item(assignee="990101")
    with pytest.raises(PermissionDenied) as err:
        act(item, "accept", other_county_user)
    assert "责任单位" in err.value.message
    item.refresh_from_db()
    assert item.status == ItemStatus.ISSUED


def test_return_needs_a_reason_and_the_office_reissues_to_another_unit(make_item, office, county_user):
    item = make_item(assignee="990101")
    with pytest.raises(ApplicationError) as err:
        act(item, "return", county_user, reason="  ")
    assert "退回理由" in err.value.message
    item = act(item, "return", county_user, reason="不属于本县职责")
    assert item.status == ItemStatus.RETURNED
    from bizenv.workflows.services import item_update

    item_update(actor=office, item=item, spec=ItemSpec(title=item.title, assignee_region=Region.objects.get(
        code="990102"), deadline=item.deadline))
    assert item.events.get(action="update").text == "修改任务：责任单位：东湖县 → 西山县"
    item = act(item, "issue", office)
    assert item.status == ItemStatus.ISSUED and item.assignee_region.code == "990102"


def test_transfer_keeps_history_and_the_new_unit_accepts(make_item, county_user, other_county_user):
    item = make_item(assignee="990101")
    act(item, "accept", county_user)
    item = act(item, "transfer", county_user, reason="属西山县辖区", to_region=Region.objects.get(code="990102"))
    assert item.status == ItemStatus.ISSUED and item.transfer_count == 1 and item.assignee_region.code == "990102"
    event = item.events.get(action="transfer")
    assert event.data == {"from": "东湖县", "to": "西山县"} and "属西山县辖区" in event.text
    office_told = Notification.objects.filter(recipient__username="office", title__startswith="任务转办")
    assert office_told.count() == 1 and "由东湖县转办至西山县" in office_told.get().body
    item = act(item, "accept", other_county_user)
    assert item.status == ItemStatus.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        act(item, "feedback", county_user, reason="还想反馈", progress=10)


def test_supervise_is_the_offices_and_counted(make_item, office, county_user):
    item = make_item()
    with pytest.raises(PermissionDenied):
        act(item, "supervise", county_user, reason="自己督办自己")
    item = act(item, "supervise", office, reason="请于本周内受理")
    item = act(item, "supervise", office, reason="再次提醒")
    assert item.supervise_count == 2 and item.status == ItemStatus.ISSUED


def test_split_blocks_the_parents_submission_until_every_child_is_approved(make_item, dept_user, county_user,
                                                                              other_county_user, office):
    parent = make_item(assignee="samr")
    act(parent, "accept", dept_user)
    children = [ItemSpec(title="东湖县压缩开办时间", assignee_region=Region.objects.get(code="990101"),
                         deadline=date(2026, 12, 15)),
                ItemSpec(title="西山县压缩开办时间", assignee_region=Region.objects.get(code="990102"),
                         deadline=date(2026, 12, 15))]
    act(parent, "split", dept_user, children=children)
    kids = list(parent.children.order_by("id"))
    assert [k.status for k in kids] == ["issued", "issued"] and kids[0].issuer_department.code == "samr"
    with pytest.raises(ApplicationError) as err:
        act(parent, "submit", dept_user)
    assert "尚未全部审核通过" in err.value.message
    for kid, user in zip(kids, (county_user, other_county_user), strict=True):
        act(kid, "accept", user)
        act(kid, "submit", user)
        with pytest.raises(PermissionDenied):  # the splitting department reviews, not the office
            act(kid, "approve", office)
        act(kid, "approve", dept_user)
    parent = act(parent, "submit", dept_user)
    assert parent.status == ItemStatus.SUBMITTED


def test_cancel_needs_the_issuer_and_a_reason_and_cancels_open_children(make_item, office, dept_user):
    parent = make_item(assignee="samr")
    act(parent, "accept", dept_user)
    act(parent, "split", dept_user, children=[ItemSpec(title="东湖县", assignee_region=Region.objects.get(
        code="990101"), deadline=date(2026, 12, 10))])
    with pytest.raises(PermissionDenied):
        act(parent, "cancel", dept_user, reason="不做了")
    with pytest.raises(ApplicationError):
        act(parent, "cancel", office, reason="")
    act(parent, "cancel", office, reason="任务调整")
    assert set(WorkItem.objects.values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize("code", ["nosuch", "999999"])
def test_an_unknown_assignee_code_is_named(code, db):
    with pytest.raises(ApplicationError) as err:
        unit_require(code)
    assert f"“{code}”不存在" in err.value.message


def test_deadlines_before_the_issue_date_or_beyond_the_calendar_are_refused(make_item):
    with pytest.raises(ApplicationError) as err:
        make_item(deadline=date(2026, 11, 30))
    assert "早于下发日期 2026年12月3日" in err.value.message
    with pytest.raises(ApplicationError) as err:
        make_item(deadline=date(2031, 3, 1))
    assert "工作日历未覆盖 2031 年" in err.value.message
    assert WorkItem.objects.count() == 0


def test_a_deadline_in_working_days_counts_on_the_calendar(make_item):
    item = make_item(deadline=None, deadline_workdays=5)
    # 2026-12-03 is a Thursday: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10
    assert item.deadline == date(2026, 12, 10) and item.deadline_workdays == 5


def test_a_bad_evidence_file_saves_no_feedback(make_item, county_user, tmp_path):
    item = make_item()
    act(item, "accept", county_user)
    bad = io.BytesIO(b"MZ\x90\x00 not a document")
    bad.name = "进展.docx"
    events = ItemEvent.objects.count()
    with pytest.raises(ApplicationError):
        item_act(actor=county_user, item=item, action="feedback",
                 data=ActionInput(reason="进展", progress=50, files=[bad]))
    item.refresh_from_db()
    assert item.progress == 0 and ItemEvent.objects.count() == events and ItemFile.objects.count() == 0


def test_an_unknown_action_lists_the_actions(make_item, office):
    with pytest.raises(ApplicationError) as err:
        act(make_item(), "approve_all", office)
    assert "未知的操作“approve_all”" in err.value.message and "accept（受理）" in err.value.message


def test_a_department_user_may_not_create_items(version, dept_user):
    with pytest.raises(PermissionDenied):
        item_create(actor=dept_user, spec=ItemSpec(title="x", assignee_department=Department.objects.get(
            code="samr"), deadline=date(2026, 12, 20)))
