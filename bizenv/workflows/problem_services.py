"""Writes of the 问题整治清单: proposals from the month's warnings (`problem_list_propose`, idempotent), the office's
decision — confirm with a lead department and a deadline, creating the work items, or dismiss with a note — and
the end of a list item once all its work items are approved. Every change is atomic and audited.

Which proposals are saved: the pure rule (`problems.problems_propose`) says which indicators qualify in the month;
one list item is kept per indicator, month and reason (running again adds nothing), and none is proposed for an
indicator that is already on the list from an earlier or the same month, awaiting the office's decision (待确认) or
being rectified (整治中). A dismissal (不列入) holds for its month: if the indicator still qualifies next month it is
proposed again with that month's figures; a finished one (已完成) that comes back is proposed again too.

Confirming creates, in one transaction, the lead department's work item (整改任务, source 问题整治清单, issued by the
office) and under it one sub-item per region concerned, issued by the office to the county with the lead department
as 协办. The office, not the lead department, issues and reviews the counties' items: it is the office that confirmed
the problem and that reviews rectification (审核) city-wide; the lead department coordinates — it sees and may feed
back on every county's item — and submits its own item once every county's item is approved (the rule for items
with sub-items). Were the sub-items the lead department's (分解), a lead department that returned its item would
leave the counties' items issued in the name of a unit that declined them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from bizenv.core import clock
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.monitoring.explain import period_text
from bizenv.monitoring.models import Warning
from bizenv.organisations.models import Department, DepartmentKind, Region
from bizenv.organisations.permissions import Permission, require_actor
from bizenv.workflows.models import (
    ItemKind,
    ItemSource,
    ItemStatus,
    Priority,
    ProblemListItem,
    ProblemStatus,
    WorkItem,
)
from bizenv.workflows.problem_selectors import problem_facts, problem_min_regions, problem_settled
from bizenv.workflows.problems import REASON_LABELS, Proposal, problems_propose
from bizenv.workflows.selectors import office_department

NOTE_MAX = 1000
CODE_PREFIX = "QD"
OPEN_PROBLEM_STATUSES = (ProblemStatus.PROPOSED, ProblemStatus.CONFIRMED)


@dataclass
class ProposeSummary:
    """What a proposal run did, in Chinese figures."""

    period: str = ""
    min_regions: int = 0
    proposed: list[str] = field(default_factory=list)  # codes of the new list items
    by_reason: dict[str, int] = field(default_factory=dict)
    existing: int = 0  # qualifying indicators already proposed for this month
    on_list: int = 0  # qualifying indicators already on the list from an earlier month
    finished: int = 0  # list items found finished (all their work items approved)
    message: str = ""

    def lines(self) -> list[str]:
        if self.message:
            return [self.message]
        month = period_text(self.period)
        reasons = "、".join(f"{REASON_LABELS[r]} {n} 项" for r, n in self.by_reason.items() if n)
        out = [f"{month}：提出问题整治清单建议 {len(self.proposed)} 项" + (f"（{reasons}）" if reasons else "")
               + f"；列入标准为同一指标同月至少 {self.min_regions} 个地区预警，或整改销号后反复预警。"]
        if self.existing or self.on_list:
            out.append(f"已提出过的 {self.existing} 项、已在清单中（待确认或整治中）的 {self.on_list} 项不再重复提出。")
        if self.finished:
            out.append(f"{self.finished} 项清单的任务已全部办结，记为已完成。")
        return out


# ---------------------------------------------------------------------------------------------------------
# Proposals


def _monitored(period: str):
    from bizenv.monitoring.selectors import monitored_periods, monitored_version

    version = monitored_version()
    periods = monitored_periods(system_version=version)
    if period:
        period = str(Period.parse(period))
        if period not in periods:
            raise ApplicationError(f"{period_text(period)}没有监测数据，无法提出问题整治清单建议。")
    elif periods:
        period = periods[-1]
    return version, period


def _next_code(year: int) -> str:
    prefix = f"{CODE_PREFIX}-{year}-"
    last = (ProblemListItem.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True)
            .first())
    tail = last.rsplit("-", 1)[1] if last else ""
    return f"{prefix}{(int(tail) + 1) if tail.isdigit() else 1:03d}"


def _create(*, actor, proposal: Proposal) -> ProblemListItem:
    year = Period.parse(proposal.period).first_day.year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                problem = ProblemListItem.objects.create(
                    code=_next_code(year), title=proposal.title[:200], indicator_code=proposal.indicator_code,
                    indicator_name=proposal.indicator_name, level1_code=proposal.level1_code,
                    period=proposal.period, reason=proposal.reason, regions=list(proposal.regions),
                    evidence=proposal.evidence)
            break
        except IntegrityError:
            if ProblemListItem.objects.filter(indicator_code=proposal.indicator_code, period=proposal.period,
                                              reason=proposal.reason).exists():
                raise
            continue
    else:
        raise ApplicationError("问题整治清单编号分配冲突，请重试。", code=ErrorCode.CONFLICT)
    problem.warnings.set(Warning.objects.filter(pk__in=proposal.warning_ids))
    audit_record(actor=actor, action="problem.propose", obj=problem, new={
        "code": problem.code, "indicator": problem.indicator_name, "period": problem.period,
        "reason": REASON_LABELS[problem.reason], "regions": "、".join(proposal.region_names),
        "evidence": problem.evidence})
    return problem


def problem_list_propose(*, actor=None, period: str = "") -> ProposeSummary:
    """Propose list items from the warnings of `period` (default: the latest monitored month); safe to run again —
    it adds nothing new for a month already proposed. List items whose work items are all approved are finished
    first. The office (or the system) runs it."""
    require_actor(actor, Permission.MANAGE_WORK)
    finished = problems_settle(actor=actor)
    try:
        version, period = _monitored(period)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        return ProposeSummary(finished=finished, message=exc.message)
    if not period:
        return ProposeSummary(finished=finished, message="尚无监测数据，没有可提出的问题整治清单建议。")
    k = problem_min_regions()
    summary = ProposeSummary(period=period, min_regions=k, finished=finished,
                             by_reason={reason: 0 for reason in REASON_LABELS})
    proposals = problems_propose(problem_facts(system_version=version, period=period), period=period,
                                 min_regions=k)
    with transaction.atomic():
        for proposal in proposals:
            same = ProblemListItem.objects.filter(indicator_code=proposal.indicator_code, period=proposal.period,
                                                  reason=proposal.reason)
            if same.exists():
                summary.existing += 1
                continue
            if ProblemListItem.objects.filter(indicator_code=proposal.indicator_code, period__lte=proposal.period,
                                              status__in=OPEN_PROBLEM_STATUSES).exists():
                summary.on_list += 1
                continue
            problem = _create(actor=actor, proposal=proposal)
            summary.proposed.append(problem.code)
            summary.by_reason[proposal.reason] += 1
    return summary


def problems_follow_warnings(*, periods=(), **_payload) -> None:
    """The follower of the `warnings.checked` event: after a monitoring run that checked the latest monitored month,
    propose that month's list items (earlier months rechecked alone propose nothing)."""
    from bizenv.monitoring.selectors import monitored_periods, monitored_version

    try:
        latest = monitored_periods(system_version=monitored_version())
    except ApplicationError:
        return
    if latest and latest[-1] in set(periods or ()):
        problem_list_propose(actor=None, period=latest[-1])


# ---------------------------------------------------------------------------------------------------------
# The office's decision


def _locked(problem: ProblemListItem) -> ProblemListItem:
    return ProblemListItem.objects.select_for_update().get(pk=problem.pk)


def _require_status(problem: ProblemListItem, wanted: ProblemStatus, doing: str) -> None:
    if problem.status != wanted:
        raise ApplicationError(f"清单项 {problem.code} 当前为“{problem.get_status_display()}”，不能{doing}。",
                               code=ErrorCode.CONFLICT)


def _note(note: str, *, label: str, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ApplicationError(f"请填写{label}。")
    if len(note) > NOTE_MAX:
        raise ApplicationError(f"{label}最多 {NOTE_MAX} 字，当前 {len(note)} 字。")
    return note


def _region_warnings(problem: ProblemListItem) -> dict[str, Warning]:
    """The most severe of the list item's warnings per region (linked from that region's work item)."""
    from bizenv.monitoring.specs import SEVERITY_ORDER

    out: dict[str, Warning] = {}
    for warning in problem.warnings.select_related("region").order_by("id"):
        current = out.get(warning.region.code)
        if current is None or SEVERITY_ORDER.get(warning.severity, 0) > SEVERITY_ORDER.get(current.severity, 0):
            out[warning.region.code] = warning
    return out


def problem_confirm(*, actor, problem: ProblemListItem, lead_department: Department | None, deadline: date | None,
                    note: str = "", issued_on: date | None = None) -> ProblemListItem:
    """The office lists the problem: names the lead department and the deadline and issues, in one transaction, the
    lead department's work item and one sub-item per region concerned (`issued_on` dates a ledger's history)."""
    from bizenv.workflows.services import ItemSpec, deadline_check, item_create

    require_actor(actor, Permission.MANAGE_WORK)
    if lead_department is None:
        raise ApplicationError("请选择牵头部门。")
    if lead_department.kind == DepartmentKind.OFFICE:
        raise ApplicationError(f"牵头部门应为市级部门，不能是{lead_department.name}本身。")
    if deadline is None:
        raise ApplicationError("请填写整治时限。")
    start = issued_on or clock.today()
    deadline_check(deadline=deadline, issued_on=start, field_label="整治时限")
    note = _note(note, label="确认说明", required=False)
    office = office_department()
    with transaction.atomic():
        problem = _locked(problem)
        _require_status(problem, ProblemStatus.PROPOSED, "确认列入")
        regions = {r.code: r for r in Region.objects.filter(code__in=problem.regions)}
        missing = [code for code in problem.regions if code not in regions]
        if missing:
            raise ApplicationError(f"清单项涉及的地区 {'、'.join(missing)} 已不存在，无法下发任务。")
        warnings = _region_warnings(problem)
        names = "、".join(regions[code].name for code in problem.regions)
        description = (f"问题整治清单 {problem.code}（{problem.get_reason_display()}）：{problem.evidence}"
                       + (f"\n营商办意见：{note}" if note else "")
                       + f"\n请{lead_department.name}牵头，会同{names}于 {deadline.isoformat()} 前完成整治；"
                       "各地区的子任务全部办结后申请办结。")
        parent = item_create(actor=actor, issue=True, issued_on=issued_on, spec=ItemSpec(
            title=f"牵头整治：{problem.indicator_name}（{len(regions)} 个地区）"[:200],
            description=description[:4000], kind=ItemKind.RECTIFICATION, priority=Priority.HIGH,
            indicator_codes=_indicator_codes(problem), assignee_department=lead_department, deadline=deadline,
            source=ItemSource.PROBLEM, problem=problem, issuer_department=office))
        children = []
        for code in problem.regions:
            region = regions[code]
            warning = warnings.get(code)
            figure = ""
            if warning is not None:
                from bizenv.workflows.problem_selectors import figure_at

                figure = f"{period_text(problem.period)}{region.name}{figure_at(warning, problem.period)}。"
            children.append(item_create(actor=actor, issue=True, issued_on=issued_on, parent=parent, spec=ItemSpec(
                title=f"{region.name}{problem.indicator_name}问题整治"[:200],
                description=(f"问题整治清单 {problem.code}：{problem.title}。{figure}请对照问题查找原因、制定措施，"
                             f"按期反馈整治进展；牵头部门：{lead_department.name}。")[:4000],
                kind=ItemKind.RECTIFICATION, priority=Priority.HIGH, indicator_codes=_indicator_codes(problem),
                assignee_region=region, co_departments=[lead_department], deadline=deadline,
                source=ItemSource.PROBLEM, problem=problem, warning=warning, issuer_department=office)))
        old = {"status": problem.status}
        problem.status = ProblemStatus.CONFIRMED
        problem.lead_department = lead_department
        problem.deadline = deadline
        problem.decided_by = _user(actor)
        problem.decided_at = timezone.now()
        problem.decision_note = note
        problem.save()
        audit_record(actor=actor, action="problem.confirm", obj=problem, old=old, new={
            "status": problem.status, "lead_department": lead_department.name, "deadline": deadline, "note": note,
            "items": [parent.code, *(c.code for c in children)]})
    return problem


def _indicator_codes(problem: ProblemListItem) -> list[str]:
    """The indicator when the active system has it (a list item of an earlier version may name one it dropped)."""
    from bizenv.workflows.services import indicator_names

    names = indicator_names([problem.indicator_code])
    return [problem.indicator_code] if names.get(problem.indicator_code) != problem.indicator_code else []


def _user(actor):
    from bizenv.organisations.permissions import actor_user

    return actor_user(actor)


def problem_dismiss(*, actor, problem: ProblemListItem, note: str) -> ProblemListItem:
    """The office decides not to list a proposal (不列入), saying why."""
    require_actor(actor, Permission.MANAGE_WORK)
    note = _note(note, label="不列入的理由", required=True)
    with transaction.atomic():
        problem = _locked(problem)
        _require_status(problem, ProblemStatus.PROPOSED, "记为不列入")
        old = {"status": problem.status}
        problem.status = ProblemStatus.DISMISSED
        problem.decided_by = _user(actor)
        problem.decided_at = timezone.now()
        problem.decision_note = note
        problem.save()
        audit_record(actor=actor, action="problem.dismiss", obj=problem, old=old,
                     new={"status": problem.status, "note": note})
    return problem


def problem_done(*, actor, problem: ProblemListItem) -> ProblemListItem:
    """A listed problem is finished (已完成) once every one of its work items is approved (cancelled ones aside)."""
    require_actor(actor, Permission.MANAGE_WORK)
    with transaction.atomic():
        problem = _locked(problem)
        _require_status(problem, ProblemStatus.CONFIRMED, "记为已完成")
        if not problem_settled(problem=problem):
            waiting = list(WorkItem.objects.filter(problem=problem)
                           .exclude(status__in=(ItemStatus.APPROVED, ItemStatus.CANCELLED))
                           .select_related("assignee_department", "assignee_region", "assignee_user")
                           .order_by("id"))
            listed = "、".join(f"{i.code}（{i.assignee_name}，{i.get_status_display()}）" for i in waiting[:5])
            more = f"等 {len(waiting)} 项" if len(waiting) > 5 else ""
            raise ApplicationError(f"清单项 {problem.code} 的任务尚未全部办结：{listed}{more}。" if waiting else
                                   f"清单项 {problem.code} 没有已办结的任务。", code=ErrorCode.CONFLICT)
        old = {"status": problem.status}
        problem.status = ProblemStatus.DONE
        problem.save()
        audit_record(actor=actor, action="problem.done", obj=problem, old=old, new={
            "status": problem.status,
            "items": WorkItem.objects.filter(problem=problem, status=ItemStatus.APPROVED).count()})
    return problem


def problems_settle(*, actor=None) -> int:
    """Finish every listed problem whose work items are all approved; returns how many (safe to run any time)."""
    count = 0
    for problem in ProblemListItem.objects.filter(status=ProblemStatus.CONFIRMED).order_by("id"):
        if problem_settled(problem=problem):
            problem_done(actor=actor, problem=problem)
            count += 1
    return count
