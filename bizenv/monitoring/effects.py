"""Reads behind a warning's charts and its 整改成效: the indicator series of the warned region and its peers over
the monitored months (scored as every page scores them, through the analysis cube), and the rectification effect
of each warning with measures, computed by the pure `effect.rectification_effect`.

Which series: a warning compares values or scores (its facts say which); the overdue and missing-report rules
compare facts from raw records, so their effect is read from the indicator itself — the score of a first-level or
composite node, the value of a leaf. The peers of an effect are the other monitored regions that had no warning
on that indicator in the monitored months, so that a change every region went through is not credited to the
measures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bizenv.analysis.cubes import ScoreCube
from bizenv.analysis.selectors import score_cube
from bizenv.core.errors import ApplicationError
from bizenv.evaluation.scoring import TOTAL
from bizenv.indicators.models import SystemVersion
from bizenv.monitoring.effect import Effect, SummaryRow, effect_summary, rectification_effect
from bizenv.monitoring.models import ACTIVE_STATUSES, Warning
from bizenv.monitoring.selectors import level1_of, monitored_periods, monitored_regions
from bizenv.monitoring.specs import RuleKind
from bizenv.observations.quality import HIGHER_BETTER, LOWER_BETTER

SCORE = "score"
VALUE = "value"
SCORE_UNIT = "分"
FACT_KINDS = frozenset({RuleKind.OVERDUE, RuleKind.MISSING_REPORT})


@dataclass(frozen=True)
class MonitoredCube:
    """The cube of one system version over its monitored months and regions."""

    version: SystemVersion
    periods: tuple[str, ...]
    cube: ScoreCube | None  # None when nothing is monitored yet


@dataclass(frozen=True)
class WarningSeries:
    """One indicator of every monitored region over the monitored months: values (a leaf) or scores."""

    indicator_code: str
    indicator_name: str
    measure: str  # VALUE or SCORE
    unit: str
    direction: str  # lower_better / higher_better
    periods: tuple[str, ...]
    regions: tuple[str, ...]
    region_names: tuple[str, ...]
    table: np.ndarray  # (R, P) NaN where missing
    region: str  # the warned region

    def row(self, code: str) -> list[float | None]:
        at = self.regions.index(code)
        return [None if np.isnan(v) else float(v) for v in self.table[at]]

    @property
    def own(self) -> list[float | None]:
        return self.row(self.region)

    @property
    def average(self) -> list[float | None]:
        """Per period, the mean over the regions with a figure."""
        out = []
        for p in range(len(self.periods)):
            column = self.table[:, p]
            present = column[~np.isnan(column)]
            out.append(float(present.mean()) if present.size else None)
        return out

    @property
    def best(self) -> list[float | None]:
        """Per period, the best figure among the regions (by the indicator's direction)."""
        out = []
        for p in range(len(self.periods)):
            column = self.table[:, p]
            present = column[~np.isnan(column)]
            if not present.size:
                out.append(None)
            else:
                out.append(float(present.min() if self.direction == LOWER_BETTER else present.max()))
        return out

    def at(self, period: str) -> list[tuple[str, str, float | None]]:
        """(code, name, figure) of every region in one period."""
        if period not in self.periods:
            return []
        p = self.periods.index(period)
        return [(code, name, None if np.isnan(self.table[r, p]) else float(self.table[r, p]))
                for r, (code, name) in enumerate(zip(self.regions, self.region_names, strict=True))]

    @property
    def last_period(self) -> str:
        """The latest period in which any region has a figure ("" when none)."""
        for p in range(len(self.periods) - 1, -1, -1):
            if not np.isnan(self.table[:, p]).all():
                return self.periods[p]
        return ""


def monitored_cube(*, system_version: SystemVersion) -> MonitoredCube:
    """The monitored months and regions of a version, scored (empty when nothing is monitored yet)."""
    periods = monitored_periods(system_version=system_version)
    regions = monitored_regions(system_version=system_version, periods=periods) if periods else []
    if not periods or not regions:
        return MonitoredCube(system_version, tuple(periods), None)
    cube = score_cube(version=system_version, regions=regions, periods=periods)
    return MonitoredCube(system_version, tuple(periods), cube)


def _measure(warning: Warning, *, is_leaf: bool) -> str:
    """What the warning's series is: its facts' measure for the rules over values and scores; for the rules over
    raw-record facts, the leaf's value or the node's score."""
    if warning.indicator_code == TOTAL or not is_leaf:
        return SCORE
    if warning.kind not in FACT_KINDS and (warning.facts or {}).get("measure") == SCORE:
        return SCORE
    return VALUE


def warning_series(*, warning: Warning, monitored: MonitoredCube | None = None) -> WarningSeries | None:
    """The warned indicator for every monitored region over the monitored months; None when the region or the
    indicator is not in the monitored cube (e.g. nothing monitored yet)."""
    monitored = monitored or monitored_cube(system_version=warning.system_version)
    cube = monitored.cube
    if cube is None or warning.region.code not in cube.regions:
        return None
    system = cube.system
    node = system.node_index.get(warning.indicator_code)
    if node is None:
        return None
    leaves = system.leaf_index
    is_leaf = warning.indicator_code in leaves
    measure = _measure(warning, is_leaf=is_leaf)
    if measure == SCORE:
        ranked = cube.ranks[:, :, node] > 0
        table = np.where(ranked, cube.scores[:, :, node], np.nan)
        unit, direction = SCORE_UNIT, HIGHER_BETTER
    else:
        leaf = leaves[warning.indicator_code]
        table = np.array(cube.values[:, :, leaf], dtype=float)
        spec = system.specs[node]
        unit = spec.unit if spec is not None else ""
        direction = spec.direction if spec is not None else ""
        if direction not in (LOWER_BETTER, HIGHER_BETTER):
            direction = LOWER_BETTER if system.best[leaf] < system.worst[leaf] else HIGHER_BETTER
    name = "综合得分" if warning.indicator_code == TOTAL else system.names[node]
    return WarningSeries(indicator_code=warning.indicator_code, indicator_name=name, measure=measure, unit=unit,
                         direction=direction, periods=tuple(cube.periods), regions=tuple(cube.regions),
                         region_names=tuple(cube.region_names), table=table, region=warning.region.code)


def _warned_regions(*, warning: Warning, periods: Sequence[str]) -> set[str]:
    """Regions with a warning on the same indicator at any time in the periods (the warned region included)."""
    if not periods:
        return set()
    first, last = periods[0], periods[-1]
    out = set()
    for code, status, start, checked, latest in (
            Warning.objects.filter(system_version_id=warning.system_version_id,
                                   indicator_code=warning.indicator_code, first_period__lte=last)
            .values_list("region__code", "status", "first_period", "last_checked_period", "last_period")):
        end = last if status in ACTIVE_STATUSES else max(checked or "", latest or "")
        if end >= first and start <= last:
            out.add(code)
    return out


def warning_effect(*, warning: Warning, series: WarningSeries | None = None,
                   monitored: MonitoredCube | None = None) -> Effect | None:
    """The 整改成效 of a warning with measures (None without a first measure, or when its indicator is not
    monitored or has no direction)."""
    if not warning.first_measure_period:
        return None
    series = series or warning_series(warning=warning, monitored=monitored)
    if series is None:
        return None
    excluded = _warned_regions(warning=warning, periods=series.periods) | {warning.region.code}
    peers = {name: series.row(code) for code, name in zip(series.regions, series.region_names, strict=True)
             if code not in excluded}
    try:
        return rectification_effect(periods=series.periods, treated=series.own, peers=peers,
                                    first_measure_period=warning.first_measure_period,
                                    direction=series.direction, unit=series.unit,
                                    indicator_name=series.indicator_name, region_name=warning.region.name)
    except ApplicationError:
        return None


@dataclass
class EffectsOverview:
    """The effects of the warnings with measures, summed up per region and per indicator."""

    count: int = 0  # warnings with measures
    judged: int = 0  # of them, with enough periods for a verdict
    unknown: int = 0  # of them, whose indicator is not monitored (no effect computed)
    by_region: list[SummaryRow] = field(default_factory=list)
    by_indicator: list[SummaryRow] = field(default_factory=list)

    @property
    def too_few(self) -> int:
        return sum(row.too_few for row in self.by_region)


def effects_overview(*, warnings: Iterable[Warning]) -> EffectsOverview:
    """effect_summary per region and per indicator (named with its first-level parent) over the warnings that
    have measures; one scored cube per system version."""
    chosen = [w for w in warnings if w.first_measure_period]
    overview = EffectsOverview(count=len(chosen))
    cubes: dict[int, MonitoredCube] = {}
    parents: dict[int, dict[str, tuple[str, str]]] = {}
    by_region, by_indicator = [], []
    for warning in sorted(chosen, key=lambda w: (w.region.path, w.indicator_code, w.pk)):
        version_id = warning.system_version_id
        if version_id not in cubes:
            cubes[version_id] = monitored_cube(system_version=warning.system_version)
            parents[version_id] = level1_of(system_version=warning.system_version)
        effect = warning_effect(warning=warning, monitored=cubes[version_id])
        if effect is None:
            overview.unknown += 1
            continue
        by_region.append((warning.region.name, effect))
        top_code, top_name = parents[version_id].get(warning.indicator_code, ("", ""))
        name = warning.indicator_name
        if top_code and top_code not in (warning.indicator_code, TOTAL):
            name = f"{top_name} · {name}"
        by_indicator.append((name, effect))
    overview.by_region = effect_summary(by_region)
    overview.by_indicator = effect_summary(by_indicator)
    overview.judged = sum(row.judged for row in overview.by_region)
    return overview
