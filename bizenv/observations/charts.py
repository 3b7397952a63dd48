"""ECharts options of the reporting pages (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from bizenv.observations.rounds import Tally

SERIES = (
    ("locked", "已锁定", "#0f4c97"),
    ("approved", "已审核", "#13a89e"),
    ("submitted", "已提交", "#5aa1e3"),
    ("draft", "草稿", "#f9a825"),
    ("returned", "已退回", "#ef6c00"),
    ("missing", "未填报", "#c62828"),
)


def completeness_bar(rows: Sequence[Tally]) -> dict:
    """Stacked horizontal bars: owed items per department (or region) by status."""
    labels = [r.label for r in rows][::-1]
    return {
        "color": [c for _, _, c in SERIES],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 10, "right": 30, "top": 36, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value", "name": "项", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "axisLabel": {"fontSize": 12}},
        "series": [
            {"name": name, "type": "bar", "stack": "total", "barMaxWidth": 22,
             "data": [getattr(r, key) for r in rows][::-1]}
            for key, name, _ in SERIES
        ],
    }
