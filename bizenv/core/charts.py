"""ECharts option builders shared by every app: plain data in, option dict out (static/js/charts.js draws
them). The platform's colours live here: rises in red and falls in green, as Chinese dashboards show them."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence

PALETTE = ["#0f4c97", "#2f7ed8", "#5aa1e3", "#13a89e", "#7cb342", "#f9a825", "#ef6c00", "#c62828",
           "#8e24aa", "#5c6bc0", "#00897b", "#6d4c41", "#546e7a", "#d81b60", "#3949ab", "#43a047",
           "#fb8c00", "#757575", "#1e88e5"]
WARNING_COLOR = "#d50000"
NEUTRAL = "#0f4c97"  # the platform blue: plain bars and lines
UP = "#c62828"  # gains
DOWN = "#2e7d32"  # losses
BAND = "#5aa1e3"  # forecast intervals and secondary lines
GOLD = "#f9a825"  # the highlighted item (the region looked at, the best value)


def rounded(value: float | None, digits: int = 2) -> float | None:
    """A value for a chart's data: rounded, None kept (ECharts draws a gap)."""
    return None if value is None else round(value, digits)


def weights_pie(items: Sequence[tuple[str, float]], *, title: str = "") -> dict:
    """A ring chart of sibling weights as percentages of their total."""
    total = sum(w for _, w in items) or 1.0
    return {
        "color": PALETTE,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}} if title else {},
        "tooltip": {"trigger": "item", "formatter": "{b}：{d}%"},
        "series": [
            {
                "type": "pie",
                "radius": ["38%", "68%"],
                "center": ["50%", "55%"],
                "label": {"formatter": "{b}\n{d}%", "fontSize": 11},
                "data": [{"name": name, "value": round(w * 100 / total, 2)} for name, w in items],
            }
        ],
    }


def region_map(*, map_name: str, values: Sequence[dict], value_label: str, unit: str = "",
               warnings: Sequence[dict] = ()) -> dict:
    """A choropleth of regions; each value is {"name", "value", "key"} with key used for drill-down.

    `warnings` ({"name", "key", "reason", optional "coord": [lng, lat]}) draw a red border round each warned
    region and, where a centre is known, a pulsing marker on an invisible geo layer aligned with the map.
    """
    numbers = [v["value"] for v in values if v.get("value") is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0, 1)
    if low == high:
        high = low + 1
    warned = {w["key"]: w for w in warnings}
    data = [
        {**v, "itemStyle": {"borderColor": WARNING_COLOR, "borderWidth": 3},
         "label": {"color": WARNING_COLOR, "fontWeight": "bold"}} if v.get("key") in warned else dict(v)
        for v in values
    ]
    option = {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>" + value_label + "：{c}" + unit},
        "visualMap": {
            "min": round(low, 2), "max": round(high, 2), "left": 10, "bottom": 10, "text": ["高", "低"],
            "calculable": True, "seriesIndex": 0,
            "inRange": {"color": ["#d6e6f8", "#5aa1e3", "#0f4c97"]},
        },
        "series": [
            {
                "type": "map",
                "map": map_name,
                "roam": False,
                "z": 2,
                "label": {"show": True, "fontSize": 11},
                # Small districts of a city centre crowd their names: a label that would overlap another
                # is hidden (its name still shows on hover).
                "labelLayout": {"hideOverlap": True},
                "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#f9a825"}},
                "data": data,
            }
        ],
    }
    markers = [w for w in warnings if w.get("coord")]
    if markers:
        # Same map and default layout as the series, so the markers sit on their regions; silent and
        # transparent so clicks and colours stay the map series' own.
        option["geo"] = {"map": map_name, "roam": False, "silent": True, "z": 1, "label": {"show": False},
                         "itemStyle": {"areaColor": "rgba(0,0,0,0)", "borderWidth": 0}}
        option["series"].append({
            "type": "effectScatter", "name": "预警", "coordinateSystem": "geo", "z": 5, "symbolSize": 11,
            "symbolOffset": [0, -15],
            "rippleEffect": {"brushType": "stroke", "scale": 3.5}, "itemStyle": {"color": WARNING_COLOR},
            "tooltip": {"formatter": "{b}"},
            "data": [{"name": f"⚠ {w['name']}：{w.get('reason', '')}", "key": w["key"], "value": list(w["coord"])}
                     for w in markers],
        })
    return option


def horizontal_bar(items: Sequence[tuple], *, value_label: str, unit: str = "",
                   marked: Collection[str] = ()) -> dict:
    """Ranked horizontal bars, largest at the top.

    Items are (name, value) or (name, value, key); with a key each bar carries it for drill-down
    (data-click-url). Bars whose key or name is in `marked` are drawn in the warning colour.
    """
    ordered = sorted(items, key=lambda item: item[1])
    keyed = any(len(item) > 2 for item in ordered)

    def bar(item):
        if not keyed and item[0] not in marked:
            return item[1]
        point = {"value": item[1]}
        if len(item) > 2:
            point["key"] = item[2]
        if item[0] in marked or (len(item) > 2 and item[2] in marked):
            point["itemStyle"] = {"color": WARNING_COLOR}
        return point

    return {
        "color": [PALETTE[0]],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 10, "right": 40, "top": 10, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {"type": "category", "data": [item[0] for item in ordered]},
        "series": [{"type": "bar", "name": value_label, "data": [bar(item) for item in ordered],
                    "label": {"show": True, "position": "right"}}],
    }


def category_bars(items: Sequence[tuple[str, float | None]], *, value_label: str, unit: str = "",
                  highlight: Collection[str] = (), label_width: int = 7, vertical: bool = False) -> dict:
    """Bars in the given order (horizontal: first at the top; vertical: first on the left); a missing value
    shows as “无数据”. Long names are cut to `label_width` characters on the axis (the tooltip shows them whole).
    """
    rows = list(items) if vertical else list(reversed(items))

    def short(name: str) -> str:
        return name if len(name) <= label_width else name[:label_width - 1] + "…"

    categories = {"type": "category", "data": [short(name) for name, _v in rows],
                  "axisLabel": {"interval": 0, "fontSize": 11, **({"rotate": 40} if vertical else {})}}
    values = {"type": "value", "name": unit}
    return {
        "color": [PALETTE[1]],
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}" + unit},
        "grid": {"left": 10, "right": 16 if vertical else 56, "top": 28 if vertical else 10, "bottom": 10,
                 "containLabel": True},
        "xAxis": categories if vertical else values,
        "yAxis": values if vertical else categories,
        "series": [{
            "type": "bar", "name": value_label,
            "data": [{"name": name, "value": "-" if v is None else v,
                      **({"itemStyle": {"color": WARNING_COLOR}} if name in highlight else {}),
                      **({"label": {"show": True, "formatter": "无数据"}} if v is None else {})}
                     for name, v in rows],
            "label": {"show": True, "position": "top" if vertical else "right", "fontSize": 11},
        }],
    }


def trend_line(periods: Sequence[str], lines: Sequence[tuple[str, Sequence[float | None]]], *,
               unit: str = "分") -> dict:
    """One line per series over the periods; gaps where a period has no value."""
    values = [v for _n, series in lines for v in series if v is not None]
    low = max(0, int(min(values) // 10 * 10) - 10) if values else 0
    return {
        "color": [PALETTE[0], PALETTE[4], PALETTE[7], PALETTE[5]],
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [name for name, _s in lines]},
        "grid": {"left": 48, "right": 24, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "boundaryGap": False, "data": list(periods)},
        "yAxis": {"type": "value", "name": unit, "min": low, "max": 100},
        "series": [{"type": "line", "name": name, "smooth": True, "connectNulls": False, "symbolSize": 5,
                    "data": ["-" if v is None else v for v in series]}
                   for name, series in lines],
    }


DARK_TEXT = "#cfe3ff"
DARK_LINE = "#2c4a7a"
DARK_BACKGROUND = "#0a1a33"


def _dark_axis(axis):
    if isinstance(axis, list):
        return [_dark_axis(a) for a in axis]
    axis = dict(axis)
    axis["axisLabel"] = {**axis.get("axisLabel", {}), "color": DARK_TEXT}
    axis["axisLine"] = {**axis.get("axisLine", {}), "lineStyle": {"color": DARK_LINE}}
    axis["splitLine"] = {**axis.get("splitLine", {}), "lineStyle": {"color": "#1b335a"}}
    axis["nameTextStyle"] = {"color": DARK_TEXT}
    return axis


def dark(option: dict) -> dict:
    """The same chart for a dark screen: dark background, light text, dim grid lines, bright map colours."""
    out = copy.deepcopy(option)
    out["backgroundColor"] = DARK_BACKGROUND
    out["textStyle"] = {"color": DARK_TEXT}
    out["color"] = ["#35c3ff", "#5be0a8", "#ffb74d", "#ff6e6e", *PALETTE]
    for key in ("xAxis", "yAxis"):
        if key in out:
            out[key] = _dark_axis(out[key])
    if "legend" in out:
        out["legend"] = {**out["legend"], "textStyle": {"color": DARK_TEXT}}
    if out.get("title"):
        out["title"] = {**out["title"], "textStyle": {**out["title"].get("textStyle", {}), "color": "#ffffff"}}
    if "visualMap" in out:
        out["visualMap"] = {**out["visualMap"], "textStyle": {"color": DARK_TEXT},
                            "inRange": {"color": ["#12355f", "#1f78b4", "#35c3ff"]}}
    out["tooltip"] = {**out.get("tooltip", {}), "backgroundColor": "rgba(10,26,51,0.92)",
                      "borderColor": "#35c3ff", "textStyle": {"color": "#ffffff"}}
    for series in out.get("series", []):
        if series.get("type") == "map":
            series["itemStyle"] = {"borderColor": "#7fb8ff", "areaColor": "#12355f"}
            series["label"] = {**series.get("label", {}), "color": "#ffffff"}
            series["emphasis"] = {"label": {"show": True, "color": "#0a1a33"}, "itemStyle": {"areaColor": "#ffd54f"}}
            for item in series.get("data", []):
                if isinstance(item, dict) and "label" in item:
                    item["label"] = {**item["label"], "color": "#ffd54f"}
                    item["itemStyle"] = {**item.get("itemStyle", {}), "borderColor": "#ff3b3b"}
        elif series.get("type") == "bar" and "label" in series:
            series["label"] = {**series["label"], "color": DARK_TEXT}
        elif series.get("type") == "pie":
            series["label"] = {**series.get("label", {}), "color": DARK_TEXT}
    return out
