"""ECharts option builders for analysis: plain data in, option dict out."""

from __future__ import annotations

from collections.abc import Sequence

from bizenv.analysis.changes import KIND_LABELS, ChangeReport
from bizenv.analysis.comparison import ComparisonRow
from bizenv.analysis.forecast import Forecast
from bizenv.analysis.gaps import TARGET_LABELS, GapReport
from bizenv.analysis.query import QueryTable
from bizenv.core.charts import BAND, DOWN, NEUTRAL, UP
from bizenv.core.charts import rounded as _round


def change_bar(report: ChangeReport, *, codes: Sequence[str] | None = None) -> dict:
    """Score changes (同比/环比) of the chosen nodes (default: level-1) as bars, gains and losses coloured."""
    rows = [report.row(c) for c in codes] if codes else [r for r in report.rows if r.level == 1]
    data = [{"value": _round(r.score_delta),
             "itemStyle": {"color": UP if (r.score_delta or 0) >= 0 else DOWN}} for r in rows]
    label = KIND_LABELS[report.kind]
    return {
        "title": {"text": f"{report.region_name} {report.period} 得分{label}（基期 {report.base_period}）",
                  "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 60, "right": 20, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [r.name for r in rows],
                  "axisLabel": {"interval": 0, "rotate": 40 if len(rows) > 6 else 0, "fontSize": 11}},
        "yAxis": {"type": "value", "name": "得分变化（分）"},
        "series": [{"type": "bar", "name": f"{label}变化", "data": data,
                    "label": {"show": True, "position": "top", "fontSize": 10}}],
    }


def trend_with_forecast(forecast: Forecast, *, name: str, unit: str = "") -> dict:
    """History as a line, the forecast as a dashed line with its prediction interval as a shaded band."""
    periods = list(forecast.history_periods) + list(forecast.periods)
    gap = [None] * len(forecast.history_periods)
    last = forecast.history[-1] if forecast.history else None
    # The forecast line starts at the last observed point so that the two lines join.
    mean = gap[:-1] + [last] + list(forecast.mean) if gap else list(forecast.mean)
    lower = [None] * len(gap) + [_round(v, 4) for v in forecast.lower]
    width = [None] * len(gap) + [
        None if lo is None or hi is None else round(hi - lo, 4) for lo, hi in zip(forecast.lower, forecast.upper,
                                                                               strict=True)]
    level = f"{forecast.level:.0%}"
    return {
        "title": {"text": f"{name} 趋势与预测（{forecast.method_label}）", "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["历史值", "预测值", f"{level} 预测区间"]},
        "xAxis": {"type": "category", "data": periods, "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [
            {"type": "line", "name": "历史值", "data": list(forecast.history), "itemStyle": {"color": NEUTRAL},
             "connectNulls": False},
            {"type": "line", "name": "预测值", "data": [_round(v, 4) for v in mean],
             "lineStyle": {"type": "dashed"}, "itemStyle": {"color": UP}},
            {"type": "line", "name": "区间下限", "data": lower, "stack": "band", "symbol": "none",
             "lineStyle": {"opacity": 0}, "tooltip": {"show": False}},
            {"type": "line", "name": f"{level} 预测区间", "data": width, "stack": "band", "symbol": "none",
             "lineStyle": {"opacity": 0}, "areaStyle": {"color": BAND, "opacity": 0.3}},
        ],
    }


def gap_waterfall(report: GapReport, *, top: int = 10) -> dict:
    """Composite points lost per indicator as a waterfall from the composite up to the target."""
    rows = [r for r in report.rows if r.gap(report.target) > 0][:top]
    rest = report.total_gap - sum(r.gap(report.target) for r in rows)
    names = ["当前综合得分", *(r.name for r in rows)] + (["其他"] if rest > 1e-9 else [])
    steps = [r.gap(report.target) for r in rows] + ([rest] if rest > 1e-9 else [])
    base, hidden = report.composite or 0.0, []
    for step in steps:
        hidden.append(round(base, 4))
        base += step
    target = TARGET_LABELS[report.target]
    return {
        "title": {"text": f"{report.region_name} {report.period} 与{target}的差距分解", "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 60, "right": 20, "bottom": 90, "containLabel": True},
        "xAxis": {"type": "category", "data": names + [f"{target}水平"], "axisLabel": {"rotate": 40, "fontSize": 11}},
        "yAxis": {"type": "value", "name": "综合得分（分）"},
        "series": [
            {"type": "bar", "stack": "gap", "name": "辅助", "itemStyle": {"color": "transparent"},
             "data": [0, *hidden, 0], "tooltip": {"show": False}},
            {"type": "bar", "stack": "gap", "name": "可挽回分值",
             "data": [{"value": _round(report.composite), "itemStyle": {"color": NEUTRAL}},
                      *({"value": round(s, 4), "itemStyle": {"color": DOWN}} for s in steps),
                      {"value": round(base, 4), "itemStyle": {"color": UP}}],
             "label": {"show": True, "position": "top", "fontSize": 10}},
        ],
    }


def gap_bar(report: GapReport, *, top: int = 10) -> dict:
    """The indicators that would win back the most composite points, as ranked horizontal bars."""
    rows = list(report.rows[:top])[::-1]
    return {
        "color": [DOWN],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 10, "right": 40, "containLabel": True},
        "xAxis": {"type": "value", "name": "可挽回的综合得分（分）"},
        "yAxis": {"type": "category", "data": [r.name for r in rows]},
        "series": [{"type": "bar", "data": [round(r.gap(report.target), 4) for r in rows],
                    "label": {"show": True, "position": "right"}}],
    }


def benchmark_radar(rows: Sequence[ComparisonRow], *, region_name: str) -> dict:
    """Scores of the region, the best region and the best-practice value on one radar (0–100 each axis)."""
    shown = [r for r in rows if r.score is not None]
    series = [
        {"name": region_name, "value": [_round(r.score) for r in shown]},
        {"name": "最优地区", "value": [_round(r.best_region_score) for r in shown]},
    ]
    if any(r.benchmark_score is not None for r in shown):
        series.append({"name": "最佳实践值", "value": [_round(r.benchmark_score if r.benchmark_score is not None
                                                              else 100.0) for r in shown]})
    return {
        "color": [NEUTRAL, "#f9a825", UP],
        "tooltip": {},
        "legend": {"bottom": 0, "data": [s["name"] for s in series]},
        "radar": {"indicator": [{"name": r.name, "max": 100} for r in shown], "radius": "62%"},
        "series": [{"type": "radar", "data": series}],
    }


PALETTE = ["#0f4c97", "#c62828", "#f9a825", "#2e7d32", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037",
           "#ad1457", "#558b2f", "#283593", "#00695c", "#8d6e63", "#1565c0", "#9e9d24", "#4e342e"]


def _value_axis(table: QueryTable) -> dict:
    units = {line.unit for line in table.lines}
    axis = {"type": "value", "name": units.pop() if len(units) == 1 else "", "scale": table.field != "score"}
    if table.field == "score":
        axis.update(min=0, max=100)
    if table.field == "rank":
        axis.update(inverse=True, min=1, minInterval=1)  # first place at the top
    return axis


def _digits(table: QueryTable) -> int:
    return 0 if table.field == "rank" else 2


def query_trend(table: QueryTable) -> dict:
    """One indicator over time: one line per region (对比分析, 跨时域)."""
    periods = [line.label for line in table.lines]
    series = [{"type": "line", "name": name, "connectNulls": True, "symbolSize": 6,
               "data": [_round(line.cells[i], _digits(table)) for line in table.lines]}
              for i, (_code, name) in enumerate(table.regions)]
    return {
        "color": PALETTE,
        "title": {"text": table.title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 50, "right": 30, "top": 50, "bottom": 60, "containLabel": True},
        "xAxis": {"type": "category", "data": periods, "boundaryGap": False},
        "yAxis": _value_axis(table),
        "series": series,
    }


def query_snapshot(table: QueryTable) -> dict:
    """One period across indicators: grouped bars, one bar per region in each indicator (跨区域)."""
    names = [line.label for line in table.lines]
    # Ranks are places, not amounts: dots on an inverted axis read better than bars hanging from the top.
    kind = ({"type": "line", "symbolSize": 10, "lineStyle": {"opacity": 0}} if table.field == "rank"
            else {"type": "bar", "barMaxWidth": 18})
    series = [{**kind, "name": name, "data": [_round(line.cells[i], _digits(table)) for line in table.lines]}
              for i, (_code, name) in enumerate(table.regions)]
    return {
        "color": PALETTE,
        "title": {"text": table.title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 50, "right": 30, "top": 50, "bottom": 70, "containLabel": True},
        "xAxis": {"type": "category", "data": names,
                  "axisLabel": {"interval": 0, "rotate": 30 if len(names) > 6 else 0, "fontSize": 11}},
        "yAxis": _value_axis(table),
        "series": series,
    }
