"""ECharts options of the 问题整治清单, pure: the small trend line of a list item's indicator — the mean over the
regions concerned against the mean over every monitored region, the month it was listed marked."""

from __future__ import annotations

from collections.abc import Sequence

from bizenv.core import charts
from bizenv.core.charts import BAND, WARNING_COLOR, rounded
from bizenv.monitoring.explain import period_text


def problem_trend(*, periods: Sequence[str], concerned: Sequence[float | None], everyone: Sequence[float | None],
                  unit: str, listed_period: str = "", compact: bool = False) -> dict:
    """Two lines over the months (2026年3月 …): 涉及地区平均 (solid, the warning colour) and 全部地区平均 (dashed);
    a vertical line at the month the problem was listed for. `compact` drops the legend and axis names for a
    table cell."""
    labels = [period_text(p) for p in periods]
    option = charts.trend_line(labels, [("涉及地区平均", [rounded(v) for v in concerned]),
                                        ("全部地区平均", [rounded(v) for v in everyone])], unit=unit)
    option["color"] = [WARNING_COLOR, BAND]
    option["yAxis"] = {"type": "value", "name": "" if compact else unit, "scale": True}
    option["series"][1]["lineStyle"] = {"type": "dashed"}
    option["grid"] = {**option["grid"], "right": 48}
    if listed_period in periods:
        option["series"][0]["markLine"] = {
            "symbol": "none", "silent": True, "lineStyle": {"color": "#8a6d00", "type": "dotted"},
            "label": {"formatter": "列入月份", "position": "insideEndTop", "color": "#8a6d00"},
            "data": [{"xAxis": period_text(listed_period)}]}
    if compact:
        option["legend"] = {"show": False}
        option["grid"] = {"left": 36, "right": 8, "top": 8, "bottom": 20}
        option["xAxis"]["axisLabel"] = {"fontSize": 10}
        option["yAxis"]["axisLabel"] = {"fontSize": 10}
        for series in option["series"]:
            series["symbolSize"] = 3
            if "markLine" in series:
                series["markLine"]["label"] = {"show": False}
    return option
