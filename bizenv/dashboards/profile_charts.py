"""ECharts option builders for the indicator page and the region profile: plain data in, option dict out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bizenv.core.charts import DOWN, GOLD, NEUTRAL, UP
from bizenv.core.charts import rounded as _round

HIGHLIGHT = UP
BEST = GOLD
BENCHMARK = DOWN


@dataclass(frozen=True)
class DistributionItem:
    code: str
    name: str
    value: float | None
    rank: int  # 0 = unranked


def distribution_order(items: Sequence[DistributionItem]) -> list[DistributionItem]:
    """Items with a value, best rank first; unranked ones after them by name."""
    shown = [i for i in items if i.value is not None]
    return sorted(shown, key=lambda i: (i.rank == 0, i.rank, i.name))


def distribution_bar(items: Sequence[DistributionItem], *, highlight: str, measure: str, unit: str = "",
                     benchmark: float | None = None, benchmark_label: str = "") -> dict:
    """One bar per region, best first from the top, the chosen region in red; an optional best-practice line."""
    rows = distribution_order(items)
    series: dict = {
        "type": "bar", "name": measure,
        "data": [{"value": _round(i.value), "itemStyle": {"color": HIGHLIGHT if i.code == highlight else NEUTRAL}}
                 for i in rows],
        "label": {"show": True, "position": "right", "fontSize": 11},
        "barMaxWidth": 22,
    }
    if benchmark is not None:
        series["markLine"] = {
            "symbol": "none", "lineStyle": {"color": BENCHMARK, "type": "dashed", "width": 2},
            "label": {"formatter": benchmark_label or "最佳实践", "position": "start", "color": BENCHMARK},
            "data": [{"xAxis": benchmark}],
        }
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 10, "right": 70, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value", "name": unit, "scale": False},
        "yAxis": {"type": "category", "inverse": True, "data": [i.name for i in rows],
                  "axisLabel": {"interval": 0, "fontSize": 12}},
        "series": [series],
    }


@dataclass(frozen=True)
class CompositePoint:
    period: str
    score: float | None
    rank: int  # 0 = unranked


def composite_rank_line(points: Sequence[CompositePoint], *, region_name: str, ranked: int = 0) -> dict:
    """Composite score (left axis) and, when `ranked` regions are compared, the rank (right axis, 1 at the top)."""
    series = [{"type": "line", "name": "综合得分", "data": [_round(p.score) for p in points], "yAxisIndex": 0,
               "itemStyle": {"color": NEUTRAL}, "smooth": False, "connectNulls": False}]
    y_axes = [{"type": "value", "name": "综合得分（分）", "scale": True}]
    legend = ["综合得分"]
    if ranked > 1:
        series.append({"type": "line", "name": "排名", "yAxisIndex": 1, "step": "middle",
                       "data": [p.rank or None for p in points], "itemStyle": {"color": BEST},
                       "lineStyle": {"type": "dashed"}})
        y_axes.append({"type": "value", "name": f"排名（共 {ranked} 个）", "inverse": True, "min": 1, "max": ranked,
                       "minInterval": 1, "splitLine": {"show": False}})
        legend.append("排名")
    return {
        "title": {"text": f"{region_name} 综合得分{'与排名' if ranked > 1 else ''}走势", "left": "center",
                  "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": legend},
        "grid": {"left": 10, "right": 10, "top": 50, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": [p.period for p in points], "boundaryGap": False},
        "yAxis": y_axes,
        "series": series,
    }


@dataclass(frozen=True)
class TopicScore:
    name: str
    score: float | None
    best_score: float | None


def topic_scores_bar(rows: Sequence[TopicScore], *, region_name: str, best_label: str = "最优地区") -> dict:
    """Level-1 scores of the region next to the best region's (when given), horizontal bars per indicator."""
    shown = [r for r in rows if r.score is not None or r.best_score is not None]
    series = [{"type": "bar", "name": region_name, "data": [_round(r.score) for r in shown], "barMaxWidth": 14,
               "label": {"show": True, "position": "right", "fontSize": 10}}]
    if any(r.best_score is not None for r in shown):
        series.append({"type": "bar", "name": best_label, "data": [_round(r.best_score) for r in shown],
                       "barMaxWidth": 14})
    return {
        "color": [NEUTRAL, BEST],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": [s["name"] for s in series]},
        "grid": {"left": 10, "right": 50, "top": 10, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "value", "name": "得分", "max": 100},
        "yAxis": {"type": "category", "inverse": True, "data": [r.name for r in shown],
                  "axisLabel": {"interval": 0, "fontSize": 12}},
        "series": series,
    }
