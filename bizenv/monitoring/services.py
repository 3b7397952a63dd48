"""Writes of the monitoring app: the monitoring run (rules → warnings), the warning lifecycle, rectification
measures with evidence and their review. Every change is atomic and audited; notifications are written in the
same transaction and mailed after commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone

from bizenv.core import clock
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import TOTAL
from bizenv.indicators.models import SystemVersion
from bizenv.monitoring import notify
from bizenv.monitoring.models import (
    ACTIVE_STATUSES,
    MeasureEvidence,
    MeasureStatus,
    RectificationMeasure,
    RectificationMethod,
    Warning,
    WarningRule,
    WarningStatus,
)
from bizenv.monitoring.rulespecs import rule_spec
from bizenv.monitoring.selectors import (
    level1_of,
    monitor_input,
    monitored_periods,
    monitored_regions,
    monitored_version,
    rules_of,
    warning_can_act,
    warning_can_manage,
)
from bizenv.monitoring.specs import RuleKind
from bizenv.monitoring.transitions import measure_transition_check, warning_transition_check
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import actor_user

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
MEASURE_TEXT_MAX = 2000


@dataclass
class RunSummary:
    """What a monitoring run did, in Chinese figures."""

    periods: list[str] = field(default_factory=list)
    findings: int = 0
    opened: int = 0
    updated: int = 0
    cleared: int = 0
    resolved: int = 0
    message: str = ""

    def lines(self) -> list[str]:
        if self.message:
            return [self.message]
        span = f"{self.periods[0]} 至 {self.periods[-1]}" if len(self.periods) > 1 else "".join(self.periods)
        return [f"监测时期：{span}（{len(self.periods)} 期）",
                f"规则触发 {self.findings} 次：新开预警 {self.opened} 条，延续更新 {self.updated} 条，"
                f"条件消除计数 {self.cleared} 次，自动销号 {self.resolved} 条。"]


# ---------------------------------------------------------------------------------------------------------
# The monitoring run


def _facts(*, rules, regions: Sequence[Region], periods: Sequence[str], system_version: SystemVersion):
    """The raw-record and reporting-round facts the overdue and missing-report rules need."""
    from bizenv.monitoring import facts

    as_of = clock.today()
    overdue, missing = [], []
    datasets = {r.dataset or "service_cases" for r in rules if r.kind == RuleKind.OVERDUE}
    for dataset in sorted(datasets):
        indicator = facts.dataset_indicator(dataset, system_version=system_version)
        if indicator:
            overdue.extend(facts.overdue_facts(region_codes=[r.code for r in regions], periods=periods,
                                               as_of=as_of, dataset=dataset, indicator=indicator))
    if any(r.kind == RuleKind.MISSING_REPORT for r in rules):
        # A value still missing today is missing in every monitored month from its round's on, so its warning
        # persists until the value is submitted (the facts describe today's state).
        codes = {r.code for r in regions}
        months = sorted(periods, key=Period.parse)
        for fact in facts.missing_report_facts(as_of=as_of, system_version=system_version):
            if fact.region not in codes:
                continue
            start = Period.parse(fact.period)
            missing.extend(replace(fact, period=p) for p in months if Period.parse(p) >= start)
    return overdue, missing


def monitoring_run(*, actor=None, system_code: str = "", period: str = "",
                   progress: Callable[[int, str], object] | None = None) -> RunSummary:
    """Evaluate the rules of the active system over every monitored month (or one) and bring the warnings up
    to date. Running twice changes nothing: each warning remembers the last period it was checked against."""
    from bizenv.monitoring.rules import findings_evaluate

    say = progress or (lambda _percent, _message: None)
    version = monitored_version(system_code=system_code)
    periods = monitored_periods(system_version=version)
    if not periods:
        return RunSummary(message="尚无已审核的月度指标值，没有可监测的时期。")
    if period:
        period = str(Period.parse(period))
        if period not in periods:
            raise ApplicationError(f"{Period.parse(period).label} 没有已审核的指标值，无法监测。请先计算或审核该期指标值。")
        targets = [period]
    else:
        targets = periods
    history = [p for p in periods if p <= targets[-1]]
    regions = monitored_regions(system_version=version, periods=history)
    if not regions:
        return RunSummary(message="尚无参评地区，没有可监测的对象。")
    with transaction.atomic():
        for warning in (Warning.objects.filter(system_version=version, status__in=ACTIVE_STATUSES,
                                               rule__enabled=False).select_related("rule").select_for_update()):
            _close_for_disabled_rule(actor=actor, warning=warning)
    rules = [rule_spec(r) for r in rules_of(system_version=version) if r.enabled]
    if not rules:
        return RunSummary(message=f"指标体系 {version} 尚未设置预警规则。")
    say(10, f"读取 {len(regions)} 个地区 × {len(history)} 期的指标值与得分……")
    overdue, missing = _facts(rules=rules, regions=regions, periods=targets, system_version=version)
    data = monitor_input(system_version=version, regions=regions, periods=history, overdue=overdue, missing=missing)
    say(40, f"按 {len(rules)} 条规则检查 {len(targets)} 期……")
    findings = findings_evaluate(rules, data, periods=targets)
    say(70, f"规则触发 {len(findings)} 次，更新预警……")
    summary = RunSummary(periods=list(targets), findings=len(findings))
    with transaction.atomic():
        _apply(actor=actor, version=version, findings=findings, targets=targets, regions=regions, summary=summary)
    from bizenv.core.events import Event, event_emit

    event_emit(Event.WARNINGS_CHECKED, periods=list(targets))
    say(100, "监测完成")
    return summary


def _history_entry(finding) -> dict:
    return {"period": finding.period, "value": finding.value, "reference": finding.reference}


def _facts_json(finding) -> dict:
    from dataclasses import asdict

    return asdict(finding.facts)


def _apply(*, actor, version: SystemVersion, findings, targets: Sequence[str], regions: Sequence[Region],
           summary: RunSummary) -> None:
    rules = {r.code: r for r in WarningRule.objects.filter(system_version=version)}
    region_by_code = {r.code: r for r in regions}
    level1 = level1_of(system_version=version)
    names = {code: name for code, (_top, name) in level1.items()}
    from bizenv.indicators.models import Indicator

    names.update(dict(Indicator.objects.filter(version=version).values_list("code", "name")))
    active: dict[tuple[str, str, str], Warning] = {}
    for w in (Warning.objects.filter(system_version=version, status__in=ACTIVE_STATUSES)
              .select_related("rule", "region").select_for_update()):
        active[(w.rule.code, w.region.code, w.indicator_code)] = w
    # Active warnings of the system's earlier versions: a condition that lasts across a new version's publication
    # is handed over to one warning of the new version rather than warned twice.
    handed: dict[tuple[str, str, str], Warning] = {}
    for w in (Warning.objects.filter(system_version__system_id=version.system_id, status__in=ACTIVE_STATUSES)
              .exclude(system_version=version).select_related("rule", "region", "system_version")
              .select_for_update()):
        handed[(w.rule.code, w.region.code, w.indicator_code)] = w
    finished_until: dict[tuple[str, str, str], str] = {}
    latest_finished: dict[tuple[str, str, str], Warning] = {}
    for w in (Warning.objects.filter(system_version=version).exclude(status__in=ACTIVE_STATUSES)
              .select_related("rule", "region").order_by("id")):
        key = (w.rule.code, w.region.code, w.indicator_code)
        finished_until[key] = max(finished_until.get(key, ""), w.last_checked_period or w.last_period)
        latest_finished[key] = w
    by_period: dict[str, dict[tuple[str, str, str], object]] = {p: {} for p in targets}
    for f in findings:
        by_period.setdefault(f.period, {})[f.key] = f
    for period in sorted(targets, key=Period.parse):
        fired = by_period.get(period, {})
        for key, finding in fired.items():
            warning = active.get(key)
            if warning is not None:
                if warning.last_checked_period >= period:
                    continue
                _persist(actor=actor, warning=warning, finding=finding)
                summary.updated += 1
                continue
            if finished_until.get(key, "") >= period or finding.region not in region_by_code:
                continue
            rule = rules.get(finding.rule)
            if rule is None:
                continue
            warning = _open(actor=actor, version=version, rule=rule, region=region_by_code[finding.region],
                            finding=finding, name=names.get(finding.indicator, finding.indicator),
                            level1=level1.get(finding.indicator, ("", ""))[0], previous=latest_finished.get(key),
                            earlier=handed.pop(key, None))
            active[key] = warning
            summary.opened += 1
        for key, warning in active.items():
            if key in fired or warning.last_checked_period >= period:
                continue
            old = warning.cleared_periods
            warning.cleared_periods = old + 1
            warning.last_checked_period = period
            warning.save(update_fields=["cleared_periods", "last_checked_period", "updated_at"])
            audit_record(actor=actor, action="warning.clear_period", obj=warning,
                         old={"cleared_periods": old}, new={"cleared_periods": warning.cleared_periods,
                                                            "period": period})
            summary.cleared += 1
            if warning.cleared_periods >= warning.rule.clear_periods:
                _auto_resolve(actor=actor, warning=warning)
                summary.resolved += 1
        for key in [k for k, w in active.items() if not w.is_active]:
            finished_until[key] = active[key].last_checked_period
            latest_finished[key] = active.pop(key)


def _close_for_disabled_rule(*, actor, warning: Warning) -> None:
    """A rule switched off no longer watches: its open warnings are closed, saying why."""
    old = warning.status
    warning.status = WarningStatus.CLOSED
    warning.finished_at = timezone.now()
    warning.close_reason = f"预警规则“{warning.rule.name or warning.rule.code}”已停用，预警随之关闭。"
    warning.save(update_fields=["status", "finished_at", "close_reason", "updated_at"])
    audit_record(actor=actor, action="warning.close", obj=warning, old={"status": old},
                 new={"status": warning.status, "reason": warning.close_reason})


def _auto_resolve(*, actor, warning: Warning) -> None:
    """The condition has cleared for the rule's number of periods: the warning is resolved (已销号) by the run."""
    warning_transition_check(warning, WarningStatus.RESOLVED)
    old = warning.status
    warning.status = WarningStatus.RESOLVED
    warning.finished_at = timezone.now()
    warning.close_reason = f"预警条件已连续 {warning.cleared_periods} 期消除，系统自动销号。"
    warning.save(update_fields=["status", "finished_at", "close_reason", "updated_at"])
    audit_record(actor=actor, action="warning.auto_resolve", obj=warning, old={"status": old},
                 new={"status": warning.status, "cleared_periods": warning.cleared_periods})
    notify.warning_finished(warning=warning)


def _persist(*, actor, warning: Warning, finding) -> None:
    """The condition persists: the warning covers one more period and shows its latest figures."""
    old = {"last_period": warning.last_period, "value": warning.value, "severity": warning.severity,
           "cleared_periods": warning.cleared_periods}
    warning.last_period = finding.period
    warning.last_checked_period = finding.period
    warning.history = [*warning.history, _history_entry(finding)]
    warning.value, warning.reference = finding.value, finding.reference
    warning.severity = str(finding.severity)
    warning.explanation, warning.facts = finding.explanation, _facts_json(finding)
    warning.cases = list(finding.cases)
    warning.cleared_periods = 0
    warning.save()
    audit_record(actor=actor, action="warning.persist", obj=warning, old=old,
                 new={"last_period": warning.last_period, "value": warning.value, "severity": warning.severity,
                      "cleared_periods": 0})


def _open(*, actor, version, rule: WarningRule, region: Region, finding, name: str, level1: str,
          previous: Warning | None, earlier: Warning | None = None) -> Warning:
    """A new warning; with `earlier` (the same condition's active warning under the previous version), the new one
    takes over its status and first measure and the earlier one is closed with a note that points to it."""
    warning = Warning.objects.create(
        rule=rule, system_version=version, region=region, indicator_code=finding.indicator,
        indicator_name="综合得分" if finding.indicator == TOTAL else name, level1_code=level1,
        kind=str(finding.kind), severity=str(finding.severity),
        status=earlier.status if earlier else WarningStatus.OPEN,
        first_period=finding.period, last_period=finding.period, last_checked_period=finding.period,
        history=[_history_entry(finding)], value=finding.value, reference=finding.reference,
        explanation=finding.explanation, facts=_facts_json(finding), cases=list(finding.cases),
        previous=earlier or previous, first_measure_period=earlier.first_measure_period if earlier else "",
        acknowledged_by=earlier.acknowledged_by if earlier else None,
        acknowledged_at=earlier.acknowledged_at if earlier else None,
    )
    audit_record(actor=actor, action="warning.open", obj=warning, new={
        "rule": rule.code, "region": region.code, "indicator": warning.indicator_code, "period": finding.period,
        "severity": warning.severity, "value": warning.value, "reference": warning.reference,
        "previous": warning.previous_id, "status": warning.status})
    if earlier is None:
        notify.warning_opened(warning=warning)
        return warning
    old = earlier.status
    earlier.status = WarningStatus.CLOSED
    earlier.close_reason = (f"指标体系 {version} 发布后，该预警转入新版本继续跟踪（整改举措保留在本预警）。")
    earlier.finished_at = timezone.now()
    earlier.save(update_fields=["status", "close_reason", "finished_at", "updated_at"])
    audit_record(actor=actor, action="warning.hand_over", obj=earlier, old={"status": old},
                 new={"status": earlier.status, "warning": warning.pk})
    return warning


AUTOMATIC_WINDOW = 12  # months the automatic check covers


def _recent_months() -> set[str]:
    try:
        version = monitored_version()
    except ApplicationError:
        return set()
    return set(monitored_periods(system_version=version)[-AUTOMATIC_WINDOW:])


def monitoring_run_request(*, actor=None, periods: Sequence[str] = (), reason: str = "",
                           automatic: bool = False) -> int | None:
    """Queue a background monitoring run (after commit); a queued run that covers the periods is reused, so a
    batch of approvals queues one run. Returns the job id, or None when an equal job is already waiting."""
    from bizenv.core.models import Job, JobStatus
    from bizenv.core.services import job_create, job_enqueue

    wanted = sorted({str(Period.parse(p)) for p in periods if Period.parse(p).kind == "month"})
    if wanted and automatic:
        # Changes to old months are history: the automatic check looks at the recent window only (an old month can
        # still be checked by hand with `bizenv monitoring run --period`), so a rebuilt history raises no stale
        # warnings and notifications.
        recent = _recent_months()
        wanted = [p for p in wanted if p in recent]
        if not wanted:
            return None
    for job in Job.objects.filter(kind="monitoring_run", status=JobStatus.QUEUED):
        queued = job.params.get("periods") or []
        if not queued or (wanted and set(wanted) <= set(queued)):  # [] is every period
            return None
    job = job_create(actor=actor, kind="monitoring_run", title="监测预警：按规则检查" + (f"（{reason}）" if reason else ""),
                     params={"periods": wanted}, for_office=True)
    job_enqueue(func="bizenv.monitoring.tasks.monitoring_run_job", job_id=job.pk)
    return job.pk


# ---------------------------------------------------------------------------------------------------------
# Lifecycle


def _require_act(actor, warning: Warning) -> None:
    if actor is None or not warning_can_act(user=actor, warning=warning):
        raise PermissionDenied("只有预警所属区县或该指标的牵头、责任部门可以签收预警和上报整改举措。")


def _require_manage(actor, warning: Warning) -> None:
    if actor is None or not warning_can_manage(user=actor, warning=warning):
        raise PermissionDenied("只有营商办可以审核整改举措、关闭预警和销号。")


def _locked(warning: Warning) -> Warning:
    return Warning.objects.select_for_update().select_related("rule", "region", "system_version").get(pk=warning.pk)


def warning_acknowledge(*, actor, warning: Warning) -> Warning:
    """签收: the responsible county or department takes the warning on."""
    _require_act(actor, warning)
    with transaction.atomic():
        warning = _locked(warning)
        warning_transition_check(warning, WarningStatus.ACKNOWLEDGED)
        old = warning.status
        warning.status = WarningStatus.ACKNOWLEDGED
        warning.acknowledged_by, warning.acknowledged_at = actor_user(actor), timezone.now()
        warning.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        audit_record(actor=actor, action="warning.acknowledge", obj=warning, old={"status": old},
                     new={"status": warning.status})
    return warning


def warning_resolve(*, actor, warning: Warning) -> Warning:
    """销号 by the office: allowed once the condition no longer holds in the latest checked period (the run
    resolves it by itself once it has cleared for the rule's number of periods)."""
    _require_manage(actor, warning)
    with transaction.atomic():
        warning = _locked(warning)
        warning_transition_check(warning, WarningStatus.RESOLVED)
        if warning.cleared_periods < 1:
            raise ApplicationError(
                f"{Period.parse(warning.last_period).label}预警条件仍然存在，条件消除后才能销号"
                f"（连续消除 {warning.rule.clear_periods} 期时系统自动销号）。", code=ErrorCode.CONFLICT)
        old = warning.status
        warning.status = WarningStatus.RESOLVED
        warning.finished_by, warning.finished_at = actor_user(actor), timezone.now()
        warning.save(update_fields=["status", "finished_by", "finished_at", "updated_at"])
        audit_record(actor=actor, action="warning.resolve", obj=warning, old={"status": old},
                     new={"status": warning.status, "cleared_periods": warning.cleared_periods})
        notify.warning_finished(warning=warning)
    return warning


def warning_close(*, actor, warning: Warning, reason: str) -> Warning:
    """The office closes a warning with a reason (e.g. a data error, a rule no longer applicable)."""
    _require_manage(actor, warning)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("关闭预警必须填写理由。")
    with transaction.atomic():
        warning = _locked(warning)
        warning_transition_check(warning, WarningStatus.CLOSED)
        old = warning.status
        warning.status = WarningStatus.CLOSED
        warning.close_reason = reason[:MEASURE_TEXT_MAX]
        warning.finished_by, warning.finished_at = actor_user(actor), timezone.now()
        warning.save(update_fields=["status", "close_reason", "finished_by", "finished_at", "updated_at"])
        audit_record(actor=actor, action="warning.close", obj=warning, old={"status": old},
                     new={"status": warning.status, "reason": warning.close_reason})
        notify.warning_finished(warning=warning)
    return warning


# ---------------------------------------------------------------------------------------------------------
# Rectification measures


def measure_submit(*, actor, warning: Warning, method: RectificationMethod, description: str,
                   files: Sequence) -> RectificationMeasure:
    """An 整改举措 with its evidence files; the first one puts the warning into 整改中. Every file is checked
    (type by content, size, zip bombs, macros) before anything is saved; a failure saves nothing."""
    from bizenv.core.uploads import EVIDENCE_KINDS, upload_check, upload_delete, upload_store

    _require_act(actor, warning)
    description = (description or "").strip()
    if not description:
        raise ApplicationError("请填写整改举措的说明。")
    if len(description) > MEASURE_TEXT_MAX:
        raise ApplicationError(f"举措说明最多 {MEASURE_TEXT_MAX} 字，当前 {len(description)} 字。")
    if not method.active:
        raise ApplicationError(f"整改方式“{method.name}”已停用，请重新选择。")
    if not files:
        raise ApplicationError("请至少上传一份佐证材料。")
    if len(files) > EVIDENCE_MAX_FILES:
        raise ApplicationError(f"一次最多上传 {EVIDENCE_MAX_FILES} 份佐证材料。")
    checked = [(upload_check(content=f, filename=getattr(f, "name", "") or "", allowed=EVIDENCE_KINDS,
                             max_bytes=EVIDENCE_MAX_BYTES), f) for f in files]
    stored: list[str] = []
    try:
        with transaction.atomic():
            warning = _locked(warning)
            if not warning.is_active:
                warning_transition_check(warning, WarningStatus.RECTIFYING)
            period = str(Period.month_of(clock.today()))
            measure = RectificationMeasure.objects.create(
                warning=warning, method=method, description=description, period=period,
                department=getattr(actor_user(actor), "department", None), created_by=actor_user(actor))
            for upload, source in checked:
                path = upload_store(checked=upload, content=source, folder="evidence/monitoring")
                stored.append(path)
                MeasureEvidence.objects.create(
                    measure=measure, path=path, original_name=upload.display_name, kind=str(upload.kind),
                    content_type=upload.content_type, size_bytes=upload.size, sha256=upload.sha256,
                    uploaded_by=actor_user(actor))
            old_status = warning.status
            if warning.status != WarningStatus.RECTIFYING:
                warning_transition_check(warning, WarningStatus.RECTIFYING)
                warning.status = WarningStatus.RECTIFYING
            if not warning.first_measure_period:
                warning.first_measure_period = period
            warning.save(update_fields=["status", "first_measure_period", "updated_at"])
            audit_record(actor=actor, action="measure.submit", obj=measure, new={
                "warning": warning.pk, "method": method.name, "description": description,
                "files": [u.display_name for u, _ in checked], "warning_status": [old_status, warning.status]})
            notify.measure_submitted(measure=measure)
    except BaseException:
        for path in stored:
            upload_delete(path=path)
        raise
    return measure


def measure_review(*, actor, measure: RectificationMeasure, accept: bool, comment: str = "") -> RectificationMeasure:
    """The office accepts a measure, or asks for more with a comment."""
    _require_manage(actor, measure.warning)
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ApplicationError("要求补充时必须填写审核意见，说明还需要哪些举措或材料。")
    target = MeasureStatus.ACCEPTED if accept else MeasureStatus.MORE_REQUESTED
    with transaction.atomic():
        measure = RectificationMeasure.objects.select_for_update().select_related("warning", "method").get(
            pk=measure.pk)
        measure_transition_check(measure, target)
        old = measure.status
        measure.status = target
        measure.review_comment = comment[:MEASURE_TEXT_MAX]
        measure.reviewed_by, measure.reviewed_at = actor_user(actor), timezone.now()
        measure.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
        audit_record(actor=actor, action="measure.review", obj=measure, old={"status": old},
                     new={"status": measure.status, "comment": measure.review_comment})
        notify.measure_reviewed(measure=measure)
    return measure


def rectification_method_save(*, actor, name: str, description: str = "", active: bool = True,
                              method: RectificationMethod | None = None) -> RectificationMethod:
    """Add or edit an 整改方式 of the list the office maintains."""
    from bizenv.organisations.permissions import Permission, require_actor

    require_actor(actor, Permission.MANAGE_WARNINGS)
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ApplicationError("整改方式名称必填，最多 50 字。")
    clash = RectificationMethod.objects.filter(name=name).exclude(pk=getattr(method, "pk", None)).exists()
    if clash:
        raise ApplicationError(f"整改方式“{name}”已存在。", code=ErrorCode.CONFLICT)
    with transaction.atomic():
        if method is None:
            order = RectificationMethod.objects.count() + 1
            method = RectificationMethod.objects.create(name=name, description=description.strip()[:200],
                                                        active=active, sort_order=order)
            audit_record(actor=actor, action="rectification_method.create", obj=method,
                         new={"name": name, "active": active})
            return method
        old = {"name": method.name, "description": method.description, "active": method.active}
        new = {"name": name, "description": description.strip()[:200], "active": active}
        if old == new:
            return method
        for key, value in new.items():
            setattr(method, key, value)
        method.save()
        audit_record(actor=actor, action="rectification_method.update", obj=method, old=old, new=new)
    return method
