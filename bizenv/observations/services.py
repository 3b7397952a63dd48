"""Writes of observations (指标值): upsert with full history, the review flow, evidence, rounds, imports."""

from __future__ import annotations

import hashlib
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
    Evidence,
    Observation,
    ObservationRevision,
    ObservationSource,
    ObservationStatus,
    ReportingRound,
)
from bizenv.observations.transitions import (
    import_transition_check,
    observation_ensure_editable,
    observation_transition_check,
)
from bizenv.organisations.models import Region, Role
from bizenv.organisations.permissions import Permission, actor_user, can, require, require_actor, user_roles

S = ObservationStatus
# What makes two versions of an observation different; the run that recomputed it does not.
CONTENT_FIELDS = ("value", "special", "unit", "note", "record_count", "metric_definition_id")
HISTORY_FIELDS = (
    "value", "special", "unit", "source", "status", "note", "review_comment", "department_id",
    "reporting_round_id", "import_batch_id", "metric_definition_id", "metric_run_id", "record_count",
)
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
    ".zip": b"PK\x03\x04",
    ".ofd": b"PK\x03\x04",
    ".doc": b"\xd0\xcf\x11\xe0",
    ".xls": b"\xd0\xcf\x11\xe0",
}


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


# ---------------------------------------------------------------- review flow


def _transition(observation: Observation, *, actor, target: ObservationStatus, action: str,
                comment: str = "") -> Observation:
    with transaction.atomic():
        observation = Observation.objects.select_for_update().select_related("indicator", "region").get(
            pk=observation.pk
        )
        observation_transition_check(observation, target)
        old = _snapshot(observation)
        observation.status = target
        now = timezone.now()
        if target == S.SUBMITTED:
            observation.submitted_at = now
        if target in (S.APPROVED, S.RETURNED):
            observation.reviewed_at = now
            observation.reviewed_by = actor_user(actor)
            observation.review_comment = comment
        observation.save()
        before, after = changed_values(old, _snapshot(observation))
        _record(observation, actor=actor, action=action, old=before, new=after)
        return observation


def observation_submit(*, actor, observation: Observation) -> Observation:
    """A reporter submits a filled-in value for review by the coordinating office."""
    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    if observation.value is None and not observation.special:
        raise ApplicationError(
            f"“{observation.indicator.name}·{observation.region.name}”尚未填写数值，不能提交。"
        )
    return _transition(observation, actor=actor, target=S.SUBMITTED, action="submit")


def _revised_by(observation: Observation) -> set[int]:
    """Who changed the value since it was last approved, when the change reopened an approved value."""
    since_review = []
    for action, actor_id in observation.revisions.order_by("-id").values_list("action", "actor_id"):
        if action in ("approve", "return", "lock"):
            break
        since_review.append((action, actor_id))
    if not any(action == "revise" for action, _ in since_review):
        return set()
    return {actor_id for action, actor_id in since_review if action in ("revise", "update") and actor_id}


def observation_approve(*, actor, observation: Observation, comment: str = "") -> Observation:
    """The coordinating office accepts a submitted value; a changed approved value needs another reviewer."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    if actor is not None and actor.pk in _revised_by(observation):
        raise ApplicationError(
            f"“{observation.indicator.name}·{observation.region.name}”是您修改已审核值后重新提交的，"
            "需由营商办其他审核人员审核通过。",
            code=ErrorCode.CONFLICT,
        )
    return _transition(observation, actor=actor, target=S.APPROVED, action="approve", comment=comment)


def observation_return(*, actor, observation: Observation, comment: str) -> Observation:
    """The coordinating office sends a submitted value back with a reason."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    if not (comment or "").strip():
        raise FieldError("审核意见", "退回时必须填写审核意见，说明需要更正的内容。")
    return _transition(observation, actor=actor, target=S.RETURNED, action="return", comment=comment.strip())


def observation_lock(*, actor, observation: Observation) -> Observation:
    """The coordinating office locks an approved value; it never changes again."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    return _transition(observation, actor=actor, target=S.LOCKED, action="lock")


def observations_submit_many(*, actor, observations: Iterable[Observation]) -> tuple[int, list[str]]:
    """Submit every filled-in draft or returned value; returns (submitted, reasons for the others)."""
    done, skipped = 0, []
    for observation in observations:
        if observation.status not in (S.DRAFT, S.RETURNED):
            continue
        try:
            observation_submit(actor=actor, observation=observation)
            done += 1
        except ApplicationError as exc:
            skipped.append(exc.message)
    return done, skipped


def observations_review_many(*, actor, observations: Iterable[Observation], action: str) -> int:
    """Approve every submitted value, or lock every approved one; returns how many changed."""
    count = 0
    for observation in observations:
        if action == "approve" and observation.status == S.SUBMITTED:
            observation_approve(actor=actor, observation=observation)
            count += 1
        elif action == "lock" and observation.status == S.APPROVED:
            observation_lock(actor=actor, observation=observation)
            count += 1
    return count


# ---------------------------------------------------------------- evidence


def evidence_add(*, actor, observation: Observation, filename: str, content: bytes) -> Evidence:
    """Attach a supporting file (佐证材料); the same content twice is kept once."""
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    observation_ensure_editable(observation, as_office=actor_is_office(actor, observation.region))
    name = PurePath(filename or "").name or "未命名文件"
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = "、".join(sorted({s.lstrip(".").upper() for s in EVIDENCE_TYPES}))
        raise FieldError("佐证材料", f"不支持的文件类型“{suffix or '无扩展名'}”，只能上传 {allowed} 文件。")
    if not content:
        raise FieldError("佐证材料", f"文件“{name}”是空文件。")
    if len(content) > EVIDENCE_MAX_BYTES:
        raise FieldError("佐证材料", f"文件“{name}”大小为 {len(content) / 1048576:.1f} MB，超过 20 MB 的上限。")
    if not content.startswith(EVIDENCE_TYPES[suffix]):
        raise FieldError("佐证材料", f"文件“{name}”的内容与扩展名 {suffix} 不符，可能已损坏或被改名。")
    digest = hashlib.sha256(content).hexdigest()
    existing = observation.evidence.filter(sha256=digest).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        evidence = Evidence(
            observation=observation, original_name=name[:255], sha256=digest, size_bytes=len(content),
            uploaded_by=actor_user(actor),
        )
        evidence.file.save(f"{digest[:16]}{suffix}", ContentFile(content), save=False)
        evidence.save()
        _record(observation, actor=actor, action="evidence_add", old=None,
                new={"evidence": name, "sha256": digest, "size_bytes": len(content)})
    return evidence


def evidence_remove(*, actor, evidence: Evidence) -> None:
    """Detach a supporting file while the value may still be changed."""
    observation = evidence.observation
    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    observation_ensure_editable(observation, as_office=actor_is_office(actor, observation.region))
    with transaction.atomic():
        old = {"evidence": evidence.original_name, "sha256": evidence.sha256}
        evidence.delete()
        _record(observation, actor=actor, action="evidence_remove", old=old, new={})


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


# ---------------------------------------------------------------- imports (preview, commit, cancel)


class _Rollback(Exception):
    """Raised to undo a preview's trial writes."""


class _Resolver:
    """Looks up systems, indicators and regions named in a file, once each."""

    def __init__(self, default_version: SystemVersion | None):
        from bizenv.indicators.selectors import version_find

        self._version_find = version_find
        self.default_version = default_version
        self._versions: dict[tuple[str, str], SystemVersion | None] = {}
        self._indicators: dict[tuple[int, str], Indicator | None] = {}
        self._regions_by_code = {r.code: r for r in Region.objects.all()}
        self._regions_by_name: dict[str, list[Region]] = {}
        for region in self._regions_by_code.values():
            self._regions_by_name.setdefault(region.name, []).append(region)

    def version(self, code: str, label: str) -> SystemVersion:
        if not code:
            if self.default_version is None:
                raise FieldError("体系", "未填写指标体系编码（system），且没有可用的已发布指标体系。")
            return self.default_version
        key = (code, label)
        if key not in self._versions:
            self._versions[key] = self._version_find(system_code=code, version=label or None)
        found = self._versions[key]
        if found is None:
            raise FieldError("体系", f"指标体系“{code}{' ' + label if label else ''}”不存在。")
        return found

    def indicator(self, version: SystemVersion, code: str) -> Indicator:
        if not code:
            raise FieldError("指标", "未填写指标编码。")
        key = (version.pk, code)
        if key not in self._indicators:
            self._indicators[key] = (
                version.indicators.filter(code=code).prefetch_related("lead_departments").first()
            )
        found = self._indicators[key]
        if found is None:
            raise FieldError("指标", f"指标编码“{code}”在指标体系 {version} 中不存在。")
        return found

    def region(self, code: str, name: str) -> Region:
        key = code or name
        if not key:
            raise FieldError("区域", "未填写区域代码或区域名称。")
        if key in self._regions_by_code:
            return self._regions_by_code[key]
        matches = self._regions_by_name.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise FieldError("区域", f"区域名称“{key}”对应多个区域，请改填行政区划代码。")
        raise FieldError("区域", f"区域“{key}”不存在（应为行政区划代码或区域名称）。")


def _field_of(exc: ApplicationError) -> str:
    if isinstance(exc, FieldError):
        return exc.field
    if isinstance(exc, PermissionDenied):
        return "权限"
    return "状态"


def _apply_rows(*, actor, batch, rows, resolver: _Resolver) -> tuple[list[dict], dict[str, int]]:
    """Write every row inside the caller's transaction, each in its own savepoint; rejected rows roll back."""
    from bizenv.observations.checks import format_value, parse_cell, parse_special

    department = getattr(actor, "department", None) if actor is not None and Role.DEPARTMENT in user_roles(
        actor) else None
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    preview: list[dict] = []
    seen: dict[tuple, int] = {}
    for raw in rows:
        entry = {"row": raw.row, "indicator": raw.indicator, "indicator_name": "", "region": raw.region or
                 raw.region_name, "period": raw.period, "old": "", "new": "", "outcome": "", "field": "",
                 "message": ""}
        try:
            version = resolver.version(raw.system, raw.version)
            indicator = resolver.indicator(version, raw.indicator)
            entry["indicator_name"] = indicator.name
            region = resolver.region(raw.region, raw.region_name)
            entry["region"] = region.name
            parsed = period_check(indicator=indicator, period=raw.period)
            entry["period"] = str(parsed)
            key = (version.pk, indicator.pk, region.pk, str(parsed))
            if key in seen:
                raise FieldError("时期", f"与第 {seen[key]} 行的指标、区域、时期相同（重复行），请只保留一行。")
            seen[key] = raw.row
            value, special = parse_cell(raw.value)
            extra = parse_special(raw.special)
            if extra and (value is not None or special):
                raise FieldError("数值", "数值与特殊值只能填写一项：有数值时请清空“特殊值”。")
            special = special or extra
            existing = Observation.objects.filter(
                system_version=version, indicator=indicator, region=region, period=str(parsed)
            ).first()
            entry["old"] = format_value(existing.value, existing.special) if existing else ""
            if value is None and not special:
                observation_check_write(actor=actor, indicator=indicator, region=region)
                entry.update(outcome="unchanged", new=entry["old"], message="未填写，保持不变")
                counts["unchanged"] += 1
                preview.append(entry)
                continue
            entry["new"] = format_value(value, special)
            with transaction.atomic():
                _, outcome = observation_upsert(
                    actor=actor, system_version=version, indicator=indicator, region=region, period=str(parsed),
                    value=value, special=special, source=ObservationSource.IMPORT,
                    unit=raw.unit or None, department=department, reporting_round=batch.reporting_round,
                    import_batch=batch, note=raw.note,
                )
            entry["outcome"] = outcome
            if existing is not None and existing.status == S.APPROVED and outcome == "updated":
                entry["message"] = "原值已审核，导入后将重新提交审核，审核通过前不参与评价"
            counts[outcome] += 1
        except ApplicationError as exc:
            entry.update(outcome="rejected", field=_field_of(exc), message=exc.message)
            counts["rejected"] += 1
        preview.append(entry)
    return preview, counts


def _store_counts(batch, preview: list[dict], counts: dict[str, int], total: int) -> None:
    batch.rows_total = total
    batch.rows_created = counts["created"]
    batch.rows_updated = counts["updated"]
    batch.rows_unchanged = counts["unchanged"]
    batch.rows_rejected = counts["rejected"]
    batch.preview = preview
    batch.rejections = [
        {"row": e["row"], "field": e["field"], "message": e["message"]} for e in preview if e["outcome"] == "rejected"
    ]


def observation_import_preview(*, actor, filename: str, content: bytes,
                               reporting_round: ReportingRound | None = None):
    """Read a file and try every row without saving any: the preview of what a commit would do.

    A file that cannot be read at all is stored as FAILED with the reason, and nothing else is saved.
    """
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    from bizenv.indicators.selectors import active_version
    from bizenv.observations.excel import parse_upload
    from bizenv.observations.models import ImportStatus, ObservationImport

    if actor is not None and not (can(actor, Permission.REPORT_DATA) or can(actor, Permission.REVIEW_DATA)):
        raise PermissionDenied("您没有“数据填报”的权限，不能导入指标值。")
    name = PurePath(filename or "upload").name[:255]
    batch = ObservationImport(
        reporting_round=reporting_round, filename=name, sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor_user(actor),
    )
    try:
        parsed = parse_upload(filename=name, content=content)
    except ApplicationError as exc:
        batch.status = ImportStatus.FAILED
        batch.fatal_error = exc.message
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    batch.save()
    if len(content) <= 20 * 1024 * 1024:
        batch.stored_file.save(f"{batch.pk}-{batch.sha256[:12]}{PurePath(name).suffix.lower()}",
                               ContentFile(content), save=False)
    default = reporting_round.system_version if reporting_round else active_version()
    resolver = _Resolver(default)
    try:
        with transaction.atomic():
            preview, counts = _apply_rows(actor=actor, batch=batch, rows=parsed.rows, resolver=resolver)
            raise _Rollback
    except _Rollback:
        pass
    _store_counts(batch, preview, counts, len(parsed.rows))
    batch.save()
    return batch


def observation_import_commit(*, actor, batch):
    """Write the previewed file in one transaction; rejected rows are skipped, a fatal error saves nothing."""
    from bizenv.indicators.selectors import active_version
    from bizenv.observations.excel import parse_upload
    from bizenv.observations.models import ImportStatus

    _import_check_owner(actor, batch)
    import_transition_check(batch, ImportStatus.COMMITTED, refused="不能再次导入")
    with batch.stored_file.open("rb") as handle:
        content = handle.read()
    parsed = parse_upload(filename=batch.filename, content=content)
    default = batch.reporting_round.system_version if batch.reporting_round else active_version()
    try:
        with transaction.atomic():
            preview, counts = _apply_rows(actor=actor, batch=batch, rows=parsed.rows, resolver=_Resolver(default))
            _store_counts(batch, preview, counts, len(parsed.rows))
            batch.status = ImportStatus.COMMITTED
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(actor=actor, action="observation_import.commit", obj=batch, object_repr=batch.filename,
                         old={"status": ImportStatus.PREVIEW},
                         new={"status": ImportStatus.COMMITTED, "rows_total": batch.rows_total,
                              "created": batch.rows_created, "updated": batch.rows_updated,
                              "unchanged": batch.rows_unchanged, "rejected": batch.rows_rejected})
    except Exception as exc:
        batch.refresh_from_db()
        batch.status = ImportStatus.FAILED
        batch.fatal_error = f"导入失败，未保存任何数据：{exc}"
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "fatal_error", "finished_at"])
        raise
    return batch


def observation_import_cancel(*, actor, batch):
    """Drop a previewed import; nothing from it is saved."""
    from bizenv.observations.models import ImportStatus

    _import_check_owner(actor, batch)
    import_transition_check(batch, ImportStatus.CANCELLED, refused="不能取消")
    with transaction.atomic():
        batch.status = ImportStatus.CANCELLED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "finished_at"])
        audit_record(actor=actor, action="observation_import.cancel", obj=batch, object_repr=batch.filename,
                     old={"status": ImportStatus.PREVIEW}, new={"status": ImportStatus.CANCELLED})
    return batch


def _import_check_owner(actor, batch) -> None:
    if actor is None or batch.created_by_id == getattr(actor, "pk", None) or can(actor, Permission.REVIEW_DATA):
        return
    raise PermissionDenied("只能操作自己上传的导入。")


# ---------------------------------------------------------------- data quality


def observation_flag_outliers(*, actor, system_version: SystemVersion, period: str, history: int = 24) -> dict:
    """Set is_outlier/outlier_score on every numeric observation of a period (own history and peers).

    Only the worse direction counts where the indicator has one (see quality.py). Returns counts and each
    flag with its Chinese explanation; observations whose flags do not change are not written.
    """
    from bizenv.observations.selectors import observation_outlier_checks

    require_actor(actor, Permission.REVIEW_DATA)
    parsed = Period.parse(period)
    checks = observation_outlier_checks(system_version=system_version, period=str(parsed), history=history)
    changed = flagged = 0
    flags = []
    with transaction.atomic():
        for obs, check in checks.values():
            score = round(check.score, 3) if check.score is not None else None
            if check.is_outlier:
                flagged += 1
                flags.append({"indicator": obs.indicator.name, "region": obs.region.name,
                              "explanation": check.explanation(unit=obs.unit)})
            if obs.is_outlier == check.is_outlier and obs.outlier_score == score:
                continue
            Observation.objects.filter(pk=obs.pk).update(is_outlier=check.is_outlier, outlier_score=score)
            changed += 1
        result = {"period": str(parsed), "checked": len(checks), "flagged": flagged, "changed": changed}
        if changed:
            audit_record(actor=actor, action="observation.flag_outliers", object_type="observations.observation",
                         object_id=str(parsed), object_repr=f"{system_version} {parsed} 异常值检测", old=None,
                         new=result)
    return {**result, "flags": flags}
