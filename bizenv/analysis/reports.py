"""Analysis reports for one user: the one logic layer behind the analysis API, the pages and the Word reports.

Each function checks the region against the user's scope, fetches a score cube and returns the pure result
plus its chart option. Callers (API, views, report renderers) only parse input and present the output.
"""

from __future__ import annotations

from dataclasses import fields

from bizenv.analysis import charts, selectors
from bizenv.analysis.changes import KIND_LABELS, base_period, change_kind, change_report
from bizenv.analysis.comparison import compare_region
from bizenv.analysis.forecast import forecast_series
from bizenv.analysis.gaps import gap_decomposition, gap_target
from bizenv.analysis.query import QueryRow, query_rows
from bizenv.analysis.whatif import what_if
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, period_range
from bizenv.organisations.models import Region


def _shallow(report) -> dict:
    """A report dataclass's fields as a dict without copying what they hold (dataclasses.asdict deep-copies
    every nested row, 15–30 ms on a province page); pages and the API read attributes and keys alike."""
    return {f.name: getattr(report, f.name) for f in fields(report)}


def changes_report(*, user, region: str | Region, period: str | Period, kind: str = "yoy", system: str = "", scope: str = "",
                   top: int = 5) -> dict:
    """同比/环比 of every node for one region, with strengths, weaknesses and a bar chart."""
    change = change_kind(kind)
    period = str(Period.parse(str(period)))
    version = selectors.analysis_version(system_code=system)
    found = selectors.region_visible(user=user, code=region)
    regions = selectors.comparison_regions(user=user, region=found, scope=scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[base_period(period, change), period])
    report = change_report(cube, region=found.code, period=period, kind=change, top=top)
    return {**_shallow(report), "kind": str(change), "kind_label": KIND_LABELS[change],
            "regions_compared": len(regions), "chart": charts.change_bar(report), "report": report}


def query_periods(*, periods: list[str], start: str = "", end: str = "") -> list[str]:
    """The periods of a combined query: an explicit list, or every period from start to end."""
    if start or end:
        if not (start and end):
            raise ApplicationError("按区间查询时 start 与 end 都要填写。")
        periods = [str(p) for p in period_range(Period.parse(start), Period.parse(end))]
    return selectors.periods_parse(periods)


def combined_query(*, user, regions: list[str], periods: list[str], indicators: list[str] = (),
                   system: str = "") -> list[QueryRow]:
    """Rows of value, score and rank for every requested region × period × indicator (regions scoped)."""
    if not regions:
        raise ApplicationError("请至少指定一个区域（regions=区域代码，多个以逗号分隔）。")
    version = selectors.analysis_version(system_code=system)
    found = selectors.regions_visible(user=user, codes=regions)
    cube = selectors.score_cube(version=version, regions=found, periods=periods)
    return query_rows(cube, indicators=list(indicators))


def comparison_report(*, user, region: str | Region, period: str | Period, system: str = "", scope: str = "") -> dict:
    """Each node of the region against the best region, the best-practice city value and the frontier."""
    period = str(Period.parse(str(period)))
    version = selectors.analysis_version(system_code=system)
    found = selectors.region_visible(user=user, code=region)
    regions = selectors.comparison_regions(user=user, region=found, scope=scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    rows = compare_region(cube, region=found.code, period=period, benchmarks=selectors.benchmark_refs())
    level1 = [r for r in rows if r.level == 1]
    return {"region": found.code, "region_name": found.name, "period": period,
            "regions_compared": [r.code for r in regions], "rows": rows,
            "comparison_rows": rows, "chart": charts.benchmark_radar(level1, region_name=found.name)}


def gaps_report(*, user, region: str | Region, period: str | Period, target: str = "frontier", level: int | None = None,
                top: int | None = None, system: str = "", scope: str = "") -> dict:
    """Composite points lost per indicator against the frontier or the best region, largest first."""
    goal = gap_target(target)
    period = str(Period.parse(str(period)))
    version = selectors.analysis_version(system_code=system)
    found = selectors.region_visible(user=user, code=region)
    regions = selectors.comparison_regions(user=user, region=found, scope=scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    report = gap_decomposition(cube, region=found.code, period=period, level=level, target=goal, top=top)
    return {**_shallow(report), "target": str(goal), "total_gap": report.total_gap,
            "chart": charts.gap_waterfall(report), "bar_chart": charts.gap_bar(report), "report": report}


def whatif_report(*, user, region: str | Region, period: str | Period, changes: dict[str, float | None], system: str = "",
                  scope: str = "") -> dict:
    """The composite score and rank of the region if the given indicator values changed."""
    period = str(Period.parse(str(period)))
    version = selectors.analysis_version(system_code=system)
    found = selectors.region_visible(user=user, code=region)
    regions = selectors.comparison_regions(user=user, region=found, scope=scope)
    cube = selectors.score_cube(version=version, regions=regions, periods=[period])
    result = what_if(cube, region=found.code, period=period, changes=changes)
    return {**_shallow(result), "composite_delta": result.composite_delta, "result": result}


def forecast_report(*, user, region: str | Region, period: str | Period, indicator: str = "TOTAL", history: int = 24,
                    horizon: int = 6, level: float = 0.9, measure: str = "", system: str = "") -> dict:
    """History of one indicator (value for a leaf, else score) and its forecast with an interval."""
    if not 1 <= history <= selectors.MAX_PERIODS:
        raise ApplicationError(f"历史期数应在 1 到 {selectors.MAX_PERIODS} 之间。")
    periods = selectors.period_history(period=period, count=history)
    version = selectors.analysis_version(system_code=system)
    found = selectors.region_visible(user=user, code=region)
    cube = selectors.score_cube(version=version, regions=[found], periods=periods)
    node = cube.node_at(indicator)
    is_leaf = node in set(int(n) for n in cube.system.leaf_nodes)
    measure = measure or ("value" if is_leaf else "score")
    if measure not in ("value", "score"):
        raise ApplicationError("measure 只能是 value（指标值）或 score（得分）。")
    if measure == "value" and not is_leaf:
        raise ApplicationError(f"指标“{indicator}”不是末级指标，没有指标值，只能预测得分（measure=score）。")
    series = (cube.node_values() if measure == "value" else cube.scores)[0, :, node]
    result = forecast_series(list(series), periods, horizon=horizon, level=level)
    if measure == "score":  # a score cannot leave 0–100, whatever the trend says
        result = result.clipped(0.0, 100.0)
    spec = cube.system.specs[node]
    unit = (spec.unit if spec else "") if measure == "value" else "分"
    name = cube.system.names[node]
    if measure == "score" and not name.endswith("得分"):
        name += "得分"
    return {**_shallow(result), "region": found.code, "region_name": found.name, "indicator": indicator,
            "indicator_name": name, "measure": measure, "unit": unit, "method_label": result.method_label,
            "chart": charts.trend_with_forecast(result, name=f"{found.name} {name}", unit=unit),
            "forecast": result}
