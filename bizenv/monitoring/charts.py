"""ECharts options of the monitoring pages, pure: the warning map, a warned indicator's trend with its warning
line, the peer comparison of one month, and the 整改成效 chart with periods read as 2026年10月."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bizenv.core import charts
from bizenv.core.charts import BAND, GOLD, NEUTRAL, WARNING_COLOR, rounded
from bizenv.monitoring.explain import period_text

SEVERITY_COLORS = {"red": "#d50000", "orange": "#ef6c00", "yellow": "#f9a825"}
SEVERITY_NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
CALM = "#d6e6f8"  # a region without an open warning


def warning_map(*, map_name: str, regions: Sequence[tuple[str, str]], warned: Mapping[str, tuple[int, str]]) -> dict:
    """The regions ((code, name)) coloured by the highest severity of their open warnings, the count as value;
    `warned` is {code: (count, severity)}."""
    data = []
    for code, name in regions:
        count, severity = warned.get(code, (0, ""))
        item = {"name": name, "key": code, "value": count}
        color = SEVERITY_COLORS.get(severity)
        if color:
            item["itemStyle"] = {"areaColor": color}
            item["severity"] = SEVERITY_NAMES[severity]
        data.append(item)
    option = charts.region_map(map_name=map_name, values=data, value_label="未销号预警", unit=" 条")
    option.pop("visualMap", None)
    option["tooltip"] = {"trigger": "item", "formatter": "{b}<br/>未销号预警：{c} 条"}
    series = option["series"][0]
    series["itemStyle"] = {"areaColor": CALM, "borderColor": "#ffffff"}
    series["emphasis"] = {"label": {"show": True}, "itemStyle": {"areaColor": "#5aa1e3"}}
    option["legend"] = {"show": False}
    return option


def _labels(periods: Sequence[str]) -> list[str]:
    return [period_text(p) for p in periods]


def trend(*, periods: Sequence[str], own: Sequence[float | None], own_name: str, unit: str,
          average: Sequence[float | None] | None = None, best: Sequence[float | None] | None = None,
          best_name: str = "最优地区", marks: Sequence[tuple[float, str]] = (),
          warned: Sequence[str] = ()) -> dict:
    """The region's figure per month, the average of the regions (dashed), optionally the best region's figure,
    and horizontal lines (`marks`: (value, label) — the warning line, a benchmark); the warned months are marked
    on the region's line."""
    lines = [(own_name, [rounded(v) for v in own])]
    if average is not None:
        lines.append(("各地区平均", [rounded(v) for v in average]))
    if best is not None:
        lines.append((best_name, [rounded(v) for v in best]))
    option = charts.trend_line(_labels(periods), lines, unit=unit)
    option["color"] = [NEUTRAL, BAND, GOLD]
    option["yAxis"] = {"type": "value", "name": unit, "scale": True}
    option["grid"] = {**option["grid"], "right": 72}
    for series in option["series"][1:]:
        series["lineStyle"] = {"type": "dashed"}
    first = option["series"][0]
    labels = dict(zip(periods, _labels(periods), strict=True))
    points = [{"name": "预警", "coord": [labels[p], rounded(own[list(periods).index(p)])]}
              for p in warned if p in labels and own[list(periods).index(p)] is not None]
    if points:
        first["markPoint"] = {"symbol": "circle", "symbolSize": 10, "itemStyle": {"color": WARNING_COLOR},
                              "label": {"show": False}, "data": points}
    shown = [(value, label) for value, label in marks if value is not None]
    if shown:
        first["markLine"] = {"symbol": "none", "silent": True,
                             "lineStyle": {"color": WARNING_COLOR, "type": "dashed", "width": 2},
                             "label": {"position": "insideEndTop", "color": WARNING_COLOR},
                             "data": [{"yAxis": rounded(value), "name": label,
                                       "label": {"formatter": f"{label} {rounded(value)}{unit}"}}
                                      for value, label in shown]}
    return option


def peers(*, items: Sequence[tuple[str, float | None]], own_name: str, unit: str, lower_better: bool,
          value_label: str) -> dict:
    """Every region's figure in one month, best at the top; the warned region in the warning colour and the
    average as a vertical line."""
    present = [v for _n, v in items if v is not None]
    ordered = sorted(items, key=lambda item: (item[1] is None, (item[1] or 0) if lower_better else -(item[1] or 0)))
    option = charts.category_bars([(name, rounded(v)) for name, v in ordered], value_label=value_label,
                                  unit=unit, highlight={own_name}, label_width=8)
    if present:
        mean = sum(present) / len(present)
        option["series"][0]["markLine"] = {
            "symbol": "none", "silent": True, "lineStyle": {"color": GOLD, "type": "dashed", "width": 2},
            "label": {"formatter": f"平均 {rounded(mean)}{unit}", "position": "end", "color": "#8a6d00"},
            "data": [{"xAxis": rounded(mean)}]}
        # room above the bars for the average's label, which sits at the line's top end
        option["grid"] = {**option.get("grid", {}), "top": 34}
    return option


def with_period_labels(option: dict) -> dict:
    """A chart over periods (x axis 2026-08 …) with its periods read as 2026年8月 (axis and marked lines)."""
    axis = option.get("xAxis")
    if isinstance(axis, dict) and axis.get("type") == "category":
        axis["data"] = _labels(axis.get("data", []))
    for series in option.get("series", []):
        for mark in (series.get("markLine") or {}).get("data", []):
            if isinstance(mark, dict) and "xAxis" in mark and isinstance(mark["xAxis"], str):
                mark["xAxis"] = period_text(mark["xAxis"])
    return option
