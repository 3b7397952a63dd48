"""Reads composed for the monitoring pages: the filter choices, the map a user may open, the first-level names of
listed warnings, the raw-record drill-down and overdue cases of a warning, the version whose rules are shown,
and the HTML preview of a Word or Excel evidence file; and the hook through which apps above monitoring add panels
to a warning's page (`warning_panel_register`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bizenv.core import clock
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import TOTAL
from bizenv.indicators.models import Indicator, SystemVersion, VersionStatus
from bizenv.monitoring.models import MeasureEvidence, Warning, WarningRule
from bizenv.monitoring.selectors import level1_of, monitored_periods, monitored_version
from bizenv.monitoring.specs import RuleKind
from bizenv.organisations.models import Department, MapLayer, Region
from bizenv.organisations.permissions import Permission, can, regions_for

DEFAULT_DATASET = "service_cases"

# func(request, warning) -> [(title, html)]: panels other apps add to a warning's page (the html is theirs, safe).
warning_panels: list[Callable] = []


def warning_panel_register(func: Callable) -> Callable:
    """Register a panel maker for the warning's page (once)."""
    if func not in warning_panels:
        warning_panels.append(func)
    return func


def warning_panels_for(*, request, warning: Warning) -> list[tuple[str, str]]:
    """The (title, html) panels the registered makers give for this warning and user."""
    return [panel for func in warning_panels for panel in func(request, warning)]


def page_version(*, system_code: str = "") -> SystemVersion | None:
    """The version the monitoring pages work on: the active version of the system asked for (the default
    system by default); without a default system, the latest published version that has rules or warnings."""
    try:
        return monitored_version(system_code=system_code)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND or system_code:
            raise
    latest = (WarningRule.objects.filter(system_version__status=VersionStatus.PUBLISHED)
              .select_related("system_version__system").order_by("-system_version__published_at", "-id").first())
    if latest is not None:
        return latest.system_version
    return (SystemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("system")
            .order_by("-published_at", "-id").first())


@dataclass(frozen=True)
class FilterChoices:
    regions: list[tuple[str, str]]
    indicators: list[tuple[str, str]]
    periods: list[tuple[str, str]]


def filter_choices(*, user, version: SystemVersion | None) -> FilterChoices:
    """所属地区 (the regions the user may see, nested), 预警指标 (each first-level indicator then its children) and
    时期 (the monitored months, latest first)."""
    regions = list(regions_for(user, Permission.VIEW_WARNINGS).order_by("path"))
    top = min((r.path.count("/") for r in regions), default=0)
    region_choices = [(r.code, "　" * (r.path.count("/") - top) + r.name) for r in regions]
    indicator_choices: list[tuple[str, str]] = []
    period_choices: list[tuple[str, str]] = []
    if version is not None:
        indicator_choices.append((TOTAL, "综合得分"))
        rows = list(Indicator.objects.filter(version=version, level__lte=2).order_by("level", "sort_order", "id")
                    .values("id", "code", "name", "parent_id", "level"))
        children: dict[int, list[dict]] = {}
        for row in rows:
            if row["parent_id"] is not None:
                children.setdefault(row["parent_id"], []).append(row)
        for row in (r for r in rows if r["level"] == 1):
            indicator_choices.append((row["code"], row["name"]))
            indicator_choices += [(c["code"], "　" + c["name"]) for c in children.get(row["id"], [])]
        period_choices = [(p, Period.parse(p).label) for p in reversed(monitored_periods(system_version=version))]
    return FilterChoices(region_choices, indicator_choices, period_choices)


@dataclass(frozen=True)
class MapScope:
    region: Region  # the region whose children the map draws
    children: list[tuple[str, str, str]]  # (code, name, path)


def map_scope(*, user) -> MapScope | None:
    """The shallowest region with a stored map whose outline the user may open (None: no map for this user)."""
    regions = regions_for(user, Permission.VIEW_WARNINGS)
    mapped = (Region.objects.filter(pk__in=MapLayer.objects.values("region_id"))
              .filter(pk__in=regions.values("pk")).order_by("path"))
    for region in mapped:
        if can(user, Permission.VIEW_REGIONS, region):
            children = list(region.children.order_by("sort_order", "code").values_list("code", "name", "path"))
            if children:
                return MapScope(region, children)
    return None


def map_counts(*, scope: MapScope, counts: dict) -> dict[str, tuple[int, str]]:
    """{child code: (open warnings, highest severity)} adding up the warnings of the child and its descendants,
    from selectors.warning_map's {region code: RegionWarnings}."""
    from bizenv.monitoring.specs import SEVERITY_ORDER

    paths = dict(Region.objects.filter(code__in=list(counts)).values_list("code", "path"))
    out: dict[str, tuple[int, str]] = {}
    for code, _name, path in scope.children:
        total, worst = 0, ""
        for region_code, item in counts.items():
            if paths.get(region_code, "").startswith(path):
                total += item.count
                if SEVERITY_ORDER.get(item.severity, 0) > SEVERITY_ORDER.get(worst, 0):
                    worst = item.severity
        if total:
            out[code] = (total, worst)
    return out


def parent_names(*, warnings: Iterable[Warning]) -> dict[int, str]:
    """{warning pk: its indicator's first-level name} ("" for first-level indicators and the composite)."""
    out: dict[int, str] = {}
    cache: dict[int, dict[str, tuple[str, str]]] = {}
    for w in warnings:
        if w.system_version_id not in cache:
            cache[w.system_version_id] = level1_of(system_version=w.system_version)
        top_code, top_name = cache[w.system_version_id].get(w.indicator_code, ("", ""))
        out[w.pk] = top_name if top_code and top_code not in (w.indicator_code, TOTAL) else ""
    return out


@dataclass(frozen=True)
class RecordsLink:
    dataset: str
    dataset_name: str
    month: str
    region_code: str


def records_link(*, user, warning: Warning) -> RecordsLink | None:
    """The raw records behind a warned leaf (its active metric definition's dataset) or an overdue warning, for the
    region and the latest warned month; None when the indicator is not computed from raw records or the user may
    not browse them."""
    from bizenv.datasets.catalog import DATASETS
    from bizenv.datasets.models import MetricDefinition

    if not can(user, Permission.VIEW_RECORDS, warning.region):
        return None
    if warning.kind == RuleKind.OVERDUE:
        dataset = (warning.rule.params or {}).get("dataset") or DEFAULT_DATASET
    else:
        is_leaf = not Indicator.objects.filter(version_id=warning.system_version_id,
                                               parent__code=warning.indicator_code).exists()
        if warning.indicator_code == TOTAL or not is_leaf:
            return None
        dataset = (MetricDefinition.objects.filter(indicator_code=warning.indicator_code, is_active=True)
                   .values_list("dataset", flat=True).first())
    if not dataset or dataset not in DATASETS:
        return None
    return RecordsLink(dataset, DATASETS[dataset].name, warning.last_period, warning.region.code)


@dataclass(frozen=True)
class OverdueCases:
    cases: list  # facts.OverdueCase
    record_ids: list[str]  # when the cases could not be read from the lake
    note: str = ""
    departments: dict[str, str] | None = None  # department code → name

    @property
    def rows(self) -> list[tuple]:
        """(case, its department's name or "—")."""
        names = self.departments or {}
        return [(case, names.get(case.department_code, "—")) for case in self.cases]


def overdue_cases_of(*, warning: Warning, limit: int = 200) -> OverdueCases:
    """The late and open-overdue cases behind an overdue warning, read from the lake as of today; the record ids
    stored with the warning when the lake cannot be read or no longer holds them."""
    dataset = (warning.rule.params or {}).get("dataset") or DEFAULT_DATASET
    stored = [str(i) for i in (warning.cases or [])][:limit]
    try:
        from bizenv.monitoring import facts

        cases = facts.overdue_cases(region_code=warning.region.code, period=warning.last_period,
                                    as_of=clock.today(), dataset=dataset, limit=limit)
    except (ImportError, ApplicationError) as exc:
        return OverdueCases([], stored, exc.message if isinstance(exc, ApplicationError) else "")
    if not cases and stored:
        return OverdueCases([], stored, "原始办件中已查不到这些办件的明细")
    codes = {c.department_code for c in cases if c.department_code}
    names = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    return OverdueCases(cases, [], departments=names)


def evidence_preview(*, evidence: MeasureEvidence) -> str:
    """The escaped HTML of a Word or Excel evidence file (a Chinese ApplicationError when it cannot be shown)."""
    from bizenv.core.previews import docx_to_html, xlsx_to_html
    from bizenv.core.uploads import FileKind, upload_resolve

    try:
        content = upload_resolve(path=evidence.path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise ApplicationError("文件不存在或已被删除。", code=ErrorCode.NOT_FOUND) from None
    if evidence.kind == FileKind.DOCX:
        return docx_to_html(content)
    if evidence.kind == FileKind.XLSX:
        return xlsx_to_html(content)
    raise ApplicationError("该文件不能转换为网页查看，请下载后查看。")




@dataclass(frozen=True)
class RuleChoices:
    indicators: list[tuple[str, str]]  # every indicator, nested, the composite first
    names: dict[str, str]  # code → name
    levels: list[int]
    groups: list[str]
    datasets: list[tuple[str, str]]  # datasets an overdue rule may read


def rule_choices(*, version: SystemVersion) -> RuleChoices:
    """What the rule form offers for a version: its indicators and levels, the 同类分组, the datasets with limits."""
    from bizenv.datasets.catalog import DATASETS
    from bizenv.monitoring.facts import OVERDUE_SOURCES
    from bizenv.monitoring.rule_services import region_groups_known

    rows = list(Indicator.objects.filter(version=version).values("id", "code", "name", "parent_id", "level",
                                                                  "sort_order"))
    children: dict[int | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[tuple[str, str]] = [(TOTAL, "综合得分")]

    def walk(parent_id, depth):
        for row in sorted(children.get(parent_id, []), key=lambda r: (r["sort_order"], r["id"])):
            ordered.append((row["code"], "　" * depth + row["name"]))
            walk(row["id"], depth + 1)

    walk(None, 0)
    names = {TOTAL: "综合得分", **{row["code"]: row["name"] for row in rows}}
    datasets = [(code, DATASETS[code].name) for code in OVERDUE_SOURCES if code in DATASETS]
    return RuleChoices(ordered, names, sorted({row["level"] for row in rows}), region_groups_known(), datasets)
