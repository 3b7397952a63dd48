"""Reporting rounds (填报批次): open and change a round; its default deadline in working days."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.indicators.models import SystemVersion
from bizenv.observations.checks import FieldError
from bizenv.observations.models import ReportingRound
from bizenv.organisations.permissions import Permission, actor_user, require_actor

# ---------------------------------------------------------------- reporting rounds


def _workday_predicate():
    """The platform's WorkCalendar; for a year nobody has entered yet, weekdays — and the year is noted."""
    from bizenv.workdays.calendar import WorkCalendar

    calendar = WorkCalendar.load()
    guessed: set[int] = set()

    def is_workday(day: date) -> bool:
        if day in calendar.overrides or calendar.covers(day.year):
            return calendar.is_workday(day)
        # A deadline must still be set; the rule text tells the office the year was not entered.
        guessed.add(day.year)
        return day.weekday() < 5

    return is_workday, guessed


def reporting_round_deadline(*, period: str):
    """The default deadline of a round for `period` (see rounds.deadline_for)."""
    from bizenv.observations.rounds import deadline_for

    parsed = Period.parse(period)
    is_workday, guessed = _workday_predicate()
    first = deadline_for(parsed, is_workday=is_workday)
    return deadline_for(parsed, is_workday=is_workday, guessed_years=guessed) if guessed else first


def _round_snapshot(reporting_round: ReportingRound) -> dict:
    return {"period": reporting_round.period, "name": reporting_round.name,
            "deadline": reporting_round.deadline, "is_open": reporting_round.is_open,
            "deadline_rule": reporting_round.deadline_rule}


def reporting_round_open(*, actor, system_version: SystemVersion, period: str, deadline: date | None = None,
                         name: str = "") -> ReportingRound:
    """The coordinating office opens a round for one period; the deadline defaults to the documented rule."""
    require_actor(actor, Permission.REVIEW_DATA)
    try:
        parsed = Period.parse(period)
    except ApplicationError as exc:
        raise FieldError("时期", exc.message) from exc
    if not system_version.is_published:
        raise FieldError("指标体系", f"指标体系 {system_version} 尚未发布，不能据此开展填报。")
    if ReportingRound.objects.filter(system_version=system_version, period=str(parsed)).exists():
        raise ApplicationError(f"{parsed.label}的填报批次已经存在。", code=ErrorCode.CONFLICT)
    computed = reporting_round_deadline(period=str(parsed))
    rule = computed.rule
    if deadline is not None and deadline != computed.day:
        rule = f"由营商办指定（按规则应为 {computed.day:%Y-%m-%d}：{computed.rule}）"
    if deadline is not None and deadline <= parsed.last_day:
        raise FieldError("截止日期", f"截止日期 {deadline:%Y-%m-%d} 应晚于填报时期的最后一天 {parsed.last_day:%Y-%m-%d}。")
    with transaction.atomic():
        reporting_round = ReportingRound.objects.create(
            system_version=system_version, period=str(parsed),
            name=name.strip() or f"{parsed.label}数据填报", deadline=deadline or computed.day,
            deadline_rule=rule[:300], created_by=actor_user(actor),
        )
        audit_record(actor=actor, action="reporting_round.open", obj=reporting_round, old=None,
                     new=_round_snapshot(reporting_round))
    return reporting_round


def reporting_round_update(*, actor, reporting_round: ReportingRound, deadline: date | None = None,
                           is_open: bool | None = None) -> ReportingRound:
    """Move a round's deadline, or close/reopen it for entry."""
    require_actor(actor, Permission.REVIEW_DATA)
    with transaction.atomic():
        reporting_round = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        old = _round_snapshot(reporting_round)
        if deadline is not None and deadline != reporting_round.deadline:
            if deadline <= Period.parse(reporting_round.period).last_day:
                raise FieldError("截止日期", "截止日期应晚于填报时期的最后一天。")
            reporting_round.deadline = deadline
            reporting_round.deadline_rule = "由营商办调整"
        if is_open is not None:
            reporting_round.is_open = is_open
        before, after = changed_values(old, _round_snapshot(reporting_round))
        if not after:
            return reporting_round
        reporting_round.save()
        audit_record(actor=actor, action="reporting_round.update", obj=reporting_round, old=before, new=after)
    return reporting_round
