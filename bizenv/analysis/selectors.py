"""Reads for analysis: the system to analyse, the regions a user may compare, observations as score cubes.

Everything is scoped by the region policy (VIEW_DASHBOARD): a region the user may not see is never fetched.
Scores are computed on the fly by evaluation.scoring from approved (or locked) observations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from bizenv.analysis.comparison import BenchmarkRef
from bizenv.analysis.cubes import ScoreCube, cube_build
from bizenv.analysis.models import BenchmarkValue
from bizenv.analysis.peers import RegionProfile
from bizenv.core.data_versions import OBSERVATIONS, data_version
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import CompiledSystem, ScoringError, compile_system
from bizenv.indicators.models import SystemVersion
from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, active_version, version_spec
from bizenv.observations.models import ObservationStatus, SpecialValue
from bizenv.observations.rounds import cycle_kind
from bizenv.observations.selectors import observations_as_of
from bizenv.organisations.models import Region, RegionLevel
from bizenv.organisations.permissions import Permission, can, regions_for

# Only reviewed data enters analysis: drafts and returned values may still change.
ANALYSED_STATUSES = (ObservationStatus.APPROVED, ObservationStatus.LOCKED)
# Counties, districts and development zones are ranked together (区县); cities with cities.
LEVEL_GROUPS = {
    RegionLevel.COUNTY: (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE),
    RegionLevel.DISTRICT: (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE),
    RegionLevel.ZONE: (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE),
    RegionLevel.CITY: (RegionLevel.CITY,),
    RegionLevel.PROVINCE: (RegionLevel.PROVINCE,),
}
MAX_PERIODS = 240
MAX_REGIONS = 500

_compiled: dict[tuple, CompiledSystem] = {}


def analysis_version(*, system_code: str = "") -> SystemVersion:
    """The published version analysed (the active one of the system); a Chinese error if there is none."""
    version = active_version(system_code=system_code or DEFAULT_SYSTEM_CODE)
    if version is None:
        raise ApplicationError(f"指标体系 {system_code or DEFAULT_SYSTEM_CODE} 没有已发布的版本，无法分析。",
                               code=ErrorCode.NOT_FOUND)
    return version


def version_compiled(*, version: SystemVersion) -> CompiledSystem:
    """The version's tree compiled for scoring (published versions never change, so it is cached)."""
    # Keyed by more than the id: ids can be reused (e.g. after a rolled-back test transaction).
    key = (version.pk, version.system.code, version.version, version.published_at)
    if key not in _compiled or not version.is_published:
        try:
            compiled = compile_system(version_spec(version=version))
        except ScoringError as exc:
            raise ApplicationError(f"指标体系 {version} 无法计分：{exc}") from None
        if not version.is_published:
            return compiled
        _compiled[key] = compiled
    return _compiled[key]


def periods_parse(texts: Sequence[str]) -> list[str]:
    """Normalised period labels in the given order, without repeats; Chinese errors for bad ones."""
    out: list[str] = []
    for text in texts:
        label = str(Period.parse(text))
        if label not in out:
            out.append(label)
    if not out:
        raise ApplicationError("请至少指定一个时期，例如 2026-03。")
    kinds = {Period.parse(p).kind for p in out}
    if len(kinds) > 1:
        raise ApplicationError("一次查询的时期类型必须相同（全部为月、季度或年度）。")
    if len(out) > MAX_PERIODS:
        raise ApplicationError(f"一次最多查询 {MAX_PERIODS} 个时期。")
    return out


def period_history(*, period: str, count: int) -> list[str]:
    """The `count` periods ending with `period`, oldest first."""
    end = Period.parse(period)
    return [str(end.shift(i - count + 1)) for i in range(count)]


def region_visible(*, user, code: str | Region) -> Region:
    """One region the user may see, else a Chinese not-found error (the same whether absent or hidden). A page
    that has already resolved the region passes it: it is checked against the grants without another query."""
    if isinstance(code, Region):
        if not can(user, Permission.VIEW_DASHBOARD, code):
            raise ApplicationError(f"区域 {code.code} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
        return code
    region = regions_for(user, Permission.VIEW_DASHBOARD).filter(code=code).select_related("parent").first()
    if region is None:
        raise ApplicationError(f"区域 {code} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    return region


def regions_visible(*, user, codes: Sequence[str]) -> list[Region]:
    """The given regions in the given order, each checked with region_visible."""
    if len(codes) > MAX_REGIONS:
        raise ApplicationError(f"一次最多查询 {MAX_REGIONS} 个区域。")
    found = {r.code: r for r in regions_for(user, Permission.VIEW_DASHBOARD).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ApplicationError(f"区域 {'、'.join(missing)} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    return [found[c] for c in dict.fromkeys(codes)]


def comparison_regions(*, user, region: Region, scope: str = "") -> list[Region]:
    """The regions `region` is compared and ranked with: every region of its level group under `scope`
    (a province or city code the user may see; default its own parent), always including itself.

    Ranks and the best region are comparative, as in a published evaluation, which every dashboard user
    sees whole: a county is ranked among all its peers. Only aggregates of the peers leave the reports;
    their values and raw records stay behind the region policy (region_visible, regions_visible)."""
    if scope:
        parent = region_visible(user=user, code=scope)
        if not region.path.startswith(parent.path) or region.pk == parent.pk:
            raise ApplicationError(f"区域 {region.name} 不在 {parent.name} 范围内。")
        under = parent.path
    elif region.parent_id is not None:
        under = region.parent.path
    else:
        return [region]
    levels = LEVEL_GROUPS.get(RegionLevel(region.level), (region.level,))
    found = list(Region.objects.filter(path__startswith=under, level__in=levels).exclude(path=under)
                 .order_by("path"))
    return found if any(r.pk == region.pk for r in found) else [region, *found]


_cubes: OrderedDict[tuple, ScoreCube] = OrderedDict()
_cubes_lock = threading.Lock()
CUBE_CACHE_SIZE = 64


def score_cube(*, version: SystemVersion, regions: Sequence[Region], periods: Sequence[str],
               include_optional: bool = False) -> ScoreCube:
    """Observations of the regions and periods (every leaf) scored into a cube. Callers pass regions they
    obtained from the scoped selectors above. Cubes of published versions are kept in a small per-process
    cache, keyed by everything they are computed from: observations by their data version, which every
    write of observations changes (core.data_versions) and which is read once per request."""
    if not version.is_published:
        return _score_cube(version=version, regions=regions, periods=periods, include_optional=include_optional)
    key = ((version.pk, version.system.code, version.version, version.published_at), data_version(key=OBSERVATIONS),
           tuple((r.pk, r.code, r.name, repr(sorted(r.attribute_values().items()))) for r in regions),
           tuple(periods), include_optional)
    with _cubes_lock:
        cube = _cubes.get(key)
        if cube is not None:
            _cubes.move_to_end(key)
            return cube
    cube = _score_cube(version=version, regions=regions, periods=periods, include_optional=include_optional)
    with _cubes_lock:
        _cubes[key] = cube
        while len(_cubes) > CUBE_CACHE_SIZE:
            _cubes.popitem(last=False)
    return cube


def _score_cube(*, version: SystemVersion, regions: Sequence[Region], periods: Sequence[str],
                include_optional: bool) -> ScoreCube:
    system = version_compiled(version=version)
    r_at = {r.pk: i for i, r in enumerate(regions)}
    p_at = {p: i for i, p in enumerate(periods)}
    l_at = system.leaf_index
    shape = (len(regions), len(periods), len(system.leaf_nodes))
    values = np.full(shape, np.nan)
    na = np.zeros(shape, dtype=bool)
    no_practice = np.zeros(shape, dtype=bool)
    leaf_kinds = {system.codes[node]: str(cycle_kind(system.specs[node].cycle or "")) for node in system.leaf_nodes}
    chosen = observations_as_of(system_version=version, periods=list(p_at), leaf_kinds=leaf_kinds,
                                region_ids=list(r_at), statuses=ANALYSED_STATUSES)
    for period, by_key in chosen.items():
        for (region_id, code), row in by_key.items():
            at = (r_at[region_id], p_at[period], l_at[code])
            special, value = row["special"], row["value"]
            if special == SpecialValue.NOT_APPLICABLE:
                na[at] = True
            elif special == SpecialValue.NO_PRACTICE:
                no_practice[at] = True
            elif value is not None:
                values[at] = value
    return cube_build(system, regions=[r.code for r in regions], region_names=[r.name for r in regions],
                      periods=list(periods), values=values, not_applicable=na, no_practice=no_practice,
                      attributes=[r.attribute_values() for r in regions], include_optional=include_optional)


def benchmark_refs() -> dict[str, BenchmarkRef]:
    """{indicator code: best-practice value}; with several sources, the most recent year wins."""
    out: dict[str, BenchmarkRef] = {}
    for b in BenchmarkValue.objects.order_by("indicator_code", "year", "id"):
        out[b.indicator_code] = BenchmarkRef(indicator=b.indicator_code, cities=b.cities, value=b.value,
                                             unit=b.unit, source=b.source, year=b.year)
    return out


def benchmark_list() -> list[BenchmarkValue]:
    return list(BenchmarkValue.objects.order_by("indicator_code", "id"))


def peer_candidates(*, user, region: Region) -> list[RegionProfile]:
    """Profiles of every visible region of the same level group (the region first)."""
    levels = LEVEL_GROUPS.get(RegionLevel(region.level), (region.level,))
    others = regions_for(user, Permission.VIEW_DASHBOARD).filter(level__in=levels).exclude(pk=region.pk)

    def profile(r: Region) -> RegionProfile:
        return RegionProfile(code=r.code, name=r.name, level=r.level, peer_group=r.peer_group,
                             population=float(r.population) if r.population is not None else None,
                             gdp=float(r.gdp) if r.gdp is not None else None)

    return [profile(region), *(profile(r) for r in others.order_by("path"))]
