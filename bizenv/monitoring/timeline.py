"""A warning's timeline (处置过程), read from the audit log entries of the warning and of its measures: opened, each
period the condition persisted or cleared, signed, measures and their reviews, resolved or closed. A warning
written without audit entries (imported data) gets the same steps from its own timestamps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from bizenv.core.models import AuditLog
from bizenv.monitoring.explain import period_text
from bizenv.monitoring.labels import severity_label
from bizenv.monitoring.models import MeasureStatus, RectificationMeasure, Warning, WarningStatus

WARNING_TYPE = "monitoring.warning"
MEASURE_TYPE = "monitoring.rectificationmeasure"


@dataclass(frozen=True)
class Step:
    at: datetime | None
    title: str
    detail: str = ""
    actor: str = ""
    tone: str = ""  # "red", "green", "amber" or "" (the timeline dot's colour)
    persisted: str = ""  # the period, for a step that only says the condition persisted (merged when in a row)


timeline_contributors: list[Callable[[Warning], list[Step]]] = []


def timeline_contribute(func: Callable[[Warning], list[Step]]) -> Callable[[Warning], list[Step]]:
    """Register `func(warning) -> [Step]`: its steps join every warning's timeline in time order (once)."""
    if func not in timeline_contributors:
        timeline_contributors.append(func)
    return func


def _contributed(warning: Warning, steps: list[Step]) -> list[Step]:
    """The steps with the contributors' steps inserted where their time falls (undated ones at the end)."""
    out = list(steps)
    extra = [s for func in timeline_contributors for s in func(warning)]
    for step in sorted(extra, key=lambda s: (s.at is None, s.at or datetime.min)):
        if step.at is None:
            out.append(step)
            continue
        at = next((i for i, s in enumerate(out) if s.at is not None and s.at > step.at), len(out))
        out.insert(at, step)
    return out


def _actor(entry: AuditLog) -> str:
    if entry.actor is not None:
        return entry.actor.display_name
    return "系统" if entry.actor_username in ("", "system") else entry.actor_username


def _measure_names(measures: list[RectificationMeasure]) -> dict[str, str]:
    return {str(m.pk): m.method.name for m in measures}


def _audit_step(entry: AuditLog, methods: dict[str, str]) -> Step | None:
    new = entry.new_values or {}
    actor = _actor(entry)
    action = entry.action
    if action == "warning.open":
        return Step(entry.created_at, f"{period_text(new.get('period', ''))}首次预警",
                    f"预警等级：{severity_label(new.get('severity', ''))}", actor, "red")
    if action == "warning.persist":
        return Step(entry.created_at, f"{period_text(new.get('last_period', ''))}预警条件仍然存在",
                    f"预警等级：{severity_label(new.get('severity', ''))}", actor, "amber",
                    persisted=new.get("last_period", ""))
    if action == "warning.clear_period":
        return Step(entry.created_at, f"{period_text(new.get('period', ''))}预警条件消除",
                    f"已连续消除 {new.get('cleared_periods', '—')} 期", actor, "green")
    if action == "warning.acknowledge":
        return Step(entry.created_at, "签收", "", actor)
    if action == "measure.submit":
        files = new.get("files") or []
        detail = f"整改方式：{new.get('method') or methods.get(entry.object_id, '—')}"
        if files:
            detail += f"；佐证材料 {len(files)} 份"
        return Step(entry.created_at, "提交整改举措", detail, actor)
    if action == "measure.review":
        status = new.get("status")
        title = "整改举措审核通过" if status == MeasureStatus.ACCEPTED else "整改举措要求补充"
        comment = new.get("comment") or ""
        return Step(entry.created_at, title, f"审核意见：{comment}" if comment else "", actor,
                    "green" if status == MeasureStatus.ACCEPTED else "amber")
    if action == "warning.auto_resolve":
        return Step(entry.created_at, "系统自动销号", f"预警条件已连续消除 {new.get('cleared_periods', '—')} 期",
                    actor, "green")
    if action == "warning.resolve":
        return Step(entry.created_at, "销号", f"预警条件已连续消除 {new.get('cleared_periods', '—')} 期", actor,
                    "green")
    if action == "warning.close":
        return Step(entry.created_at, "关闭", f"关闭理由：{new.get('reason', '')}", actor)
    return None


def _from_model(warning: Warning, measures: list[RectificationMeasure]) -> list[Step]:
    steps = [Step(warning.created_at, f"{period_text(warning.first_period)}首次预警", "", "系统", "red")]
    for entry in (warning.history or [])[1:]:
        steps.append(Step(None, f"{period_text(entry.get('period', ''))}预警条件仍然存在", "", "系统", "amber",
                          persisted=entry.get("period", "")))
    if warning.acknowledged_at:
        steps.append(Step(warning.acknowledged_at, "签收", "",
                          warning.acknowledged_by.display_name if warning.acknowledged_by else ""))
    for m in measures:
        steps.append(Step(m.created_at, "提交整改举措", f"整改方式：{m.method.name}",
                          m.created_by.display_name if m.created_by else ""))
        if m.reviewed_at:
            accepted = m.status == MeasureStatus.ACCEPTED
            steps.append(Step(m.reviewed_at, "整改举措审核通过" if accepted else "整改举措要求补充",
                              f"审核意见：{m.review_comment}" if m.review_comment else "",
                              m.reviewed_by.display_name if m.reviewed_by else "", "green" if accepted else "amber"))
    if warning.finished_at:
        closed = warning.status == WarningStatus.CLOSED
        steps.append(Step(warning.finished_at, "关闭" if closed else "销号",
                          f"关闭理由：{warning.close_reason}" if closed else warning.close_reason,
                          warning.finished_by.display_name if warning.finished_by else "",
                          "" if closed else "green"))
    return steps


def _merged(steps: list[Step]) -> list[Step]:
    """Months in a row in which the condition persisted, as one step (“2026年1月至2026年6月预警条件仍然存在（6 期）”)."""
    out: list[Step] = []
    run: list[Step] = []

    def flush() -> None:
        if len(run) > 1:
            first, last = run[0], run[-1]
            out.append(Step(last.at, f"{period_text(first.persisted)}至{period_text(last.persisted)}预警条件仍然存在"
                                     f"（{len(run)} 期）", last.detail, last.actor, last.tone))
        else:
            out.extend(run)
        run.clear()

    for step in steps:
        if step.persisted:
            run.append(step)
        else:
            flush()
            out.append(step)
    flush()
    return out


def warning_timeline(*, warning: Warning, measures: list[RectificationMeasure]) -> list[Step]:
    """The steps of a warning, oldest first (months in a row in which the condition persisted as one step)."""
    entries = list(AuditLog.objects.filter(
        Q(object_type=WARNING_TYPE, object_id=str(warning.pk))
        | Q(object_type=MEASURE_TYPE, object_id__in=[str(m.pk) for m in measures]))
        .select_related("actor").order_by("id"))
    if not any(e.action == "warning.open" for e in entries):
        return _contributed(warning, _merged(_from_model(warning, measures)))
    methods = _measure_names(measures)
    steps = [_audit_step(e, methods) for e in entries]
    return _contributed(warning, _merged([s for s in steps if s is not None]))
