"""The 问题整治清单 against a real database: proposals from a real monitoring run (多地同时预警, 问题反复出现),
idempotent; the office confirming (the lead department's item and one sub-item per region, in one transaction)
or dismissing; the list item finishing once every work item is approved; who sees which list item; the trend."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.core.audit import audit_verify
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.monitoring.models import Notification, Warning
from bizenv.monitoring.services import monitoring_run
from bizenv.observations.models import Observation
from bizenv.organisations.models import Department
from bizenv.workflows.models import ItemKind, ItemSource, ItemStatus, ProblemListItem, ProblemStatus, WorkItem
from bizenv.workflows.problem_selectors import (
    problem_facts,
    problem_list,
    problem_progress,
    problem_trend,
)
from bizenv.workflows.problem_services import (
    problem_confirm,
    problem_dismiss,
    problem_done,
    problem_list_propose,
    problems_follow_warnings,
    problems_settle,
)
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act, months

pytestmark = pytest.mark.django_db

HISTORY = months("2025-01", "2026-10")
NORMAL = [3.0, 4.0, 5.0, 6.0]  # 开办企业时间 per county (990101 … 990104); a breach is 12 (the line is 10)


@pytest.fixture
def monitored(version, counties, rules):
    """monitored({period: county indexes in breach}) writes approved values for HISTORY and runs the monitoring
    month by month; returns the version."""
    indicators = {i.code: i for i in version.indicators.all()}

    def make(breaches: dict[str, set[int]], periods=HISTORY, level: dict[str, float] | None = None):
        for period in periods:
            for r, region in enumerate(counties):
                breach = (level or {}).get(period, 12.0)
                values = {"starting.time": breach if r in breaches.get(period, ()) else NORMAL[r],
                          "starting.cost": 100.0 * (r + 1), "power.time": 5.0 + r}
                for code, value in values.items():
                    Observation.objects.update_or_create(
                        system_version=version, indicator=indicators[code], region=region, period=period,
                        defaults={"value": value, "source": "report", "status": "approved",
                                  "unit": indicators[code].unit})
        for period in periods[-6:]:
            monitoring_run(period=period)
        return version

    return make


def _confirm(problem, office, samr=None, deadline=date(2026, 12, 28)):
    return problem_confirm(actor=office, problem=problem, lead_department=samr or Department.objects.get(code="samr"),
                           deadline=deadline, note="请市场监管局牵头，一月内压减到 5 个工作日以内")


def test_an_indicator_warned_in_three_counties_is_proposed_once(monitored, office):
    monitored({"2026-10": {0, 1, 2}})
    summary = problem_list_propose(actor=office)
    assert summary.period == "2026-10" and len(summary.proposed) == 1
    assert "2026年10月：提出问题整治清单建议 1 项（多地同时预警 1 项）" in summary.lines()[0]
    problem = ProblemListItem.objects.get()
    assert (problem.code, problem.reason, problem.status) == ("QD-2026-001", "spread", ProblemStatus.PROPOSED)
    assert problem.title == "开办企业时间：3 个地区同时预警"
    assert problem.regions == ["990101", "990102", "990103"]
    assert problem.evidence.startswith("2026年10月，开办企业时间在 3 个地区同时预警（列入标准：同月至少 3 个地区）：东湖县 12工作日"
                                       "（预警线 10工作日）；西山县 12工作日")
    assert set(problem.warnings.values_list("region__code", flat=True)) == {"990101", "990102", "990103"}
    entry = AuditLog.objects.get(action="problem.propose")
    assert entry.actor_username == "office" and entry.new_values["regions"] == "东湖县、西山县、南河区"
    # running again adds nothing and writes nothing
    rows = AuditLog.objects.count()
    again = problem_list_propose(actor=None)
    assert again.proposed == [] and again.existing == 1
    assert ProblemListItem.objects.count() == 1 and AuditLog.objects.count() == rows
    assert audit_verify().ok


def test_k_is_the_setting_and_a_bad_setting_is_a_chinese_error(monitored, settings):
    monitored({"2026-10": {0, 1, 2}})
    settings.BIZENV_PROBLEM_MIN_REGIONS = 4
    summary = problem_list_propose()
    assert summary.proposed == [] and summary.min_regions == 4 and "至少 4 个地区" in summary.lines()[0]
    settings.BIZENV_PROBLEM_MIN_REGIONS = "2"
    assert len(problem_list_propose().proposed) == 1
    settings.BIZENV_PROBLEM_MIN_REGIONS = "一"
    with pytest.raises(ApplicationError, match="BIZENV_PROBLEM_MIN_REGIONS 的值“一”无效：应为不小于 2 的整数"):
        problem_list_propose()


def test_an_unknown_month_and_a_department_are_refused(monitored, dept_user):
    monitored({"2026-10": {0, 1, 2}})
    with pytest.raises(ApplicationError, match="2024年1月没有监测数据"):
        problem_list_propose(period="2024-01")
    with pytest.raises(PermissionDenied):
        problem_list_propose(actor=dept_user)
    assert not ProblemListItem.objects.exists()


def test_a_pending_or_listed_problem_is_not_proposed_again_next_month_a_dismissed_one_is(monitored, office):
    monitored({"2026-09": {0, 1, 2}, "2026-10": {0, 1, 2, 3}})
    first = problem_list_propose(period="2026-09")
    assert len(first.proposed) == 1
    october = problem_list_propose(period="2026-10")
    assert october.proposed == [] and october.on_list == 1
    september = ProblemListItem.objects.get()
    with pytest.raises(ApplicationError, match="请填写不列入的理由"):
        problem_dismiss(actor=office, problem=september, note=" ")
    problem_dismiss(actor=office, problem=september, note="已纳入年度工作任务统筹推进")
    again = problem_list_propose(period="2026-10")
    assert len(again.proposed) == 1
    october_item = ProblemListItem.objects.get(period="2026-10")
    assert october_item.title == "开办企业时间：4 个地区同时预警"


def test_a_problem_resolved_and_back_in_two_counties_is_proposed_as_recurring(monitored, rules):
    # two counties breach in June, clear for two months (销号 by the run), breach again in September
    monitored({"2026-06": {0, 1}, "2026-09": {0, 1}, "2026-10": {0, 1}}, periods=HISTORY)
    warnings = Warning.objects.filter(first_period="2026-09")
    assert warnings.count() == 2 and all(w.previous and w.previous.status == "resolved" for w in warnings)
    facts = problem_facts(system_version=warnings[0].system_version, period="2026-10")
    assert {(f.region_name, f.recurrences) for f in facts} == {("东湖县", 1), ("西山县", 1)}
    summary = problem_list_propose(period="2026-10")
    problem = ProblemListItem.objects.get(code=summary.proposed[0])
    assert problem.reason == "recurrence" and problem.get_reason_display() == "问题反复出现"
    assert problem.title == "开办企业时间：2 个地区整改销号后反复预警"
    assert "东湖县（2026年6月预警已销号，再次预警）" in problem.evidence


def test_confirming_issues_the_lead_departments_item_and_one_per_county_in_one_go(monitored, office, county_user,
                                                                                  dept_user):
    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = _confirm(ProblemListItem.objects.get(), office)
    assert problem.status == ProblemStatus.CONFIRMED and problem.lead_department.code == "samr"
    assert problem.decided_by == office and problem.deadline == date(2026, 12, 28)
    parent = WorkItem.objects.get(problem=problem, parent=None)
    assert (parent.kind, parent.source, parent.status) == (ItemKind.RECTIFICATION, ItemSource.PROBLEM,
                                                           ItemStatus.ISSUED)
    assert parent.assignee_department.code == "samr" and parent.issuer_department.code == "office"
    assert parent.title == "牵头整治：开办企业时间（3 个地区）" and parent.indicator_codes == ["starting.time"]
    children = list(parent.children.order_by("assignee_region__code"))
    assert [c.assignee_region.code for c in children] == ["990101", "990102", "990103"]
    for child in children:
        assert child.status == ItemStatus.ISSUED and child.issuer_department.code == "office"
        assert list(child.co_departments.values_list("code", flat=True)) == ["samr"]
        assert child.problem == problem and child.warning.region == child.assignee_region
        assert child.deadline == date(2026, 12, 28)
    assert "东湖县开办企业时间问题整治" == children[0].title and "12工作日" in children[0].description
    assert Notification.objects.filter(recipient=county_user, kind="work_item").count() == 1
    assert Notification.objects.filter(recipient=dept_user, kind="work_item").count() == 1
    entry = AuditLog.objects.get(action="problem.confirm")
    assert entry.new_values["lead_department"] == "市市场监管局" and len(entry.new_values["items"]) == 4
    assert audit_verify().ok


@pytest.mark.parametrize("change, message", [
    ({"deadline": date(2026, 11, 30)}, "整治时限 2026年11月30日 早于下发日期 2026年12月3日"),
    ({"deadline": date(2027, 3, 1)}, "2027"),
    ({"deadline": None}, "请填写整治时限"),
    ({"lead_department": "office"}, "牵头部门应为市级部门，不能是市营商环境建设专班办公室本身"),
    ({"lead_department": None}, "请选择牵头部门"),
])
def test_a_bad_confirmation_saves_nothing(monitored, office, change, message):
    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = ProblemListItem.objects.get()
    args = {"lead_department": Department.objects.get(code="samr"), "deadline": date(2026, 12, 28)}
    if "lead_department" in change and change["lead_department"]:
        change = {"lead_department": Department.objects.get(code=change["lead_department"])}
    args.update(change)
    rows = AuditLog.objects.count()
    with pytest.raises(ApplicationError, match=message):
        problem_confirm(actor=office, problem=problem, **args)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PROPOSED and not WorkItem.objects.exists()
    assert AuditLog.objects.count() == rows


def test_only_the_office_decides_and_a_decision_is_taken_once(monitored, office, dept_user, county_user):
    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = ProblemListItem.objects.get()
    for outsider in (dept_user, county_user):
        with pytest.raises(PermissionDenied):
            _confirm(problem, outsider)
        with pytest.raises(PermissionDenied):
            problem_dismiss(actor=outsider, problem=problem, note="不列入")
    _confirm(problem, office)
    items = WorkItem.objects.count()
    with pytest.raises(ApplicationError) as err:
        _confirm(problem, office)
    assert err.value.code == ErrorCode.CONFLICT and "当前为“整治中”，不能确认列入" in err.value.message
    with pytest.raises(ApplicationError, match="不能记为不列入"):
        problem_dismiss(actor=office, problem=problem, note="重复")
    assert WorkItem.objects.count() == items


def test_the_problem_is_done_once_every_item_is_approved(monitored, office, county_user, dept_user, make_user):
    from bizenv.organisations.models import Region, Role

    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = _confirm(ProblemListItem.objects.get(), office)
    parent = WorkItem.objects.get(problem=problem, parent=None)
    assert problem_progress(problems=[problem])[problem.pk].text == "已办结 0/4 项（0%）"
    with pytest.raises(ApplicationError) as err:
        problem_done(actor=office, problem=problem)
    assert err.value.code == ErrorCode.CONFLICT and "任务尚未全部办结" in err.value.message
    counties = {"990101": county_user,
                "990102": make_user(Role.COUNTY, username="xishan", region=Region.objects.get(code="990102")),
                "990103": make_user(Role.COUNTY, username="nanhe", region=Region.objects.get(code="990103"))}
    act(parent, "accept", dept_user)
    for child in parent.children.all():
        user = counties[child.assignee_region.code]
        act(child, "accept", user)
        act(child, "feedback", dept_user, reason="已指导县区梳理开办流程", progress=30)  # the lead department co-handles
        act(child, "submit", user, reason="已压减至 4 个工作日")
        act(child, "approve", office)
    progress = problem_progress(problems=[problem])[problem.pk]
    assert (progress.approved, progress.total, progress.percent) == (3, 4, 75)
    assert problems_settle() == 0
    act(parent, "submit", dept_user, reason="三个县区均已整改")
    act(parent, "approve", office)
    assert problems_settle(actor=office) == 1
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.DONE
    assert AuditLog.objects.filter(action="problem.done").count() == 1
    assert problems_settle() == 0


def test_an_earlier_months_proposal_shows_that_months_figures(monitored):
    monitored({"2026-09": {0, 1, 2}, "2026-10": {0, 1, 2}}, level={"2026-09": 12.5, "2026-10": 15.0})
    problem_list_propose(period="2026-09")
    september = ProblemListItem.objects.get()
    assert "东湖县 12.50工作日（预警线 10工作日）" in september.evidence and "15" not in september.evidence
    # the latest month's figures for the latest month (after the earlier one is dismissed)
    problem_dismiss(actor=None, problem=september, note="测试")
    problem_list_propose(period="2026-10")
    assert "东湖县 15工作日（预警线 10工作日）" in ProblemListItem.objects.get(period="2026-10").evidence


def test_the_follower_of_a_monitoring_run_proposes_only_for_the_latest_month(monitored):
    monitored({"2026-09": {0, 1, 2}, "2026-10": {0, 1, 2}})
    problems_follow_warnings(periods=["2026-09"])
    assert not ProblemListItem.objects.exists()
    problems_follow_warnings(periods=["2026-08", "2026-09", "2026-10"])
    assert list(ProblemListItem.objects.values_list("period", flat=True)) == ["2026-10"]


def test_who_sees_which_list_item(monitored, office, county_user, dept_user, power_user, leader, make_user):
    from bizenv.organisations.models import Region, Role

    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = ProblemListItem.objects.get()
    assert [p.pk for p in problem_list(user=office)] == [problem.pk]
    assert [p.pk for p in problem_list(user=leader)] == [problem.pk]
    # a proposal is the office's business
    for user in (county_user, dept_user):
        assert problem_list(user=user) == []
    _confirm(problem, office)
    north = make_user(Role.COUNTY, username="beiling", region=Region.objects.get(code="990104"))
    assert [p.pk for p in problem_list(user=county_user)] == [problem.pk]  # 东湖县 is concerned
    assert [p.pk for p in problem_list(user=dept_user)] == [problem.pk]  # samr leads
    assert problem_list(user=north) == []  # 北岭县 is not
    assert problem_list(user=power_user) == []


def test_the_trend_is_the_mean_of_the_regions_concerned_against_every_region(monitored):
    monitored({"2026-09": {0}, "2026-10": {0, 1, 2}})
    problem_list_propose()
    problem = ProblemListItem.objects.get()
    trend = problem_trend(problem=problem)
    assert trend.measure == "指标值" and trend.unit == "工作日" and trend.regions == 3
    assert trend.periods[-1] == "2026-10" and len(trend.periods) == 12
    # October: 12, 12, 12 in the three counties, 6 in the fourth
    assert trend.concerned[-1] == pytest.approx(12.0) and trend.everyone[-1] == pytest.approx(10.5)
    # September: 东湖县 12, 西山县 4, 南河区 5
    assert trend.concerned[-2] == pytest.approx(7.0) and trend.everyone[-2] == pytest.approx(6.75)
    assert trend.concerned[0] == pytest.approx(4.0)
