"""Reads of the monitoring app: what a user may see, the inputs a monitoring run evaluates, lists and maps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bizenv.analysis.selectors import analysis_version, benchmark_refs, score_cube
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import TOTAL
from bizenv.evaluation.selectors import evaluation_periods, evaluation_regions_default
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.monitoring.models import (
    ACTIVE_STATUSES,
    MeasureEvidence,
    MeasureStatus,
    Notification,
    RectificationMeasure,
    RectificationMethod,
    Warning,
    WarningRule,
)
from bizenv.monitoring.specs import SEVERITY_ORDER, MonitorInput
from bizenv.organisations.models import Region, Role
from bizenv.organisations.permissions import Permission, can, filter_by_region, has_permission, user_roles

# ---------------------------------------------------------------------------------------------------------
# Who sees and acts on what


def department_indicator_codes(*, user, system_version: SystemVersion) -> set[str] | None:
    """The codes a department user leads or is responsible for (with every indicator under them); None for
    users who are not limited to indicators (office, leaders, counties)."""
    if Role.DEPARTMENT not in user_roles(user) or {Role.OFFICE, Role.LEADER} & user_roles(user):
        return None
    dept_id = getattr(user, "department_id", None)
    if dept_id is None:
        return set()
    indicators = list(Indicator.objects.filter(version=system_version).values("id", "code", "parent_id"))
    mine = set(Indicator.objects.filter(version=system_version)
               .filter(Q(lead_departments=dept_id) | Q(responsible_departments=dept_id))
               .values_list("id", flat=True))
    children: dict[int | None, list[dict]] = {}
    for row in indicators:
        children.setdefault(row["parent_id"], []).append(row)
    codes: set[str] = set()
    stack = [row for row in indicators if row["id"] in mine]
    while stack:
        row = stack.pop()
        if row["code"] in codes:
            continue
        codes.add(row["code"])
        stack.extend(children.get(row["id"], ()))
    return codes


def warning_list(*, user, region: str = "", indicator: str = "", kind: str = "", severity: str = "",
                 status: str = "", period: str = "", active: bool | None = None) -> QuerySet[Warning]:
    """The warnings the user may see, filtered: a county its own regions, a department the indicators it
    leads or is responsible for, the office and leaders all; the administrators none."""
    qs = filter_by_region(user, Permission.VIEW_WARNINGS, Warning.objects.all())
    version_codes: dict[int, set[str] | None] = {}
    for version in SystemVersion.objects.filter(pk__in=qs.values("system_version_id").distinct()):
        version_codes[version.pk] = department_indicator_codes(user=user, system_version=version)
    limited = {pk: codes for pk, codes in version_codes.items() if codes is not None}
    if limited:
        allowed = Q(pk__in=[])
        for pk, codes in limited.items():
            allowed |= Q(system_version_id=pk, indicator_code__in=codes)
        qs = qs.filter(allowed)
    if region:
        qs = qs.filter(Q(region__code=region) | Q(region__path__startswith=_path(region)))
    if indicator:
        qs = qs.filter(Q(indicator_code=indicator) | Q(level1_code=indicator))
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if status:
        qs = qs.filter(status=status)
    if active is not None:
        qs = qs.filter(status__in=ACTIVE_STATUSES) if active else qs.exclude(status__in=ACTIVE_STATUSES)
    if period:
        qs = qs.filter(first_period__lte=period, last_period__gte=period)
    return qs.select_related("region", "rule").order_by("-last_period", "-id")


def _path(region_code: str) -> str:
    region = Region.objects.filter(code=region_code).only("path").first()
    return region.path if region else "\x00"


def warning_get(*, user, pk: int) -> Warning | None:
    """One warning the user may see (None when absent or hidden: the same answer either way)."""
    return warning_list(user=user).filter(pk=pk).first()


def warning_can_act(*, user, warning: Warning) -> bool:
    """A county acts for its region, a department for its indicators (签收, 整改举措)."""
    if not can(user, Permission.ACT_ON_WARNINGS, warning.region):
        return False
    codes = department_indicator_codes(user=user, system_version=warning.system_version)
    if warning.kind == "missing_report" and owed_by_departments(warning):
        # a value a city department owes is that department's to report; the county only follows it
        return codes is not None and warning.indicator_code in codes
    return codes is None or warning.indicator_code in codes


def owed_by_departments(warning: Warning) -> bool:
    """Whether a missing report is owed by named departments (its facts list them)."""
    return any(label == "责任单位" and value for label, value in (warning.facts or {}).get("extra") or ())


def warning_can_manage(*, user, warning: Warning | None = None) -> bool:
    """The office reviews measures, closes and resolves (销号)."""
    return can(user, Permission.MANAGE_WARNINGS, warning.region if warning else None)


# ---------------------------------------------------------------------------------------------------------
# Inputs of a run


def monitored_version(*, system_code: str = "") -> SystemVersion:
    return analysis_version(system_code=system_code)


def monitored_periods(*, system_version: SystemVersion) -> list[str]:
    """The months with counted observations, oldest first (quarters and years are carried into months)."""
    return [p for p in evaluation_periods(system_version=system_version) if Period.parse(p).kind == "month"]


def monitored_regions(*, system_version: SystemVersion, periods: Sequence[str]) -> list[Region]:
    """The regions compared with each other: the evaluated peers of the latest period (the city above them
    is not its own counties' peer)."""
    for period in reversed(periods):
        regions = evaluation_regions_default(system_version=system_version, period=period)
        if regions:
            parents = Counter(r.parent_id for r in regions)
            top = max(parents.items(), key=lambda kv: kv[1])[0]
            return [r for r in regions if r.parent_id == top]
    return []


def rules_of(*, system_version: SystemVersion) -> list[WarningRule]:
    return list(WarningRule.objects.filter(system_version=system_version).order_by("sort_order", "id"))


def monitor_input(*, system_version: SystemVersion, regions: Sequence[Region], periods: Sequence[str],
                  overdue=(), missing=()) -> MonitorInput:
    """The values and scores of the regions and periods, scored as every page scores them (analysis cube)."""
    cube = score_cube(version=system_version, regions=regions, periods=periods)
    benchmarks = {code: (ref.value, ref.cities) for code, ref in benchmark_refs().items()}
    scope = regions[0].parent.name if regions and regions[0].parent_id else ""
    return MonitorInput(
        system=cube.system, regions=cube.regions, region_names=cube.region_names, periods=cube.periods,
        values=cube.values, not_applicable=cube.not_applicable, no_practice=cube.no_practice,
        evaluation=cube.evaluation, benchmarks=benchmarks,
        region_groups={r.code: r.peer_group for r in regions if r.peer_group},
        overdue=tuple(overdue), missing=tuple(missing), scope_name=scope,
    )


def level1_of(*, system_version: SystemVersion) -> dict[str, tuple[str, str]]:
    """{indicator code: (first-level code, name)} for every indicator of the version (TOTAL maps to itself)."""
    rows = list(Indicator.objects.filter(version=system_version).values("id", "code", "name", "parent_id", "level"))
    by_id = {r["id"]: r for r in rows}
    out = {TOTAL: (TOTAL, "综合得分")}
    for row in rows:
        top = row
        while top["parent_id"] is not None:
            top = by_id[top["parent_id"]]
        out[row["code"]] = (top["code"], top["name"])
    return out


# ---------------------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True)
class RegionWarnings:
    region_code: str
    region_name: str
    count: int
    severity: str  # the highest severity among them ("" when none)


def warning_map(*, warnings: QuerySet[Warning]) -> dict[str, RegionWarnings]:
    """{region code: its active warnings' count and highest severity}."""
    out: dict[str, RegionWarnings] = {}
    for code, name, severity in warnings.filter(status__in=ACTIVE_STATUSES).values_list(
            "region__code", "region__name", "severity"):
        current = out.get(code)
        if current is None:
            out[code] = RegionWarnings(code, name, 1, severity)
        else:
            worst = severity if SEVERITY_ORDER.get(severity, 0) > SEVERITY_ORDER.get(current.severity, 0) \
                else current.severity
            out[code] = RegionWarnings(code, name, current.count + 1, worst)
    return out


def warning_measures(*, warning: Warning) -> list[RectificationMeasure]:
    return list(warning.measures.select_related("method", "created_by", "reviewed_by", "department")
                .prefetch_related("evidence").order_by("created_at", "id"))


def measures_to_review(*, user) -> QuerySet[RectificationMeasure]:
    if not has_permission(user, Permission.MANAGE_WARNINGS):
        return RectificationMeasure.objects.none()
    warnings = filter_by_region(user, Permission.MANAGE_WARNINGS, Warning.objects.all())
    return (RectificationMeasure.objects.filter(status=MeasureStatus.SUBMITTED, warning__in=warnings)
            .select_related("warning", "warning__region", "method"))


def evidence_get(*, user, pk: int) -> MeasureEvidence | None:
    """An evidence file of a warning the user may see."""
    evidence = MeasureEvidence.objects.select_related("measure__warning").filter(pk=pk).first()
    if evidence is None or warning_get(user=user, pk=evidence.measure.warning_id) is None:
        return None
    return evidence


def methods_active() -> QuerySet[RectificationMethod]:
    return RectificationMethod.objects.filter(active=True).order_by("sort_order", "id")


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at=None) if unread_only else qs


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()
