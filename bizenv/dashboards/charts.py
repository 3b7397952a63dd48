"""ECharts option builders: plain data in, option dict out."""

from __future__ import annotations

from collections.abc import Sequence

PALETTE = ["#0f4c97", "#2f7ed8", "#5aa1e3", "#13a89e", "#7cb342", "#f9a825", "#ef6c00", "#c62828",
           "#8e24aa", "#5c6bc0", "#00897b", "#6d4c41", "#546e7a", "#d81b60", "#3949ab", "#43a047",
           "#fb8c00", "#757575", "#1e88e5"]


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


def region_map(*, map_name: str, values: Sequence[dict], value_label: str, unit: str = "") -> dict:
    """A choropleth of regions; each value is {"name", "value", "key"} with key used for drill-down."""
    numbers = [v["value"] for v in values if v.get("value") is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0, 1)
    if low == high:
        high = low + 1
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>" + value_label + "：{c}" + unit},
        "visualMap": {
            "min": low, "max": high, "left": 10, "bottom": 10, "text": ["高", "低"], "calculable": True,
            "inRange": {"color": ["#d6e6f8", "#5aa1e3", "#0f4c97"]},
        },
        "series": [
            {
                "type": "map",
                "map": map_name,
                "roam": False,
                "label": {"show": True, "fontSize": 11},
                "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#f9a825"}},
                "data": list(values),
            }
        ],
    }


def horizontal_bar(items: Sequence[tuple[str, float]], *, value_label: str, unit: str = "") -> dict:
    """Ranked horizontal bars, largest at the top."""
    ordered = sorted(items, key=lambda kv: kv[1])
    return {
        "color": [PALETTE[0]],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 110, "right": 40, "top": 10, "bottom": 30},
        "xAxis": {"type": "value", "name": unit},
        "yAxis": {"type": "category", "data": [k for k, _ in ordered]},
        "series": [{"type": "bar", "name": value_label, "data": [v for _, v in ordered],
                    "label": {"show": True, "position": "right"}}],
    }
