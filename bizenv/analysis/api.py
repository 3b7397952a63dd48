"""JSON API of analysis (对比分析、自查自评): changes, combined query, comparison, gaps, what-if, forecast, peers.

Every endpoint needs VIEW_DASHBOARD and only ever reads regions the user may see.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpResponse
from ninja import Query, Router, Schema

from bizenv.analysis import reports, selectors
from bizenv.analysis.peers import find_peers
from bizenv.analysis.query import query_xlsx, rows_as_dicts
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
from bizenv.core.errors import ApplicationError
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
    return reports.changes_report(user=request.user, region=params.region, period=params.period, kind=params.kind,
                                  system=params.system, scope=params.scope, top=params.top)


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
    periods = reports.query_periods(periods=_split(params.periods), start=params.start, end=params.end)
    rows = reports.combined_query(user=request.user, regions=codes, periods=periods,
                                  indicators=_split(params.indicators), system=params.system)
    if params.format == "xlsx":
        response = HttpResponse(query_xlsx(rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="analysis-query-{periods[0]}.xlsx"'
        return response
    return {"count": len(rows), "rows": rows_as_dicts(rows)}


@router.get("/compare", response=CompareOut,
            summary="对比分析：与本市（省）最优地区、最佳实践城市值和前沿值比较")
def compare(request, params: Query[RegionPeriod]):
    require(request.user, Permission.VIEW_DASHBOARD)
    return reports.comparison_report(user=request.user, region=params.region, period=params.period,
                                     system=params.system, scope=params.scope)


class GapParams(RegionPeriod):
    target: str = "frontier"
    level: int | None = None
    top: int | None = None


@router.get("/gaps", response=GapsOut, summary="差距分解：各指标与前沿、与最优地区相比丢失的综合得分，按可挽回分值排序")
def gaps(request, params: Query[GapParams]):
    require(request.user, Permission.VIEW_DASHBOARD)
    return reports.gaps_report(user=request.user, region=params.region, period=params.period, target=params.target,
                               level=params.level, top=params.top, system=params.system, scope=params.scope)


@router.post("/whatif", response=WhatIfOut, summary="情景模拟：修改一个或多个指标值后的综合得分与排名")
def whatif(request, body: WhatIfIn):
    require(request.user, Permission.VIEW_DASHBOARD)
    changes_by_code: dict[str, float | None] = {}
    for change in body.changes:
        if change.indicator in changes_by_code:
            raise ApplicationError(f"指标“{change.indicator}”重复修改。")
        changes_by_code[change.indicator] = change.value
    return reports.whatif_report(user=request.user, region=body.region, period=body.period,
                                 changes=changes_by_code, system=body.system, scope=body.scope)


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
    return reports.forecast_report(user=request.user, region=params.region, period=params.period,
                                   indicator=params.indicator, history=params.history, horizon=params.horizon,
                                   level=params.level, measure=params.measure, system=params.system)


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
