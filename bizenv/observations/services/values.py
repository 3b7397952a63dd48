"""Writes of observation values (指标值): who may write, the checks, upsert with full history, metric results."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date

from django.db import transaction
from django.utils import timezone

from bizenv.core import clock
from bizenv.core.audit import audit_record, changed_values, jsonable
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.periods import CYCLE_KINDS, KIND_LABELS, Period
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.observations.checks import FieldError, check_value, value_rule
from bizenv.observations.models import (
    Observation,
    ObservationRevision,
    ObservationSource,
    ObservationStatus,
    ReportingRound,
)
from bizenv.observations.transitions import observation_ensure_editable
from bizenv.organisations.models import Region, Role
from bizenv.organisations.permissions import Permission, actor_user, can, require, user_roles

S = ObservationStatus
# What makes two versions of an observation different; the run that recomputed it does not.
CONTENT_FIELDS = ("value", "special", "unit", "note", "record_count", "metric_definition_id")
HISTORY_FIELDS = (
    "value", "special", "unit", "source", "status", "note", "review_comment", "department_id",
    "reporting_round_id", "import_batch_id", "metric_definition_id", "metric_run_id", "record_count",
)


# ---------------------------------------------------------------- policy


def actor_is_office(actor, region: Region) -> bool:
    """True for the system itself (actor None) and for users who review data on `region`."""
    return actor is None or can(actor, Permission.REVIEW_DATA, region)


def observation_check_write(*, actor, indicator: Indicator, region: Region) -> None:
    """Raise PermissionDenied unless `actor` may enter a value of `indicator` for `region`."""
    if actor_is_office(actor, region):
        return
    require(actor, Permission.REPORT_DATA, region)
    if Role.DEPARTMENT in user_roles(actor):
        department = getattr(actor, "department", None)
        if department is None or not indicator.lead_departments.filter(pk=department.pk).exists():
            who = department.name if department is not None else "您所在的部门"
            raise PermissionDenied(f"{who}不是指标“{indicator.name}”的牵头单位，不能填报该指标。")


def indicator_check_reportable(*, indicator: Indicator, system_version: SystemVersion) -> None:
    """Raise unless `indicator` is a leaf of `system_version`."""
    if indicator.version_id != system_version.pk:
        raise FieldError("指标", f"指标“{indicator.code}”不属于指标体系 {system_version}。")
    if indicator.children.exists():
        raise FieldError("指标", f"“{indicator.name}”不是末级指标，只能填报末级指标的数值。")


def period_check(*, indicator: Indicator, period: str, today: date | None = None) -> Period:
    """The parsed period, which must match the indicator's cycle and must already have begun."""
    try:
        parsed = Period.parse(period)
    except ApplicationError as exc:
        raise FieldError("时期", exc.message) from exc
    kind = CYCLE_KINDS.get(indicator.cycle or "")
    if kind is not None and parsed.kind != kind:
        examples = {"month": "2026-03", "quarter": "2026-Q1", "year": "2026"}
        raise FieldError(
            "时期",
            f"“{indicator.name}”为{KIND_LABELS[kind]}指标，时期应写成 {examples[kind]} 的格式，"
            f"不能是“{parsed}”（{KIND_LABELS[parsed.kind]}）。",
        )
    if parsed.first_day > (today or clock.today()):
        raise FieldError("时期", f"时期 {parsed}（{parsed.label}）尚未开始，不能填报。")
    return parsed


def observation_value_check(*, indicator: Indicator, value: float | None, special: str, unit: str) -> None:
    """Raise FieldError unless the value suits the indicator's type, unit and sane range."""
    if unit and indicator.unit and unit.strip() != indicator.unit.strip():
        raise FieldError("单位", f"单位“{unit}”与指标“{indicator.name}”的计量单位“{indicator.unit}”不一致。")
    rule = value_rule(unit=indicator.unit, name=indicator.name, best=indicator.best, worst=indicator.worst)
    check_value(value, special, rule=rule, indicator_label=indicator.name, unit=indicator.unit)


# ---------------------------------------------------------------- history


def _snapshot(observation: Observation) -> dict:
    return {name: getattr(observation, name) for name in HISTORY_FIELDS}


def _record(observation: Observation, *, actor, action: str, old: dict | None, new: dict) -> None:
    ObservationRevision.objects.create(
        observation=observation, action=action, old_values=old, new_values=new,
        actor=actor_user(actor),
    )
    audit_record(actor=actor, action=f"observation.{action}", obj=observation, old=old, new=new)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


# ---------------------------------------------------------------- upsert


def observation_upsert(
    *,
    actor,
    system_version: SystemVersion,
    indicator: Indicator,
    region: Region,
    period: str,
    value: float | None = None,
    special: str = "",
    source: str,
    unit: str | None = None,
    department=None,
    reporting_round: ReportingRound | None = None,
    import_batch=None,
    metric_definition=None,
    metric_run=None,
    record_count: int | None = None,
    note: str | None = None,
) -> tuple[Observation, str]:
    """Create or change one observation, keeping its history; returns it and created/updated/unchanged."""
    if source not in ObservationSource.values:
        raise FieldError("来源", f"数据来源“{source}”无效。")
    indicator_check_reportable(indicator=indicator, system_version=system_version)
    parsed = period_check(indicator=indicator, period=period)
    unit = indicator.unit if unit is None else unit
    observation_value_check(indicator=indicator, value=value, special=special, unit=unit)
    if source != ObservationSource.METRIC:
        observation_check_write(actor=actor, indicator=indicator, region=region)
    as_office = source == ObservationSource.METRIC or actor_is_office(actor, region)
    if reporting_round is not None and not reporting_round.is_open and not as_office:
        raise ApplicationError(f"填报批次“{reporting_round.name}”已关闭，不能再填报；如需补报请联系营商办。",
                               code=ErrorCode.INVALID_TRANSITION)
    value = float(value) if value is not None else None

    with transaction.atomic():
        existing = (
            Observation.objects.select_for_update()
            .filter(system_version=system_version, indicator=indicator, region=region, period=str(parsed))
            .first()
        )
        content = {
            "value": value, "special": special, "unit": unit or "", "record_count": record_count,
            "metric_definition_id": getattr(metric_definition, "pk", None),
        }
        if existing is None:
            observation = Observation(
                system_version=system_version, indicator=indicator, region=region, period=str(parsed),
                source=source, status=S.APPROVED if as_office else S.DRAFT, note=note or "",
                department=department, reporting_round=reporting_round, import_batch=import_batch,
                metric_definition=metric_definition, metric_run=metric_run,
                updated_by=actor_user(actor), **{
                    k: v for k, v in content.items() if k != "metric_definition_id"
                },
            )
            observation.save()
            _record(observation, actor=actor, action="create", old=None, new=_snapshot(observation))
            return observation, "created"

        if note is not None:
            content["note"] = note
        if all(_same(getattr(existing, k), v) for k, v in content.items()):
            return existing, "unchanged"
        if source == ObservationSource.METRIC:
            if existing.status == S.LOCKED:
                observation_ensure_editable(existing, as_office=True)
        else:
            if existing.source == ObservationSource.METRIC and not as_office:
                raise FieldError(
                    "数值", f"“{indicator.name}”的该值由无感监测自动计算，填报单位不能修改；如有疑问请联系营商办。",
                    code=ErrorCode.CONFLICT,
                )
            observation_ensure_editable(existing, as_office=as_office)
        old = _snapshot(existing)
        for key, val in content.items():
            setattr(existing, key, val)
        existing.source = source
        if department is not None:
            existing.department = department
        if reporting_round is not None:
            existing.reporting_round = reporting_round
        existing.import_batch = import_batch
        if metric_run is not None:
            existing.metric_run = metric_run
        action = "update"
        if source == ObservationSource.METRIC:
            existing.status = S.APPROVED
        elif existing.status == S.APPROVED:
            # An approved value may enter a ranking: a change made by hand goes back through review.
            existing.status = S.SUBMITTED
            existing.submitted_at = timezone.now()
            action = "revise"
        existing.updated_by = actor_user(actor)
        existing.save()
        before, after = changed_values(old, _snapshot(existing))
        _record(existing, actor=actor, action=action, old=before, new=after)
        return existing, "updated"


def observation_save_effect(*, actor, observation: Observation | None, region: Region) -> str:
    """What saving a new value by hand would do: approve, draft, keep (under review), resubmit or refused."""
    as_office = actor_is_office(actor, region)
    if observation is None:
        return "approve" if as_office else "draft"
    try:
        observation_ensure_editable(observation, as_office=as_office)
    except ApplicationError:
        return "refused"
    if observation.status == S.APPROVED:
        return "resubmit"
    return "keep" if observation.status == S.SUBMITTED else "draft"


def observation_upsert_from_metric(
    *,
    run,
    definition,
    system_version: SystemVersion,
    indicator: Indicator,
    region: Region,
    period: str,
    value: float | None,
    record_count: int,
) -> tuple[Observation, str]:
    """Write a value computed by the metric engine; an empty result is stored as missing, never as 0.

    Raises ApplicationError (PUBLISHED_IMMUTABLE) when the observation is locked and the value differs.
    """
    actor = getattr(run, "created_by", None)
    if value is None:
        return _metric_missing(run=run, definition=definition, system_version=system_version,
                               indicator=indicator, region=region, period=period, record_count=record_count)
    return observation_upsert(
        actor=actor, system_version=system_version, indicator=indicator, region=region, period=period,
        value=value, special="", source=ObservationSource.METRIC, metric_definition=definition,
        metric_run=run, record_count=record_count, note=None,
    )


def _metric_missing(*, run, definition, system_version, indicator, region, period, record_count):
    """No records for the period: keep an existing value untouched, create nothing."""
    parsed = period_check(indicator=indicator, period=period)
    existing = Observation.objects.filter(
        system_version=system_version, indicator=indicator, region=region, period=str(parsed)
    ).first()
    if existing is not None:
        return existing, "unchanged"
    observation = Observation(
        system_version=system_version, indicator=indicator, region=region, period=str(parsed),
        source=ObservationSource.METRIC, status=S.APPROVED, unit=indicator.unit,
        metric_definition=definition, metric_run=run, record_count=record_count, note="计算期内无原始记录",
    )
    with transaction.atomic():
        observation.save()
        _record(observation, actor=getattr(run, "created_by", None), action="create", old=None,
                new=_snapshot(observation))
    return observation, "created"


@dataclass(frozen=True)
class MetricValue:
    """One value computed by the metric engine, ready to be written as an observation."""

    definition: object
    indicator: Indicator
    region: Region
    period: str
    value: float | None
    record_count: int


@dataclass
class MetricWriteSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[MetricValue, str]] = dc_field(default_factory=list)


def observations_write_from_metric(*, run, system_version: SystemVersion,
                                   values: Iterable[MetricValue]) -> MetricWriteSummary:
    """Write a metric run's values in bulk, with the same rules and history rows as `observation_upsert_from_metric`.

    Existing observations are read in one query, compared in Python, and new and changed ones are written
    with bulk_create/bulk_update, each with its ObservationRevision row. The per-observation audit entry is
    replaced by the run's own audited summary (metric_run.finish). Must run inside the caller's transaction.
    """
    actor = getattr(run, "created_by", None)
    actor_fk = actor_user(actor)
    values = list(values)
    summary = MetricWriteSummary()
    reportable: dict[int, str] = {}
    parsed_periods: dict[tuple[int, str], Period | str] = {}

    def check(item: MetricValue) -> Period:
        indicator = item.indicator
        if item.value is not None and indicator.pk not in reportable:
            try:
                indicator_check_reportable(indicator=indicator, system_version=system_version)
                reportable[indicator.pk] = ""
            except ApplicationError as exc:
                reportable[indicator.pk] = exc.message
        if item.value is not None and reportable[indicator.pk]:
            raise ApplicationError(reportable[indicator.pk])
        key = (indicator.pk, item.period)
        if key not in parsed_periods:
            try:
                parsed_periods[key] = period_check(indicator=indicator, period=item.period)
            except ApplicationError as exc:
                parsed_periods[key] = exc.message
        parsed = parsed_periods[key]
        if isinstance(parsed, str):
            raise ApplicationError(parsed)
        if item.value is not None:
            observation_value_check(indicator=indicator, value=item.value, special="", unit=indicator.unit)
        return parsed

    existing: dict[tuple[int, int, str], Observation] = {}
    periods = sorted({str(v.period) for v in values})
    indicator_ids = sorted({v.indicator.pk for v in values})
    for start in range(0, len(periods), 200):
        for obs in Observation.objects.filter(system_version=system_version, indicator_id__in=indicator_ids,
                                              period__in=periods[start:start + 200]):
            existing[(obs.indicator_id, obs.region_id, obs.period)] = obs

    to_create: list[Observation] = []
    to_update: dict[int, Observation] = {}
    revisions: list[tuple[Observation, str, dict | None, dict]] = []
    now = timezone.now()
    for item in values:
        try:
            parsed = check(item)
        except ApplicationError as exc:
            summary.skipped.append((item, exc.message))
            continue
        key = (item.indicator.pk, item.region.pk, str(parsed))
        current = existing.get(key)
        if item.value is None:
            if current is not None:
                summary.unchanged += 1
                continue
            observation = Observation(
                system_version=system_version, indicator=item.indicator, region=item.region, period=str(parsed),
                source=ObservationSource.METRIC, status=S.APPROVED, unit=item.indicator.unit,
                metric_definition=item.definition, metric_run=run, record_count=item.record_count,
                note="计算期内无原始记录",
            )
        elif current is None:
            observation = Observation(
                system_version=system_version, indicator=item.indicator, region=item.region, period=str(parsed),
                source=ObservationSource.METRIC, status=S.APPROVED, note="", metric_definition=item.definition,
                metric_run=run, updated_by=actor_fk, value=float(item.value), special="",
                unit=item.indicator.unit or "", record_count=item.record_count,
            )
        else:
            content = {"value": float(item.value), "special": "", "unit": item.indicator.unit or "",
                       "record_count": item.record_count, "metric_definition_id": getattr(item.definition, "pk", None)}
            if all(_same(getattr(current, k), v) for k, v in content.items()):
                summary.unchanged += 1
                continue
            if current.status == S.LOCKED:
                current.indicator, current.region = item.indicator, item.region
                try:
                    observation_ensure_editable(current, as_office=True)
                except ApplicationError as exc:
                    summary.skipped.append((item, exc.message))
                    continue
            old = _snapshot(current)
            for name, val in content.items():
                setattr(current, name, val)
            current.source = ObservationSource.METRIC
            current.import_batch = None
            current.metric_run = run
            current.status = S.APPROVED
            current.updated_by = actor_fk
            current.updated_at = now
            before, after = changed_values(old, _snapshot(current))
            revisions.append((current, "update", before, after))
            if current.pk is not None:
                to_update[current.pk] = current
            summary.updated += 1
            continue
        existing[key] = observation
        to_create.append(observation)
        revisions.append((observation, "create", None, _snapshot(observation)))
        summary.created += 1

    Observation.objects.bulk_create(to_create, batch_size=500)
    Observation.objects.bulk_update(
        list(to_update.values()),
        ["value", "special", "unit", "record_count", "metric_definition", "source", "import_batch", "metric_run",
         "status", "updated_by", "updated_at"], batch_size=500)
    ObservationRevision.objects.bulk_create([
        ObservationRevision(observation=obs, action=action, old_values=jsonable(old) if old is not None else None,
                            new_values=jsonable(new), actor=actor_fk)
        for obs, action, old, new in revisions
    ], batch_size=1000)
    return summary
