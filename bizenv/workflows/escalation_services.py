"""Escalation of warnings and work items left unattended — 提醒 → 提醒函 → 督办 → 约谈 — on rules the office sets,
and its documents: numbered 提醒函 from a Word template the office may replace (Word and PDF), interview records
whose commitments become work items.

What is unattended, counted in working days on the WorkCalendar up to the day of the run:
- a warning still 待签收 or 已签收 (no 整改举措 reported yet), from the day it was raised;
- an item 待受理 or 办理中, from its deadline once that has passed; an item not yet accepted also from the end of
  its acceptance period (3 working days after issue), whichever is longer. Items waiting for the issuer (待审核,
  已退回) are not the responsible unit's delay and are not escalated.
The daily job (`escalation_advance`, scheduled by tasks.py, doing nothing on a day off) takes for each target the
step `escalation.step_due` names — at most one a day, in order, never twice — and records it as an Escalation row
(and, for an item, on its timeline). Each step:
- 提醒: an inbox message to the responsible unit (the county of the warning's region and the departments of the
  indicator; the item's responsible unit);
- 提醒函: a numbered letter “营商提醒〔2026〕N号” rendered from the template, stored, and announced to the unit;
- 督办: for a warning a 督办事项 work item issued at once to its county (or, for a report a city department owes,
  the indicator's lead department) with a deadline of 10 working days; for an item the 督办 action (counted);
- 约谈: a message to the office that an interview is due; the office records it (`interview_record`) and each
  commitment becomes a work item. A letter or an interview the office makes by hand counts as that step taken.
Running the job twice on one day changes nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bizenv.core import clock
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.monitoring.models import ACTIVE_STATUSES, Warning, WarningStatus
from bizenv.monitoring.notify import notification_send, users_granted
from bizenv.organisations.models import Department, Region, Role, User
from bizenv.organisations.permissions import Permission, actor_user, require_actor
from bizenv.workflows import escalation as plan
from bizenv.workflows import escalation_selectors as sel
from bizenv.workflows import letters
from bizenv.workflows.models import (
    OPEN_STATUSES,
    DocumentTemplate,
    Escalation,
    EscalationRule,
    EscalationStep,
    EscalationTarget,
    Interview,
    ItemEvent,
    ItemKind,
    ItemSource,
    ItemStatus,
    Letter,
    Priority,
    WorkItem,
)

LETTER_TEMPLATE_KEY = "reminder_letter"
SHIPPED_TEMPLATES = {LETTER_TEMPLATE_KEY: Path(__file__).resolve().parent / "letter_templates" / "reminder_letter.docx"}
TEMPLATE_NAMES = {LETTER_TEMPLATE_KEY: "提醒函模板"}
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
LETTER_REPLY_WORKDAYS = 5  # a letter asks for an answer within this many working days
SUPERVISE_WORKDAYS = 10  # the deadline of a 督办事项 raised for a warning
MAX_AFTER_WORKDAYS = 250
ESCALATED_ITEM_STATUSES = (ItemStatus.ISSUED, ItemStatus.IN_PROGRESS)
UNATTENDED_WARNING_STATUSES = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)
TEXT_MAX = 4000
COMMITMENTS_MAX = 20
LETTER_FOLDER = "letters/workflows"
TEMPLATE_FOLDER = "templates/workflows"

STEP_LABELS = dict(EscalationStep.choices)
TARGET_LABELS = dict(EscalationTarget.choices)


# ---------------------------------------------------------------------------------------------------------
# Rules


def escalation_rules_ensure_defaults() -> int:
    """Create the default rules that do not exist yet (warnings: 提醒 after 3 working days unattended, 提醒函 5,
    督办 10, 约谈 20; items, from the deadline passing: 提醒 1, 提醒函 3, 督办 5, 约谈 10); returns how many."""
    made = 0
    with transaction.atomic():
        have = set(EscalationRule.objects.values_list("target", "step"))
        for target, steps in plan.DEFAULT_RULES.items():
            for step, days in steps.items():
                if (target, step) in have:
                    continue
                rule = EscalationRule.objects.create(target=target, step=step, after_workdays=days)
                audit_record(actor=None, action="escalation_rule.save", obj=rule, new=_rule_values(rule))
                made += 1
    return made


def _rule_values(rule: EscalationRule) -> dict:
    return {"target": rule.target, "step": rule.step, "after_workdays": rule.after_workdays,
            "severities": list(rule.severities or []), "enabled": rule.enabled}


def escalation_rule_save(*, actor, rule: EscalationRule | None = None, target: str, step: str, after_workdays,
                         severities: Sequence[str] = (), enabled: bool = True) -> EscalationRule:
    """Create or change one rule (one per target and step); the office only. Unchanged values write nothing."""
    from bizenv.monitoring.specs import SEVERITY_LABELS

    require_actor(actor, Permission.MANAGE_WORK)
    if target not in EscalationTarget.values:
        raise ApplicationError(f"升级对象“{target}”无效，应为：{'、'.join(EscalationTarget.labels)}。")
    if step not in EscalationStep.values:
        raise ApplicationError(f"升级措施“{step}”无效，应为：{'、'.join(EscalationStep.labels)}。")
    what = f"{TARGET_LABELS[target]}的“{STEP_LABELS[step]}”"
    try:
        days = int(str(after_workdays).strip())
    except (TypeError, ValueError):
        raise ApplicationError(f"{what}：工作日数“{after_workdays}”不是整数。") from None
    if not 1 <= days <= MAX_AFTER_WORKDAYS:
        raise ApplicationError(f"{what}：工作日数应在 1 到 {MAX_AFTER_WORKDAYS} 之间，当前为 {days}。")
    wanted = list(dict.fromkeys(s for s in severities if s))
    unknown = [s for s in wanted if s not in SEVERITY_LABELS]
    if unknown:
        raise ApplicationError(f"{what}：预警等级“{'、'.join(unknown)}”无效，应为：{'、'.join(SEVERITY_LABELS.values())}。")
    if wanted and target != EscalationTarget.WARNING:
        raise ApplicationError(f"{what}：任务不分预警等级，请不要选择预警等级。")
    ordered = [s for s in SEVERITY_LABELS if s in wanted]
    with transaction.atomic():
        if rule is None:
            if EscalationRule.objects.filter(target=target, step=step).exists():
                raise ApplicationError(f"{what}规则已存在，请修改现有规则。", code=ErrorCode.CONFLICT)
            rule = EscalationRule.objects.create(target=target, step=step, after_workdays=days, severities=ordered,
                                                 enabled=bool(enabled), updated_by=actor_user(actor))
            audit_record(actor=actor, action="escalation_rule.save", obj=rule, new=_rule_values(rule))
            return rule
        rule = EscalationRule.objects.select_for_update().get(pk=rule.pk)
        if (rule.target, rule.step) != (target, step) and \
                EscalationRule.objects.filter(target=target, step=step).exclude(pk=rule.pk).exists():
            raise ApplicationError(f"{what}规则已存在，请修改现有规则。", code=ErrorCode.CONFLICT)
        old = _rule_values(rule)
        rule.target, rule.step, rule.after_workdays = target, step, days
        rule.severities, rule.enabled = ordered, bool(enabled)
        new = _rule_values(rule)
        if old == new:
            return rule
        rule.updated_by = actor_user(actor)
        rule.save()
        audit_record(actor=actor, action="escalation_rule.save", obj=rule, old=old, new=new)
    return rule


@dataclass(frozen=True)
class RuleChange:
    """One row of the rules page: the rule and what the office set."""

    rule: EscalationRule
    after_workdays: object
    severities: Sequence[str] = ()
    enabled: bool = True


def escalation_rules_save(*, actor, changes: Sequence[RuleChange]) -> int:
    """Save the rules page at once: every row is checked and saved, or — on the first wrong row — none; returns
    how many rules changed."""
    changed = 0
    with transaction.atomic():
        for change in changes:
            before = _rule_values(change.rule)
            rule = escalation_rule_save(actor=actor, rule=change.rule, target=change.rule.target,
                                        step=change.rule.step, after_workdays=change.after_workdays,
                                        severities=change.severities, enabled=change.enabled)
            changed += before != _rule_values(rule)
    return changed


# ---------------------------------------------------------------------------------------------------------
# Counting unattended working days


def _calendar():
    from bizenv.workdays.calendar import WorkCalendar

    return WorkCalendar.load()


def warning_opened_on(warning: Warning) -> date:
    """The day a warning was raised (its creation date, in local time)."""
    return timezone.localdate(warning.created_at) if warning.created_at else clock.today()


def warning_unattended_workdays(*, warning: Warning, as_of: date, calendar=None) -> int:
    """Working days since the warning was raised, while it waits for a measure (0 once one is reported)."""
    if warning.status not in UNATTENDED_WARNING_STATUSES:
        return 0
    calendar = calendar or _calendar()
    return max(0, calendar.workdays_between(warning_opened_on(warning), as_of))


@dataclass(frozen=True)
class ItemDelay:
    overdue: int  # working days past the deadline
    unaccepted: int  # working days since issue, while not accepted
    unattended: int  # what the rules count
    overdue_days: int = 0  # calendar days past the deadline, as the on-time statistics (stats.judge) count them

    def text(self) -> str:
        """已逾期 26 个工作日（40 个日历日） or 下发 4 个工作日仍未受理."""
        if self.overdue:
            return f"已逾期 {letters.overdue_text(self.overdue, self.overdue_days)}"
        return f"下发 {self.unaccepted} 个工作日仍未受理"


def item_delay(*, item: WorkItem, as_of: date, calendar=None) -> ItemDelay:
    """How late an item is on `as_of`, in working days (zeros for items that are not escalated)."""
    if item.status not in ESCALATED_ITEM_STATUSES:
        return ItemDelay(0, 0, 0)
    calendar = calendar or _calendar()
    overdue = max(0, calendar.workdays_between(item.deadline, as_of)) if item.deadline and item.deadline < as_of else 0
    accepted = item.status == ItemStatus.IN_PROGRESS
    since = max(0, calendar.workdays_between(item.issued_on, as_of)) if item.issued_on and not accepted else 0
    days = _days_overdue(item, as_of=as_of) if overdue else 0
    return ItemDelay(overdue, since, plan.item_unattended_workdays(
        overdue_workdays=overdue, since_issue_workdays=since, accepted=accepted), days)


def _days_overdue(item: WorkItem, *, as_of: date) -> int:
    """Calendar days past the deadline, as the on-time statistics count them (stats.judge: one computation)."""
    from bizenv.workflows import stats

    fact = stats.ItemFact(code=item.code, title=item.title, kind=item.kind, department="", department_name="",
                          region="", region_name="", deadline=item.deadline, approved_on=None)
    judged = stats.judge(fact, as_of=as_of)
    return judged.days_overdue if judged is not None else 0


# ---------------------------------------------------------------------------------------------------------
# The daily job


@dataclass
class TakenStep:
    target: str
    pk: int
    name: str
    step: str
    workdays: int


@dataclass
class EscalationSummary:
    """What one run did."""

    as_of: date
    workday: bool = True
    checked_warnings: int = 0
    checked_items: int = 0
    taken: list[TakenStep] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {label: 0 for label in STEP_LABELS.values()}
        for step in self.taken:
            out[STEP_LABELS[step.step]] += 1
        return out

    def lines(self) -> list[str]:
        day = letters.date_text(self.as_of)
        if not self.workday:
            return [f"{day}不是工作日，不升级督办。"]
        counts = "，".join(f"{label} {n} 项" for label, n in self.counts().items())
        lines = [f"{day}检查无人办理的预警 {self.checked_warnings} 条、逾期或未受理的任务 {self.checked_items} 项："
                 f"{counts}。"]
        lines += [f"{TARGET_LABELS[s.target]}“{s.name}”已 {s.workdays} 个工作日无人办理：{STEP_LABELS[s.step]}"
                  for s in self.taken]
        lines += self.errors
        return lines

    def message(self) -> str:
        return "；".join(self.lines()[:1] + self.errors[:3])[:480]


def escalation_advance(*, actor=None, as_of: date | None = None) -> EscalationSummary:
    """The daily job: take the step due for each unattended warning and item (see the module's docstring). Each
    step is its own transaction; a step that fails is reported in the summary and the others go on."""
    require_actor(actor, Permission.MANAGE_WORK)
    as_of = as_of or clock.today()
    calendar = _calendar()
    summary = EscalationSummary(as_of=as_of)
    if not calendar.is_workday(as_of):
        summary.workday = False
        return summary
    escalation_rules_ensure_defaults()
    rules = sel.rule_facts()
    taken = _taken_steps()
    targets: list[plan.TargetFact] = []
    warnings = {w.pk: w for w in Warning.objects.filter(status__in=UNATTENDED_WARNING_STATUSES)
                .select_related("region", "system_version").order_by("id")}
    items = {i.pk: i for i in WorkItem.objects.filter(status__in=ESCALATED_ITEM_STATUSES)
             .select_related("assignee_department", "assignee_region", "scope_region").order_by("id")}
    summary.checked_warnings = len(warnings)
    for warning in warnings.values():
        try:
            days = warning_unattended_workdays(warning=warning, as_of=as_of, calendar=calendar)
        except ApplicationError as exc:
            summary.errors.append(f"预警“{_warning_name(warning)}”：{exc.message}")
            continue
        steps, last_on = taken.get((plan.WARNING, warning.pk), (frozenset(), None))
        targets.append(plan.TargetFact(plan.WARNING, warning.pk, days, steps, last_on, warning.severity))
    for item in items.values():
        try:
            delay = item_delay(item=item, as_of=as_of, calendar=calendar)
        except ApplicationError as exc:
            summary.errors.append(f"任务“{item.code}”：{exc.message}")
            continue
        if delay.unattended:
            summary.checked_items += 1
        steps, last_on = taken.get((plan.ITEM, item.pk), (frozenset(), None))
        targets.append(plan.TargetFact(plan.ITEM, item.pk, delay.unattended, steps, last_on))
    for due in plan.escalation_plan(targets=targets, rules=rules, as_of=as_of):
        target = warnings[due.pk] if due.target == plan.WARNING else items[due.pk]
        name = _warning_name(target) if due.target == plan.WARNING else f"{target.code} {target.title}"
        try:
            done = _take(actor=actor, due=due, target=target, as_of=as_of, calendar=calendar)
        except ApplicationError as exc:
            summary.errors.append(f"{TARGET_LABELS[due.target]}“{name}”的{STEP_LABELS[due.step]}未完成：{exc.message}")
            continue
        if done:
            summary.taken.append(TakenStep(due.target, due.pk, name, due.step, due.workdays))
    return summary


def _taken_steps() -> dict[tuple[str, int], tuple[frozenset[str], date | None]]:
    found: dict[tuple[str, int], tuple[set[str], date | None]] = {}
    for warning_id, item_id, step, on in Escalation.objects.values_list("warning_id", "item_id", "step", "on"):
        key = (plan.WARNING, warning_id) if warning_id else (plan.ITEM, item_id)
        steps, last = found.setdefault(key, (set(), None))
        steps.add(step)
        found[key] = (steps, on if last is None or on > last else last)
    return {k: (frozenset(s), last) for k, (s, last) in found.items()}


def _warning_name(warning: Warning) -> str:
    return f"{warning.region.name} · {warning.indicator_name}"


def _take(*, actor, due: plan.Due, target, as_of: date, calendar) -> bool:
    """Take one step in its own transaction; False when another run took it first."""
    is_warning = due.target == plan.WARNING
    with _files_cleaned() as stored, transaction.atomic():
        row = _claim(actor=actor, warning=target if is_warning else None, item=None if is_warning else target,
                     step=due.step, rule_id=due.rule_id, workdays=due.workdays, on=as_of)
        if row is None:
            return False
        handler = {
            EscalationStep.REMIND: _step_remind, EscalationStep.LETTER: _step_letter,
            EscalationStep.SUPERVISE: _step_supervise, EscalationStep.INTERVIEW: _step_interview,
        }[due.step]
        handler(actor=actor, row=row, warning=target if is_warning else None, item=None if is_warning else target,
                due=due, as_of=as_of, calendar=calendar, stored=stored)
        row.save()
        audit_record(actor=actor, action="escalation.step", obj=row, new={
            "target": due.target, "warning": row.warning_id, "item": row.item_id, "step": due.step,
            "workdays": due.workdays, "after_workdays": due.after_workdays, "on": as_of, "note": row.note,
            "letter": row.letter.number if row.letter_id else "",
            "created_item": row.created_item.code if row.created_item_id else ""})
        if not is_warning:
            _item_event(item=target, actor=actor, text=f"升级督办（{STEP_LABELS[due.step]}）：{row.note}",
                        data={"step": due.step, "workdays": due.workdays})
    return True


def _claim(*, actor, warning, item, step: str, rule_id, workdays: int, on: date, note: str = "") -> Escalation | None:
    """The Escalation row of a step, or None when the target already had that step (the unique constraint)."""
    try:
        with transaction.atomic():
            return Escalation.objects.create(
                target=EscalationTarget.WARNING if warning is not None else EscalationTarget.ITEM,
                warning=warning, item=item, step=step, rule_id=rule_id, workdays=min(workdays, 32767), on=on,
                note=note, created_by=actor_user(actor))
    except IntegrityError:
        return None


# The actions of the timeline rows written here (their labels: workbench.EVENT_LABELS).
EVENT_ESCALATE, EVENT_LETTER, EVENT_INTERVIEW = "escalate", "letter", "interview"


def _item_event(*, item: WorkItem, actor, text: str, data: dict | None = None,
                action: str = EVENT_ESCALATE) -> ItemEvent:
    from bizenv.workflows.selectors import unit_name, unit_of_user

    user = actor_user(actor)
    department, region = unit_of_user(user) if user else (None, None)
    return ItemEvent.objects.create(
        item=item, action=action, actor=user, actor_name=user.display_name if user else "系统",
        unit_name=unit_name(department, region) if user else "平台", status_from=item.status, status_to=item.status,
        text=text, data=data or {})


# -- recipients


def warning_users(warning: Warning) -> set[int]:
    """Who answers for a warning: its county's users (unless a city department owes the report) and the users of
    the indicator's lead and responsible departments who act on that region."""
    from bizenv.indicators.models import Indicator

    department, region = sel.warning_unit(warning)
    users = users_granted(roles={Role.COUNTY}, region=region) if region is not None else set()
    dept_ids = {department.pk} if department is not None else set()
    codes = {warning.indicator_code, warning.level1_code} - {""}
    for indicator in Indicator.objects.filter(version_id=warning.system_version_id, code__in=codes) \
            .prefetch_related("lead_departments", "responsible_departments"):
        dept_ids |= {d.pk for d in indicator.lead_departments.all()}
        dept_ids |= {d.pk for d in indicator.responsible_departments.all()}
    if dept_ids:
        members = set(User.objects.filter(department_id__in=dept_ids, is_active=True).values_list("pk", flat=True))
        users |= members & users_granted(roles={Role.DEPARTMENT}, region=warning.region)
    return users


def _item_users(item: WorkItem) -> set[int]:
    from bizenv.workflows.notify import assignee_users

    return assignee_users(item)


def _office_users(region: Region) -> set[int]:
    return users_granted(roles={Role.OFFICE}, region=region)


def _warning_url(warning: Warning) -> str:
    return reverse("monitoring:warning", args=[warning.pk])


def _item_url(item: WorkItem) -> str:
    return reverse("workflows:item", args=[item.pk])


# -- the steps


def _step_remind(*, actor, row: Escalation, warning, item, due, as_of, calendar, stored) -> None:
    if warning is not None:
        title = f"提醒：{_warning_name(warning)}预警已 {due.workdays} 个工作日未处置"
        body = (f"{warning.explanation[:200]} 请尽快签收并上报整改举措；满 {_next_days(plan.WARNING, due.step)}"
                f"仍未处置的，将按规定升级督办。")
        sent = notification_send(user_ids=warning_users(warning), event=f"escalation.remind:warning:{warning.pk}",
                                 kind="escalation", title=title, body=body, url=_warning_url(warning))
    else:
        delay = item_delay(item=item, as_of=as_of, calendar=calendar)
        title = f"提醒：任务“{item.title}”{delay.text()}"
        body = (f"{item.code}，完成时限 {letters.date_text(item.deadline)}。请尽快办理并反馈进展；"
                f"满 {_next_days(plan.ITEM, due.step)}仍未办理的，将按规定升级督办。")
        sent = notification_send(user_ids=_item_users(item), event=f"escalation.remind:item:{item.pk}",
                                 kind="escalation", title=title, body=body, url=_item_url(item))
    row.note = f"无人办理满 {due.workdays} 个工作日，站内提醒责任单位（{sent} 人）"


def _next_days(target: str, step: str) -> str:
    """“10 个工作日” of the step after `step`, for a reminder to say what comes next."""
    rules = sel.rule_facts().get(target, [])
    nxt = plan.next_step(taken={step}, rules=rules)
    return f"{nxt.after_workdays} 个工作日" if nxt is not None else "规定期限"


def _step_letter(*, actor, row: Escalation, warning, item, due, as_of, calendar, stored) -> None:
    letter = _letter_make(actor=actor, warning=warning, item=item, deadline=None, as_of=as_of, calendar=calendar,
                          unattended=due.workdays, stored=stored)
    row.letter = letter
    row.note = f"无人办理满 {due.workdays} 个工作日，发出提醒函 {letter.number}"


def _step_supervise(*, actor, row: Escalation, warning, item, due, as_of, calendar, stored) -> None:
    if warning is not None:
        created = _supervision_item(actor=actor, warning=warning, workdays=due.workdays)
        row.created_item = created
        row.note = (f"无人办理满 {due.workdays} 个工作日，下发督办事项 {created.code} 至{created.assignee_name}，"
                    f"完成时限 {letters.date_text(created.deadline)}")
        return
    from bizenv.workflows.services import ActionInput, item_act

    delay = item_delay(item=item, as_of=as_of, calendar=calendar)
    message = f"该任务{delay.text()}，营商办升级督办：请立即办理，并在平台反馈进展和办结时间。"
    item_act(actor=None, item=item, action="supervise", data=ActionInput(reason=message))
    item.refresh_from_db()
    row.note = f"无人办理满 {due.workdays} 个工作日，督办（第 {item.supervise_count} 次）"


def _supervision_item(*, actor, warning: Warning, workdays: int) -> WorkItem:
    from bizenv.workflows.services import ItemSpec, indicator_codes_check, item_create

    department, region = sel.warning_unit(warning)
    try:
        codes = indicator_codes_check([warning.indicator_code])
    except ApplicationError:  # the composite score, or an indicator of an earlier version
        codes = []
    spec = ItemSpec(
        title=f"督办：{warning.region.name}“{warning.indicator_name}”预警整改"[:200],
        description=(f"{warning.explanation}\n该预警已 {workdays} 个工作日未上报整改举措，营商办升级督办。请在预警页面"
                     f"上报整改举措及佐证材料，并在本任务中反馈办理情况。")[:TEXT_MAX],
        kind=ItemKind.SUPERVISION, priority=Priority.HIGH, indicator_codes=codes,
        assignee_department=department, assignee_region=region, deadline_workdays=SUPERVISE_WORKDAYS,
        source=ItemSource.ESCALATION, warning=warning)
    return item_create(actor=actor, spec=spec, issue=True)


def _step_interview(*, actor, row: Escalation, warning, item, due, as_of, calendar, stored) -> None:
    if warning is not None:
        region, name, query = warning.region, _warning_name(warning) + "预警", f"warning={warning.pk}"
    else:
        region, name, query = item.scope_region, f"任务“{item.title}”", f"item={item.pk}"
    unit = _unit_name(*(sel.warning_unit(warning) if warning is not None else
                        (item.assignee_department, item.assignee_region)))
    title = f"约谈提示：{name}已 {due.workdays} 个工作日无人办理"
    body = f"按升级督办规则，应约谈{unit}。约谈后请在平台记录约谈情况和整改承诺，承诺事项将生成任务。"
    url = reverse("workflows:interview_new") + f"?{query}"
    key = f"escalation.interview:{due.target}:{due.pk}"
    sent = notification_send(user_ids=_office_users(region), event=key, kind="escalation", title=title, body=body,
                             url=url)
    row.note = f"无人办理满 {due.workdays} 个工作日，提示营商办约谈{unit}（{sent} 人）"


def _unit_name(department, region) -> str:
    unit = department or region
    return unit.name if unit else "责任单位"


# ---------------------------------------------------------------------------------------------------------
# Letters


def letter_create(*, actor, warning: Warning | None = None, item: WorkItem | None = None,
                  deadline: date | None = None, again: bool = False) -> Letter:
    """A numbered 提醒函 about a warning or an item, rendered from the office's template, stored and announced to
    the responsible unit; by hand it counts as the 提醒函 step taken (the daily job sends no second one). A second
    letter about the same target on one day is refused unless `again` (the office confirmed it)."""
    if (warning is None) == (item is None):
        raise ApplicationError("请指定提醒函针对的一条预警或一项任务。")
    scope = warning.region if warning is not None else item.scope_region
    require_actor(actor, Permission.MANAGE_WORK, scope)
    if warning is not None and warning.status not in ACTIVE_STATUSES:
        raise ApplicationError(f"该预警{warning.get_status_display()}，不再发提醒函。", code=ErrorCode.CONFLICT)
    if item is not None and not item.is_open:
        raise ApplicationError(f"该任务当前为“{item.get_status_display()}”，不再发提醒函。", code=ErrorCode.CONFLICT)
    as_of = clock.today()
    calendar = _calendar()
    if warning is not None:
        unattended = warning_unattended_workdays(warning=warning, as_of=as_of, calendar=calendar)
    else:
        unattended = item_delay(item=item, as_of=as_of, calendar=calendar).unattended
    with _files_cleaned() as stored, transaction.atomic():
        target = warning if warning is not None else item
        type(target).objects.select_for_update().filter(pk=target.pk).first()  # one letter at a time per target
        earlier = sel.letter_made_on(warning=warning, item=item, on=as_of)
        if earlier is not None and not again:
            raise ApplicationError(f"今天已生成提醒函 {earlier.number}，未再生成；确需再生成一份的，请确认后重试。",
                                   code=ErrorCode.CONFLICT)
        letter = _letter_make(actor=actor, warning=warning, item=item, deadline=deadline, as_of=as_of,
                              calendar=calendar, unattended=unattended, stored=stored)
        row = _claim(actor=actor, warning=warning, item=item, step=EscalationStep.LETTER, rule_id=None,
                     workdays=unattended, on=as_of, note=f"营商办发出提醒函 {letter.number}")
        if row is not None:
            row.letter = letter
            row.save(update_fields=["letter"])
            audit_record(actor=actor, action="escalation.step", obj=row, new={
                "target": row.target, "warning": row.warning_id, "item": row.item_id, "step": row.step,
                "workdays": unattended, "on": as_of, "note": row.note, "letter": letter.number})
        if item is not None:
            _item_event(item=item, actor=actor, text=f"营商办发出提醒函 {letter.number}",
                        data={"letter": letter.number}, action=EVENT_LETTER)
    return letter


def _letter_make(*, actor, warning, item, deadline: date | None, as_of: date, calendar, unattended: int,
                 stored: list[str]) -> Letter:
    """Number, render, store, record and announce one letter (inside the caller's transaction)."""
    from bizenv.core.uploads import FileKind, upload_check, upload_store
    from bizenv.workflows.services import deadline_check, indicator_names

    if warning is not None:
        department, region = sel.warning_unit(warning)
        indicator_name = warning.indicator_name
    else:
        department, region = item.assignee_department, item.assignee_region
        indicator_name = "、".join(indicator_names(item.indicator_codes).values())[:200]
    deadline_item = ""
    if deadline is None:
        deadline, deadline_item = letter_deadline(warning=warning, item=item, as_of=as_of, calendar=calendar,
                                                  unit=(department, region))
    deadline_check(deadline=deadline, issued_on=as_of, field_label="整改时限")
    recipient = _unit_name(department, region)
    issuer = _issuer_name()
    user = actor_user(actor)
    contact = letters.contact_text(name=user.display_name if user is not None else "", office=issuer)
    scope = sel.unit_scope(department, region)
    letter = _letter_insert(actor=actor, year=as_of.year, warning=warning, item=item, department=department,
                            region=region, scope=scope, indicator_name=indicator_name, deadline=deadline)
    if warning is not None:
        context = letters.warning_letter_context(
            warning=_warning_facts(warning, unattended), number=letter.number, issued_on=as_of, deadline=deadline,
            recipient=recipient, issuer=issuer, contact=contact, deadline_item=deadline_item)
    else:
        delay = item_delay(item=item, as_of=as_of, calendar=calendar)
        context = letters.item_letter_context(
            item=letters.ItemLetterFacts(
                code=item.code, title=item.title, assignee_name=item.assignee_name, issued_on=item.issued_on,
                deadline=item.deadline, status_label=item.get_status_display(), progress=item.progress,
                overdue_workdays=delay.overdue,
                unaccepted_workdays=delay.unaccepted if item.status == ItemStatus.ISSUED else 0,
                indicator_names=list(indicator_names(item.indicator_codes).values()), overdue_days=delay.overdue_days),
            number=letter.number, issued_on=as_of, deadline=deadline, recipient=recipient, issuer=issuer,
            contact=contact)
    content = _render(context)
    checked = upload_check(content=content, filename=f"{letter.number}.docx", allowed={FileKind.DOCX},
                           max_bytes=TEMPLATE_MAX_BYTES * 4)
    path = upload_store(checked=checked, content=content, folder=LETTER_FOLDER)
    stored.append(path)
    letter.title = context["title"][:200]
    letter.path, letter.sha256 = path, checked.sha256
    letter.facts = {"rows": context["rows"], "intro": context["intro"], "status_text": context["status_text"],
                    "deadline_text": context["deadline_text"], "unattended_workdays": unattended,
                    "deadline_item": deadline_item, "contact": context["contact"], "issued_on": as_of.isoformat()}
    letter.save()
    audit_record(actor=actor, action="letter.create", obj=letter, new={
        "number": letter.number, "title": letter.title, "recipient": recipient, "deadline": deadline,
        "warning": letter.warning_id, "item": item.code if item is not None else "", "sha256": letter.sha256})
    users = warning_users(warning) if warning is not None else _item_users(item)
    notification_send(user_ids=users, event=f"letter:{letter.number}", kind="letter",
                      title=f"提醒函 {letter.number}：{letter.title}"[:200],
                      body=f"{context['status_text']}{context['deadline_text']}",
                      url=reverse("workflows:letters") + f"#letter-{letter.pk}")
    return letter


def letter_deadline(*, warning, item, as_of: date, calendar=None, unit=(None, None)) -> tuple[date, str]:
    """The 整改时限 of a letter and the code of the work item it comes from: for a warning, the earliest deadline
    still ahead among its open work items (those of the letter's recipient first); for an item, its own deadline
    while still ahead; otherwise LETTER_REPLY_WORKDAYS working days from `as_of` and no code — one problem, one
    deadline."""
    if item is not None:
        if item.deadline is not None and item.deadline >= as_of:
            return item.deadline, item.code
    else:
        department, region = unit
        found = sorted(WorkItem.objects.filter(warning=warning, status__in=OPEN_STATUSES, deadline__gte=as_of),
                       key=lambda w: (not (w.assignee_department_id == getattr(department, "pk", None)
                                           and w.assignee_region_id == getattr(region, "pk", None)),
                                      w.deadline, w.pk))
        if found:
            return found[0].deadline, found[0].code
    return (calendar or _calendar()).workday_add(as_of, LETTER_REPLY_WORKDAYS), ""


@contextmanager
def _files_cleaned():
    """The list a step adds its stored files to; they are removed again when the step fails."""
    from bizenv.core.uploads import upload_delete

    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for path in stored:
            upload_delete(path=path)
        raise


def _letter_insert(*, actor, year: int, warning, item, department, region, scope, indicator_name: str,
                   deadline: date) -> Letter:
    """The Letter row with the next number of the year; a number taken concurrently is retried."""
    for _attempt in range(8):
        seq = _last_seq(year) + 1
        try:
            with transaction.atomic():
                return Letter.objects.create(
                    number=letters.letter_number(year=year, seq=seq), year=year, seq=seq, title="提醒函",
                    recipient_department=department, recipient_region=region, scope_region=scope, warning=warning,
                    item=item, indicator_name=indicator_name[:200], deadline=deadline, path="", sha256="",
                    created_by=actor_user(actor))
        except IntegrityError:
            continue
    raise ApplicationError("提醒函文号分配冲突，请重试。", code=ErrorCode.CONFLICT)


def _last_seq(year: int) -> int:
    return Letter.objects.filter(year=year).order_by("-seq").values_list("seq", flat=True).first() or 0


def _issuer_name() -> str:
    from bizenv.workflows.selectors import office_department

    office = office_department()
    return office.name if office is not None else letters.DEFAULT_ISSUER


def _warning_facts(warning: Warning, unattended: int) -> letters.WarningLetterFacts:
    from bizenv.monitoring.labels import periods_text

    return letters.WarningLetterFacts(
        region_name=warning.region.name, indicator_name=warning.indicator_name, kind=warning.kind,
        severity=warning.severity, periods_text=periods_text(warning.first_period, warning.last_period),
        explanation=warning.explanation, facts=warning.facts or {}, unattended_workdays=unattended or None)


def _render(context: dict, *, template: Path | None = None) -> bytes:
    from bizenv.core.documents import docx_render

    return docx_render(template or document_template_path(key=LETTER_TEMPLATE_KEY), context)


def letter_sample_word() -> bytes:
    """A letter with made-up figures from the template in use (to check a template before relying on it)."""
    return _render(letters.sample_context(issuer=_issuer_name()))


def letter_word(*, letter: Letter) -> bytes:
    """The letter's Word file as it was sent."""
    from bizenv.core.uploads import upload_resolve

    try:
        return upload_resolve(path=letter.path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ApplicationError(f"提醒函 {letter.number} 的 Word 文件已丢失，请联系系统管理员从备份恢复。",
                               code=ErrorCode.NOT_FOUND) from None


def letter_pdf(*, letter: Letter) -> bytes:
    """The letter as PDF (LibreOffice converts the stored Word file)."""
    from bizenv.core.documents import docx_to_pdf

    return docx_to_pdf(letter_word(letter=letter))


# ---------------------------------------------------------------------------------------------------------
# The office's templates


def document_template_path(*, key: str) -> Path:
    """The template in use: the office's upload, else the shipped one."""
    from bizenv.core.uploads import upload_resolve

    if key not in SHIPPED_TEMPLATES:
        raise ApplicationError(f"没有名为“{key}”的文书模板。", code=ErrorCode.NOT_FOUND)
    uploaded = DocumentTemplate.objects.filter(key=key).first()
    if uploaded is not None:
        path = upload_resolve(path=uploaded.path)
        if path.is_file():
            return path
    return SHIPPED_TEMPLATES[key]


def document_template_replace(*, actor, key: str, content, filename: str) -> DocumentTemplate:
    """Replace a Word template with the office's own .docx: checked like any upload (.docx only, no macros),
    then rendered once with sample data; a template that does not render (a broken {{ }} or {% %} tag) or that
    has lost the letter number is refused with a Chinese message, and the current template stays."""
    from bizenv.core.uploads import FileKind, upload_check, upload_delete, upload_store

    require_actor(actor, Permission.MANAGE_WORK)
    if key not in SHIPPED_TEMPLATES:
        raise ApplicationError(f"没有名为“{key}”的文书模板。", code=ErrorCode.NOT_FOUND)
    checked = upload_check(content=content, filename=filename, allowed={FileKind.DOCX}, max_bytes=TEMPLATE_MAX_BYTES)
    if isinstance(content, (bytes, bytearray)):
        data = bytes(content)
    else:
        content.seek(0)
        data = content.read(TEMPLATE_MAX_BYTES + 1)
    template_test(content=data, name=checked.display_name)
    path = upload_store(checked=checked, content=data, folder=TEMPLATE_FOLDER)
    try:
        with transaction.atomic():
            current = DocumentTemplate.objects.select_for_update().filter(key=key).first()
            old = {"file": current.original_name, "sha256": current.sha256} if current else {"file": "（系统默认模板）"}
            old_path = current.path if current else ""
            if current is None:
                current = DocumentTemplate(key=key)
            current.path, current.original_name, current.sha256 = path, checked.display_name, checked.sha256
            current.uploaded_by = actor_user(actor)
            current.save()
            audit_record(actor=actor, action="document_template.replace", obj=current, old=old,
                         new={"template": TEMPLATE_NAMES[key], "file": checked.display_name, "sha256": checked.sha256})
            if old_path:
                transaction.on_commit(lambda: upload_delete(path=old_path))
    except BaseException:
        upload_delete(path=path)
        raise
    return current


def document_template_reset(*, actor, key: str) -> bool:
    """Go back to the shipped template; False when none had been uploaded."""
    from bizenv.core.uploads import upload_delete

    require_actor(actor, Permission.MANAGE_WORK)
    with transaction.atomic():
        current = DocumentTemplate.objects.select_for_update().filter(key=key).first()
        if current is None:
            return False
        old = {"file": current.original_name, "sha256": current.sha256}
        old_path = current.path
        audit_record(actor=actor, action="document_template.replace", obj=current, old=old,
                     new={"template": TEMPLATE_NAMES.get(key, key), "file": "（系统默认模板）"})
        current.delete()
        transaction.on_commit(lambda: upload_delete(path=old_path))
    return True


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def template_test(*, content: bytes, name: str = "模板") -> None:
    """Render a template with sample data; a Chinese error names the paragraph with the broken tag."""
    import tempfile

    from jinja2 import TemplateError

    with tempfile.NamedTemporaryFile(suffix=".docx") as handle:
        handle.write(content)
        handle.flush()
        try:
            rendered = _render(letters.sample_context(), template=Path(handle.name))
        except TemplateError:
            where = _broken_paragraph(content)
            hint = f"“{where}”中" if where else ""
            raise ApplicationError(f"模板“{name}”{hint}有写错的标签，无法生成提醒函：请检查 {{{{ }}}} 和 {{% %}} 是否成对、"
                                   f"变量名是否与说明一致。当前模板未更换。") from None
        except Exception:  # noqa: BLE001 — a damaged file must be refused, whatever the library says
            raise ApplicationError(f"模板“{name}”无法打开或生成提醒函，请用 Word 或 WPS 另存为 .docx 后重试。"
                                   f"当前模板未更换。") from None
    text = _docx_text(rendered)
    sample = letters.sample_context()
    if sample["number"] not in text:
        raise ApplicationError(f"模板“{name}”中没有文号标签 {{{{ number }}}}，生成的提醒函将没有文号。当前模板未更换。")


def _docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _broken_paragraph(content: bytes) -> str:
    """The first paragraph (or cell) whose {{ }} or {% %} do not pair, shortened, or ""."""
    from docx import Document

    try:
        document = Document(io.BytesIO(content))
    except Exception:  # noqa: BLE001
        return ""
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    from jinja2 import Environment, TemplateSyntaxError

    env = Environment()
    for text in texts:
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            return text.strip()[:60]
        for tag in _TAG.findall(text):
            if tag.startswith("{{"):
                try:
                    env.parse(tag)
                except TemplateSyntaxError:
                    return text.strip()[:60]
    return ""


# ---------------------------------------------------------------------------------------------------------
# Interviews


def _as_date(value, *, label: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise ApplicationError(f"请填写{label}。")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(f"{label}“{text}”不是有效日期，应为 YYYY-MM-DD，如 2026-12-31。") from None


def _text(value, *, label: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(f"请填写{label}。")
    if len(text) > limit:
        raise ApplicationError(f"{label}最多 {limit} 字，当前 {len(text)} 字。")
    return text


@dataclass(frozen=True)
class _Commitment:
    text: str
    deadline: date
    department: Department | None
    region: Region | None


def _commitments_check(commitments: Sequence[dict], *, default: tuple, today: date) -> list[_Commitment]:
    from bizenv.workflows.services import deadline_check, unit_require

    # a row is blank when neither text nor deadline is given (the form preselects the unit on every row)
    rows = [c for c in commitments if any(str((c or {}).get(k) or "").strip() for k in ("text", "deadline"))]
    if len(rows) > COMMITMENTS_MAX:
        raise ApplicationError(f"一次最多记录 {COMMITMENTS_MAX} 条整改承诺。")
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"第 {n} 条整改承诺"
        try:
            text = _text(row.get("text"), label="承诺内容", limit=200)
            deadline = _as_date(row.get("deadline"), label="完成时限")
            deadline_check(deadline=deadline, issued_on=today)
            code = str(row.get("assignee") or "").strip()
            department, region = unit_require(code) if code else default
        except ApplicationError as exc:
            raise ApplicationError(f"{where}：{exc.message}") from None
        out.append(_Commitment(text, deadline, department, region))
    return out


def interview_record(*, actor, warning: Warning | None = None, item: WorkItem | None = None, held_on, place: str = "",
                     participants: str, minutes: str, commitments: Sequence[dict] = ()) -> Interview:
    """Record a 约谈 about a warning or an item (the office): who, where, the minutes and the commitments — each
    commitment (text, deadline, optionally another unit's code) becomes a work item issued at once to the
    interviewed unit. It counts as the 约谈 step taken. Nothing is saved when any row is wrong."""
    from bizenv.workflows.services import ItemSpec, indicator_codes_check, item_create

    if (warning is None) == (item is None):
        raise ApplicationError("请指定约谈针对的一条预警或一项任务。")
    department, region = sel.warning_unit(warning) if warning is not None else \
        (item.assignee_department, item.assignee_region)
    scope = sel.unit_scope(department, region)
    require_actor(actor, Permission.MANAGE_WORK, warning.region if warning is not None else item.scope_region)
    today = clock.today()
    held = _as_date(held_on, label="约谈日期")
    if held > today:
        raise ApplicationError(f"约谈日期 {held.isoformat()} 晚于今天，请在约谈后记录。")
    place = _text(place, label="约谈地点", limit=100, required=False)
    participants = _text(participants, label="参加人员", limit=1000)
    minutes = _text(minutes, label="约谈纪要", limit=TEXT_MAX)
    rows = _commitments_check(commitments, default=(department, region), today=today)
    codes: list[str] = []
    source_codes = [warning.indicator_code] if warning is not None else list(item.indicator_codes)
    try:
        codes = indicator_codes_check(source_codes)
    except ApplicationError:
        codes = []
    unit = _unit_name(department, region)
    with transaction.atomic():
        interview = Interview.objects.create(
            warning=warning, item=item, department=department, region=region, scope_region=scope, held_on=held,
            place=place, participants=participants, minutes=minutes, commitments=[], created_by=actor_user(actor))
        made = []
        for n, row in enumerate(rows, start=1):
            spec = ItemSpec(
                title=row.text, kind=ItemKind.RECTIFICATION, priority=Priority.HIGH, indicator_codes=codes,
                description=f"{letters.date_text(held)}约谈{unit}时作出的整改承诺：{row.text}",
                assignee_department=row.department, assignee_region=row.region, deadline=row.deadline,
                source=ItemSource.INTERVIEW, interview=interview, warning=warning)
            try:
                created = item_create(actor=actor, spec=spec, issue=True)
            except ApplicationError as exc:
                raise ApplicationError(f"第 {n} 条整改承诺：{exc.message}", code=exc.code) from None
            made.append({"text": row.text, "deadline": row.deadline.isoformat(),
                         "assignee": _unit_name(row.department, row.region), "item": created.code,
                         "item_id": created.pk})
        interview.commitments = made
        interview.save(update_fields=["commitments"])
        audit_record(actor=actor, action="interview.create", obj=interview, new={
            "warning": warning.pk if warning is not None else None, "item": item.code if item is not None else "",
            "unit": unit, "held_on": held, "place": place, "participants": participants,
            "commitments": [{"text": m["text"], "deadline": m["deadline"], "item": m["item"]} for m in made]})
        row = Escalation.objects.select_for_update().filter(
            step=EscalationStep.INTERVIEW, **({"warning": warning} if warning is not None else {"item": item})).first()
        if row is None:
            unattended = _unattended_now(warning=warning, item=item, as_of=today)
            row = _claim(actor=actor, warning=warning, item=item, step=EscalationStep.INTERVIEW, rule_id=None,
                         workdays=unattended, on=today, note=f"营商办约谈{unit}")
            if row is not None:
                row.interview = interview
                row.save(update_fields=["interview"])
                audit_record(actor=actor, action="escalation.step", obj=row, new={
                    "target": row.target, "warning": row.warning_id, "item": row.item_id, "step": row.step,
                    "on": today, "note": row.note, "interview": interview.pk})
        elif row.interview_id is None:
            row.interview = interview
            row.note = f"{row.note}；{letters.date_text(held)}已约谈"
            row.save(update_fields=["interview", "note"])
        if item is not None:
            listed = "、".join(m["item"] for m in made)
            _item_event(item=item, actor=actor, text=f"{letters.date_text(held)}约谈{unit}"
                        + (f"，整改承诺生成任务 {listed}" if listed else ""), data={"interview": interview.pk},
                        action=EVENT_INTERVIEW)
    return interview


def _unattended_now(*, warning, item, as_of: date) -> int:
    try:
        if warning is not None:
            return warning_unattended_workdays(warning=warning, as_of=as_of)
        return item_delay(item=item, as_of=as_of).unattended
    except ApplicationError:
        return 0


# ---------------------------------------------------------------------------------------------------------
# On the warning's page (monitoring cannot import workflows: it offers hooks, this fills them)


def warning_steps(warning: Warning) -> list:
    """The escalation steps of a warning as steps of its 处置过程."""
    from bizenv.monitoring.timeline import Step

    out = []
    for row in sel.escalations_of(warning=warning):
        actor = row.created_by.display_name if row.created_by else "系统"
        tone = "red" if row.step in (EscalationStep.SUPERVISE, EscalationStep.INTERVIEW) else "amber"
        out.append(Step(row.created_at, f"升级督办：{row.get_step_display()}", row.note, actor, tone))
    for interview in Interview.objects.filter(warning=warning).order_by("held_on", "id"):
        if not Escalation.objects.filter(interview=interview).exists():
            out.append(Step(interview.created_at, "约谈", f"{letters.date_text(interview.held_on)}约谈"
                            f"{_unit_name(interview.department, interview.region)}",
                            interview.created_by.display_name if interview.created_by else "", "red"))
    return out


def warning_panel(request, warning: Warning) -> list[tuple[str, str]]:
    """The 升级督办 panel of a warning's page: its steps, letters, 督办/约谈 items and interviews the user may see,
    and for the office the buttons 生成提醒函 and 记录约谈."""
    from django.template.loader import render_to_string

    from bizenv.organisations.permissions import can, has_permission
    from bizenv.workflows.selectors import item_list

    user = request.user
    if not has_permission(user, Permission.VIEW_WORK):
        return []
    office = can(user, Permission.MANAGE_WORK, warning.region)
    context = {
        "warning": warning, "office": office and warning.is_active,
        "escalations": list(sel.escalations_of(warning=warning)),
        "letters": list(sel.letter_list(user=user).filter(warning=warning)),
        "items": list(item_list(user=user).filter(warning=warning).order_by("id")),
        "interviews": list(sel.interview_list(user=user).filter(warning=warning)),
        "next": _next_info(warning=warning) if warning.is_active else None,
        "letter_today": sel.letter_made_on(warning=warning, on=clock.today()) if office else None,
    }
    if not office and not (context["escalations"] or context["letters"] or context["items"]
                           or context["interviews"]):
        return []
    return [("升级督办", render_to_string("workflows/_warning_panel.html", context, request=request))]


def _next_info(*, warning: Warning) -> dict | None:
    rules = sel.rule_facts().get(plan.WARNING, [])
    taken = set(Escalation.objects.filter(warning=warning).values_list("step", flat=True))
    try:
        days = warning_unattended_workdays(warning=warning, as_of=clock.today())
    except ApplicationError:
        return None
    nxt = plan.next_step(taken=taken, rules=rules, severity=warning.severity)
    unattended = warning.status in UNATTENDED_WARNING_STATUSES
    return {"days": days, "unattended": unattended,
            "step": STEP_LABELS[nxt.step] if nxt else "", "after": nxt.after_workdays if nxt else None}


def item_escalation_context(*, user, item: WorkItem) -> dict:
    """What an item's page shows of its escalation (for the partial workflows/_item_escalation.html)."""
    from bizenv.organisations.permissions import can

    office = can(user, Permission.MANAGE_WORK, item.scope_region)
    return {"item": item, "office": office and item.is_open,
            "escalations": list(sel.escalations_of(item=item)),
            "letters": list(sel.letter_list(user=user).filter(item=item)),
            "interviews": list(sel.interview_list(user=user).filter(item=item)),
            "letter_today": sel.letter_made_on(item=item, on=clock.today()) if office else None}


def register_warning_contributions() -> None:
    """Plug the escalation steps into a warning's timeline and the 升级督办 panel into its page (call once from
    WorkflowsConfig.ready(); registering twice is harmless)."""
    from bizenv.monitoring.pages import warning_panel_register
    from bizenv.monitoring.timeline import timeline_contribute

    timeline_contribute(warning_steps)
    warning_panel_register(warning_panel)


__all__ = [
    "EscalationSummary", "document_template_path", "document_template_replace", "document_template_reset",
    "escalation_advance", "escalation_rule_save", "escalation_rules_ensure_defaults", "interview_record",
    "item_escalation_context", "letter_create", "letter_sample_word", "letter_pdf", "letter_word", "register_warning_contributions",
    "warning_steps",
]
