"""ECharts option builders of the topic pages: plain data in, option dict out (charts.js draws them)."""

from __future__ import annotations

from collections.abc import Sequence

from bizenv.core.charts import DOWN, GOLD, NEUTRAL, UP
from bizenv.core.charts import rounded as _round

PALETTE = [NEUTRAL, GOLD, UP, "#13a89e", "#7cb342", "#8e24aa"]
HIGHLIGHT = GOLD


def region_bar(items: Sequence[tuple[str, str, float | None]], *, value_label: str, unit: str = "",
               highlight: str = "", signed: bool = False) -> dict:
    """Horizontal bars of regions, largest at the top; each bar carries its region code as `key` so that a
    click can drill down. `signed` colours gains and losses (for 同比/环比 changes)."""
    shown = sorted(((code, name, value) for code, name, value in items if value is not None), key=lambda x: x[2])

    def colour(code: str, value: float) -> str:
        if signed:
            return UP if value >= 0 else DOWN
        return HIGHLIGHT if code == highlight else PALETTE[0]

    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 10, "right": 50, "top": 10, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "value", "name": unit, "scale": signed},
        "yAxis": {"type": "category", "data": [name for _, name, _ in shown]},
        "series": [{"type": "bar", "name": value_label, "cursor": "pointer",
                    "data": [{"value": _round(v), "key": code, "itemStyle": {"color": colour(code, v)}}
                             for code, _, v in shown],
                    "label": {"show": True, "position": "right"}}],
    }


def line_chart(periods: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               unit: str = "", title: str = "") -> dict:
    """One line per series over the periods (gaps where a value is missing)."""
    return {
        "color": PALETTE,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}} if title else {},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": [name for name, _ in series]},
        "grid": {"left": 10, "right": 20, "top": 40 if title else 20, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": list(periods), "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [{"type": "line", "name": name, "data": [_round(v) for v in values], "connectNulls": False}
                   for name, values in series],
    }


def score_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> dict:
    """Grouped vertical bars of scores (0–100) per category, one colour per series."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": [name for name, _ in series]},
        "grid": {"left": 10, "right": 20, "top": 20, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": list(categories), "axisLabel": {"interval": 0, "fontSize": 11,
                                                                  "rotate": 30 if len(categories) > 5 else 0}},
        "yAxis": {"type": "value", "name": "分", "max": 100},
        "series": [{"type": "bar", "name": name, "data": [_round(v) for v in values]} for name, values in series],
    }
