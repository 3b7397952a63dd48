"""JSON API of analysis (对比分析、自查自评): changes, combined query, comparison, gaps, what-if, forecast, peers.

Every endpoint needs VIEW_DASHBOARD and only ever reads regions the user may see.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpResponse
from ninja import Query, Router, Schema

from bizenv.analysis import charts, selectors
from bizenv.analysis.changes import KIND_LABELS, base_period, change_kind, change_report
from bizenv.analysis.comparison import compare_region
from bizenv.analysis.forecast import forecast_series
from bizenv.analysis.gaps import gap_decomposition, gap_target
from bizenv.analysis.peers import find_peers
from bizenv.analysis.query import query_rows, query_xlsx, rows_as_dicts
from bizenv.analysis.schemas import (
    BenchmarkOut,
    ChangesOut,
    CompareOut,
    ForecastOut,
    GapsOut,
    PeersOut,
    QueryOut,
    WhatIfIn,
    WhatIfOut,
)
from bizenv.analysis.whatif import what_if
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, period_range
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["对比分析与自查自评"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class RegionPeriod(Schema):
    region: str
    period: str
    system: str = ""
    scope: str = ""


class ChangesParams(RegionPeriod):
    kind: str = "yoy"
    top: int = 5


@router.get("/changes", response=ChangesOut, summary="同比、环比：每一级指标的数值、得分、排名变化及优势劣势")
def changes(request, params: Query[ChangesParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    kind = change_kind(params.kind)
    period = str(Period.parse(params.period))
    version = selectors.analysis_version(system_code=params.system)
    region = selectors.region_visible(user=request.user, code=params.region)
    regions = selectors.comparison_regions(user=request.user, region=region, scope=params.scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[base_period(period, kind), period])
    report = change_report(cube, region=region.code, period=period, kind=kind, top=params.top)
    return {**asdict(report), "kind": str(kind), "kind_label": KIND_LABELS[kind],
            "regions_compared": len(regions), "chart": charts.change_bar(report)}


class QueryParams(Schema):
    regions: str
    periods: str = ""
    start: str = ""
    end: str = ""
    indicators: str = ""
    system: str = ""
    format: str = "json"


@router.get("/query", response=QueryOut,
            summary="组合查询：任意区域 × 时期 × 指标的指标值、得分与排名（format=xlsx 下载 Excel）")
def query(request, params: Query[QueryParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    if params.format not in ("json", "xlsx"):
        raise ApplicationError("format 只能是 json 或 xlsx。")
    codes = _split(params.regions)
    if not codes:
        raise ApplicationError("请至少指定一个区域（regions=区域代码，多个以逗号分隔）。")
    if params.start or params.end:
        if not (params.start and params.end):
            raise ApplicationError("按区间查询时 start 与 end 都要填写。")
        periods = [str(p) for p in period_range(Period.parse(params.start), Period.parse(params.end))]
        periods = selectors.periods_parse(periods)
    else:
        periods = selectors.periods_parse(_split(params.periods))
    version = selectors.analysis_version(system_code=params.system)
    regions = selectors.regions_visible(user=request.user, codes=codes)
    cube = selectors.score_cube(version=version, regions=regions, periods=periods)
    rows = query_rows(cube, indicators=_split(params.indicators))
    if params.format == "xlsx":
        response = HttpResponse(query_xlsx(rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="analysis-query-{periods[0]}.xlsx"'
        return response
    return {"count": len(rows), "rows": rows_as_dicts(rows)}


@router.get("/compare", response=CompareOut,
            summary="对比分析：与本市（省）最优地区、最佳实践城市值和前沿值比较")
def compare(request, params: Query[RegionPeriod]):
    require(request.user, Permission.VIEW_DASHBOARD)
    period = str(Period.parse(params.period))
    version = selectors.analysis_version(system_code=params.system)
    region = selectors.region_visible(user=request.user, code=params.region)
    regions = selectors.comparison_regions(user=request.user, region=region, scope=params.scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    rows = compare_region(cube, region=region.code, period=period, benchmarks=selectors.benchmark_refs())
    level1 = [r for r in rows if r.level == 1]
    return {"region": region.code, "region_name": region.name, "period": period,
            "regions_compared": [r.code for r in regions], "rows": [asdict(r) for r in rows],
            "chart": charts.benchmark_radar(level1, region_name=region.name)}


class GapParams(RegionPeriod):
    target: str = "frontier"
    level: int | None = None
    top: int | None = None


@router.get("/gaps", response=GapsOut, summary="差距分解：各指标与前沿、与最优地区相比丢失的综合得分，按可挽回分值排序")
def gaps(request, params: Query[GapParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    target = gap_target(params.target)
    period = str(Period.parse(params.period))
    version = selectors.analysis_version(system_code=params.system)
    region = selectors.region_visible(user=request.user, code=params.region)
    regions = selectors.comparison_regions(user=request.user, region=region, scope=params.scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    report = gap_decomposition(cube, region=region.code, period=period, level=params.level, target=target,
                               top=params.top)
    return {**asdict(report), "target": str(target), "total_gap": report.total_gap,
            "chart": charts.gap_waterfall(report)}


@router.post("/whatif", response=WhatIfOut, summary="情景模拟：修改一个或多个指标值后的综合得分与排名")
def whatif(request, body: WhatIfIn):
    require(request.user, Permission.VIEW_DASHBOARD)
    period = str(Period.parse(body.period))
    changes_by_code: dict[str, float | None] = {}
    for change in body.changes:
        if change.indicator in changes_by_code:
            raise ApplicationError(f"指标“{change.indicator}”重复修改。")
        changes_by_code[change.indicator] = change.value
    version = selectors.analysis_version(system_code=body.system)
    region = selectors.region_visible(user=request.user, code=body.region)
    regions = selectors.comparison_regions(user=request.user, region=region, scope=body.scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    result = what_if(cube, region=region.code, period=period, changes=changes_by_code)
    return {**asdict(result), "composite_delta": result.composite_delta}


class ForecastParams(Schema):
    region: str
    indicator: str = "TOTAL"
    period: str
    history: int = 24
    horizon: int = 6
    level: float = 0.9
    measure: str = ""
    system: str = ""


@router.get("/forecast", response=ForecastOut,
            summary="预测：某指标未来若干期的数值或得分及预测区间（ETS；数据较少时用简单方法）")
def forecast(request, params: Query[ForecastParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    if not 1 <= params.history <= selectors.MAX_PERIODS:
        raise ApplicationError(f"历史期数应在 1 到 {selectors.MAX_PERIODS} 之间。")
    periods = selectors.period_history(period=params.period, count=params.history)
    version = selectors.analysis_version(system_code=params.system)
    region = selectors.region_visible(user=request.user, code=params.region)
    cube = selectors.score_cube(version=version, regions=[region], periods=periods)
    node = cube.node_at(params.indicator)
    is_leaf = node in set(int(n) for n in cube.system.leaf_nodes)
    measure = params.measure or ("value" if is_leaf else "score")
    if measure not in ("value", "score"):
        raise ApplicationError("measure 只能是 value（指标值）或 score（得分）。")
    if measure == "value" and not is_leaf:
        raise ApplicationError(f"指标“{params.indicator}”不是末级指标，没有指标值，只能预测得分（measure=score）。")
    series = (cube.node_values() if measure == "value" else cube.scores)[0, :, node]
    result = forecast_series(list(series), periods, horizon=params.horizon, level=params.level)
    spec = cube.system.specs[node]
    unit = (spec.unit if spec else "") if measure == "value" else "分"
    name = cube.system.names[node] + ("" if measure == "value" else "得分")
    return {**asdict(result), "region": region.code, "indicator": params.indicator, "indicator_name": name,
            "measure": measure, "unit": unit, "method_label": result.method_label,
            "chart": charts.trend_with_forecast(result, name=f"{region.name} {name}", unit=unit)}


class PeerParams(Schema):
    region: str
    k: int = 5


@router.get("/peers", response=PeersOut, summary="同类地区：同一分组或人口、经济规模相近的地区")
def peers(request, params: Query[PeerParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    region = selectors.region_visible(user=request.user, code=params.region)
    result = find_peers(selectors.peer_candidates(user=request.user, region=region), region=region.code,
                        k=params.k)
    return asdict(result)


@router.get("/benchmarks", response=list[BenchmarkOut], summary="最佳实践城市与最佳指标值")
def benchmarks(request):
    require(request.user, Permission.VIEW_DASHBOARD)
    return [asdict(ref) for ref in selectors.benchmark_refs().values()]
