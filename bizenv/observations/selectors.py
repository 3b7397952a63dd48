"""Reads of observations, rounds, completeness and imports, filtered by the region-scoped policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet

from bizenv.core import clock
from bizenv.core.periods import Period
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.observations.models import Observation, ObservationImport, ReportingRound
from bizenv.observations.rounds import DONE_STATUSES, REPORTED_SOURCES, ItemState, Tally, owed_period, tally
from bizenv.organisations.models import Department, Region, RegionLevel, Role
from bizenv.organisations.permissions import Permission, can, filter_by_region, regions_for, user_roles

REPORTING_LEVELS = (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE)
STATUS_LABELS = {
    "missing": "未填报", "draft": "草稿", "returned": "已退回", "submitted": "已提交", "approved": "已审核",
    "locked": "已锁定",
}


def observation_list(*, user, system_code: str = "", version: SystemVersion | None = None, indicator: str = "",
                     region: str = "", period: str = "", status: str = "") -> QuerySet[Observation]:
    """Observations in the regions the user may see, newest period first, with optional filters."""
    qs = Observation.objects.select_related("system_version__system", "indicator", "region", "department")
    qs = filter_by_region(user, Permission.VIEW_DASHBOARD, qs) if user is not None else qs
    if version is not None:
        qs = qs.filter(system_version=version)
    if system_code:
        qs = qs.filter(system_version__system__code=system_code)
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if region:
        qs = qs.filter(region__code=region)
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "indicator__level", "indicator__sort_order", "region__path")


def observation_get(*, user, pk: int) -> Observation | None:
    """One visible observation with its history and evidence."""
    return (
        observation_list(user=user)
        .prefetch_related("revisions__actor", "evidence")
        .select_related("reporting_round", "import_batch", "metric_definition", "updated_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )


def round_list() -> QuerySet[ReportingRound]:
    """Every reporting round, newest period first (rounds are city-wide; rows inside are scoped)."""
    return ReportingRound.objects.select_related("system_version__system", "created_by").order_by("-period", "-id")


def round_get(*, pk: int) -> ReportingRound | None:
    return round_list().filter(pk=pk).first()


def reporting_regions() -> QuerySet[Region]:
    """The regions that report and are evaluated: counties, districts and development zones."""
    return Region.objects.filter(level__in=REPORTING_LEVELS).order_by("path")


def round_indicators(*, reporting_round: ReportingRound) -> list[tuple[Indicator, str]]:
    """The reported leaves the round asks for, each with the indicator period it is owed for."""
    round_period = Period.parse(reporting_round.period)
    leaves = (
        reporting_round.system_version.indicators.filter(children__isnull=True, source_kind__in=REPORTED_SOURCES)
        .prefetch_related(Prefetch("lead_departments", queryset=Department.objects.order_by("sort_order", "code")))
        .select_related("parent")
        .order_by("parent__sort_order", "parent_id", "sort_order", "id")
    )
    out = []
    for indicator in leaves:
        owed = owed_period(round_period, indicator.cycle)
        if owed is not None:
            out.append((indicator, str(owed)))
    return out


@dataclass
class RoundItem:
    """One owed (indicator, region, period) of a round with its current observation."""

    indicator: Indicator
    region: Region
    period: str
    departments: list[Department]
    observation: Observation | None
    overdue: bool = False
    mine: bool = False

    @property
    def status(self) -> str:
        obs = self.observation
        if obs is None or (obs.value is None and not obs.special):
            return "missing"
        return obs.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def department_names(self) -> str:
        return "、".join(d.name for d in self.departments) or "（未设牵头单位）"


def _owes(user, indicator: Indicator, region: Region, departments: list[Department]) -> bool:
    if user is None or not can(user, Permission.REPORT_DATA, region):
        return False
    if Role.DEPARTMENT in user_roles(user):
        dept_id = getattr(user, "department_id", None)
        return any(d.pk == dept_id for d in departments)
    return True


def round_items(*, user, reporting_round: ReportingRound, mine: bool = False, department: str = "",
                region: str = "", status: str = "", today: date | None = None) -> list[RoundItem]:
    """Owed rows of a round that the user may see; `mine` keeps only those the user must report."""
    today = today or clock.today()
    regions = list(reporting_regions() if user is None else
                   reporting_regions().filter(pk__in=regions_for(user, Permission.VIEW_DASHBOARD)))
    if region:
        regions = [r for r in regions if r.code == region]
    indicators = round_indicators(reporting_round=reporting_round)
    if department:
        indicators = [(i, p) for i, p in indicators if any(d.code == department for d in i.lead_departments.all())]
    existing = {
        (o.indicator_id, o.region_id, o.period): o
        for o in Observation.objects.filter(
            system_version=reporting_round.system_version, region__in=regions,
            indicator__in=[i for i, _ in indicators], period__in={p for _, p in indicators},
        ).select_related("updated_by")
    }
    late = today > reporting_round.deadline
    items = []
    for indicator, period in indicators:
        departments = list(indicator.lead_departments.all())
        for reg in regions:
            item = RoundItem(indicator, reg, period, departments, existing.get((indicator.pk, reg.pk, period)))
            item.mine = _owes(user, indicator, reg, departments)
            item.overdue = late and item.status not in DONE_STATUSES
            if mine and not item.mine:
                continue
            if status and item.status != status and not (status == "overdue" and item.overdue):
                continue
            items.append(item)
    return items


@dataclass
class Completeness:
    reporting_round: ReportingRound
    is_overdue: bool
    total: Tally
    by_department: list[Tally] = field(default_factory=list)
    by_region: list[Tally] = field(default_factory=list)
    missing: list[RoundItem] = field(default_factory=list)


def round_completeness(*, user, reporting_round: ReportingRound, today: date | None = None) -> Completeness:
    """How much of a round is in: per lead department and per region, with what is missing and overdue."""
    today = today or clock.today()
    items = round_items(user=user, reporting_round=reporting_round, today=today)
    late = today > reporting_round.deadline
    states = [ItemState(tuple(d.code for d in i.departments) or ("-",), i.region.code, i.status) for i in items]
    departments = {d.code: d.name for i in items for d in i.departments}
    departments = dict(sorted(departments.items(), key=lambda kv: kv[0]))
    ordered = Department.objects.filter(code__in=departments).order_by("sort_order", "code")
    dept_labels = {d.code: d.name for d in ordered}
    if any(not i.departments for i in items):
        dept_labels["-"] = "（未设牵头单位）"
    region_labels = {}
    for item in items:
        region_labels.setdefault(item.region.code, item.region.name)
    total = tally([ItemState(("all",), "all", s.status) for s in states], by="department",
                  labels={"all": "合计"}, overdue=late)
    return Completeness(
        reporting_round=reporting_round, is_overdue=late,
        total=total[0] if total else Tally("all", "合计"),
        by_department=tally(states, by="department", labels=dept_labels, overdue=late),
        by_region=tally(states, by="region", labels=region_labels, overdue=late),
        missing=[i for i in items if i.status not in DONE_STATUSES],
    )


def import_list(*, user) -> QuerySet[ObservationImport]:
    """Uploads: the office sees all, others their own."""
    qs = ObservationImport.objects.select_related("reporting_round", "created_by")
    if user is not None and not can(user, Permission.REVIEW_DATA):
        qs = qs.filter(created_by=user)
    return qs.order_by("-id")


def import_get(*, user, pk: int) -> ObservationImport | None:
    return import_list(user=user).filter(pk=pk).first()


def round_template(*, user, reporting_round: ReportingRound) -> bytes:
    """The fill-in workbook of a round: the user's owed rows (everything for the office), current values in."""
    from bizenv.observations.checks import SPECIAL_EXPORT, value_rule
    from bizenv.observations.excel import TemplateRow, build_template

    office = user is None or can(user, Permission.REVIEW_DATA)
    rows = []
    for item in round_items(user=user, reporting_round=reporting_round, mine=not office):
        ind, obs = item.indicator, item.observation
        rule = value_rule(unit=ind.unit, name=ind.name, best=ind.best, worst=ind.worst)
        rows.append(TemplateRow(
            departments=item.department_names, indicator=ind.code, indicator_name=ind.name, unit=ind.unit,
            region=item.region.code, region_name=item.region.name, period=item.period,
            value=obs.value if obs else None, special=SPECIAL_EXPORT.get(obs.special, "") if obs else "",
            note=obs.note if obs else "", lower=rule.lower, upper=rule.upper,
        ))
    version = reporting_round.system_version
    return build_template(title=reporting_round.name, system_code=version.system.code, version=version.version,
                          deadline=reporting_round.deadline, rows=rows)


def import_annotated(*, batch: ObservationImport) -> bytes:
    """The uploaded file with a 错误说明 column and the rejected rows in red."""
    from bizenv.observations.excel import annotate

    with batch.stored_file.open("rb") as handle:
        content = handle.read()
    reasons: dict[int, list[str]] = {}
    for r in batch.rejections:
        reasons.setdefault(int(r["row"]), []).append(f"【{r['field']}】{r['message']}")
    return annotate(filename=batch.filename, content=content,
                    rejections={row: "；".join(msgs) for row, msgs in reasons.items()})


def observation_export_rows(*, user, system_code: str = "", period: str = "") -> list[dict]:
    """Observations as flat rows for CSV: system, region, indicator, period, value, source, status, …"""
    from bizenv.observations.checks import format_value

    rows = []
    qs = observation_list(user=user, system_code=system_code, period=period).order_by(
        "system_version__system__code", "period", "indicator__code", "region__code")
    for o in qs.iterator(chunk_size=2000):
        rows.append({
            "system": o.system_version.system.code, "version": o.system_version.version,
            "region": o.region.code, "region_name": o.region.name, "indicator": o.indicator.code,
            "indicator_name": o.indicator.name, "period": o.period, "value": format_value(o.value, o.special),
            "unit": o.unit, "source": o.source, "status": o.status, "record_count": o.record_count
            if o.record_count is not None else "", "is_outlier": "1" if o.is_outlier else "",
        })
    return rows


def observations_as_of(*, system_version: SystemVersion, periods: list[str], leaf_kinds: dict[str, str],
                       region_ids: list[int], statuses) -> dict[str, dict[tuple[int, str], dict]]:
    """For each target period, the value that stands for it per (region id, leaf code).

    A value of the period itself always wins. Otherwise a leaf reported on a longer cycle than the period
    (quarterly or yearly in a monthly evaluation) takes its latest period that has ended, or the one before
    (core.periods.source_periods); `leaf_kinds` maps leaf code → the kind of its cycle.
    Each row: id, region_id, indicator__code, value, special, period.
    """
    from bizenv.core.periods import PeriodKind, source_periods

    plan: dict[tuple[str, str], list[str]] = {}
    for label in periods:
        target = Period.parse(label)
        for kind in set(leaf_kinds.values()):
            carried = [str(p) for p in source_periods(target, PeriodKind(kind))]
            plan[(label, kind)] = [label, *(p for p in carried if p != label)]
    wanted = sorted({p for sources in plan.values() for p in sources})
    found: dict[tuple[int, str, str], dict] = {}
    rows = (Observation.objects.filter(system_version=system_version, period__in=wanted, region_id__in=region_ids,
                                       indicator__code__in=list(leaf_kinds), status__in=statuses)
            .values("id", "region_id", "indicator__code", "value", "special", "period"))
    for row in rows.iterator(chunk_size=5000):
        found[(row["region_id"], row["indicator__code"], row["period"])] = row
    by_leaf_period: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for (region_id, code, period), row in found.items():
        by_leaf_period.setdefault((code, period), []).append((region_id, row))
    out: dict[str, dict[tuple[int, str], dict]] = {label: {} for label in periods}
    for label in periods:
        chosen = out[label]
        for code, kind in leaf_kinds.items():
            # Oldest source first so that a newer value overwrites an older one.
            for source in reversed(plan[(label, kind)]):
                for region_id, row in by_leaf_period.get((code, source), ()):
                    chosen[(region_id, code)] = row
    return out


def observation_outlier_checks(*, system_version: SystemVersion, period: str, history: int = 24) -> dict:
    """Every numeric observation of a period with its outlier check (own history and peers), by id.

    Peers are the regions of the same peer group (区域“同类分组”), else all siblings under the same parent;
    the check knows the indicator's direction and its scoring range (best to worst).
    """
    from bizenv.observations.quality import outlier_check

    parsed = Period.parse(period)
    targets = list(
        Observation.objects.filter(system_version=system_version, period=str(parsed), value__isnull=False)
        .select_related("region", "indicator")
    )
    earlier = {str(parsed.shift(-i)) for i in range(1, history + 1)}
    own: dict[tuple[int, int], list[float]] = {}
    for ind_id, reg_id, val in Observation.objects.filter(
        system_version=system_version, period__in=earlier, value__isnull=False
    ).values_list("indicator_id", "region_id", "value"):
        own.setdefault((ind_id, reg_id), []).append(val)
    groups: dict[tuple, list[Observation]] = {}
    for obs in targets:
        region = obs.region
        key = (obs.indicator_id, "g", region.peer_group) if region.peer_group else (obs.indicator_id, "p",
                                                                                    region.parent_id)
        groups.setdefault(key, []).append(obs)
        obs._peer_key = key
    checks = {}
    for obs in targets:
        indicator = obs.indicator
        peers = [o.value for o in groups[obs._peer_key] if o.pk != obs.pk]
        scale = (indicator.best - indicator.worst) if indicator.best is not None and indicator.worst is not None \
            else None
        checks[obs.pk] = (obs, outlier_check(obs.value, history=own.get((obs.indicator_id, obs.region_id), []),
                                             peers=peers, direction=indicator.direction or "", scale_range=scale))
    return checks


def observation_outlier_explanation(*, observation: Observation) -> str:
    """Why a flagged observation is suspicious, in Chinese ("" when it is not flagged)."""
    if not observation.is_outlier or observation.value is None:
        return ""
    found = observation_outlier_checks(system_version=observation.system_version, period=observation.period)
    entry = found.get(observation.pk)
    return entry[1].explanation(unit=observation.unit) if entry else ""
