"""ECharts options of the 任务督办 pages, pure: the on-time rate by unit (bars), due items per month (on time and
overdue stacked, the rate as a line) and the items by status (a ring). Inputs are `stats.Tally` rows and counts."""

from __future__ import annotations

from collections.abc import Sequence

from bizenv.core.charts import NEUTRAL, PALETTE
from bizenv.core.periods import Period
from bizenv.workflows.stats import Tally

GOOD = "#2e7d32"
LATE = "#c62828"
FAIR = NEUTRAL
GOOD_RATE = 0.95  # 95 % and above: green; under 80 %: red
POOR_RATE = 0.80
STATUS_COLORS = {
    "draft": "#9aa5b1", "issued": "#f9a825", "returned": "#8e24aa", "in_progress": "#2f7ed8",
    "submitted": "#13a89e", "approved": "#2e7d32", "cancelled": "#757575",
}


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def rate_color(rate: float | None) -> str:
    if rate is None:
        return "#9aa5b1"
    if rate >= GOOD_RATE:
        return GOOD
    return FAIR if rate >= POOR_RATE else LATE


def month_label(key: str) -> str:
    try:
        return Period.parse(key).label
    except Exception:  # a month key is always YYYY-MM; anything else is shown as it is
        return key


def rate_order(tallies: Sequence[Tally]) -> list[Tally]:
    """The order of the on-time tables and bars: highest rate first, then more items due, nothing due last."""
    return sorted(tallies, key=lambda t: (t.rate is None, -(t.rate or 0), -t.due, t.key))


LABEL_WIDTH = 96  # px: a unit's name wraps onto a second line instead of being cut


def rate_bars(tallies: Sequence[Tally], *, label_width: int = LABEL_WIDTH) -> dict:
    """按期完成率 per unit, in the order of the table beside it (highest at the top); units with nothing due are
    left out. Long names wrap (never cut). Each bar's tooltip gives the counts behind the rate; bars are green
    from 95 %, blue from 80 %, red below."""
    rows = [t for t in rate_order(tallies) if t.due]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}%"},
        "grid": {"left": 12, "right": 56, "top": 10, "bottom": 36, "containLabel": True},
        "xAxis": {"type": "value", "name": "%", "min": 0, "max": 100},
        "yAxis": {"type": "category", "inverse": True, "data": [t.name for t in rows],
                  "axisLabel": {"interval": 0, "fontSize": 11, "lineHeight": 14, "width": label_width,
                                "overflow": "break"}},
        "series": [{
            "type": "bar", "name": "按期完成率", "barMaxWidth": 22,
            "label": {"show": True, "position": "right", "formatter": "{c}%", "fontSize": 11},
            "data": [{"name": f"{t.name}（应完成 {t.due} 项，按期 {t.on_time} 项，逾期 {t.overdue} 项）",
                      "value": percent(t.rate), "key": t.key, "itemStyle": {"color": rate_color(t.rate)}}
                     for t in rows],
        }],
    }


def bars_height(option: dict, *, per_bar: int = 34, minimum: int = 360) -> int:
    """The height (px) a bar chart needs so that every (two-line) label has room."""
    return max(minimum, per_bar * len(option["yAxis"]["data"]) + 60)


def monthly_chart(tallies: Sequence[Tally]) -> dict:
    """Per month of deadline: items done on time and overdue stacked (together the items due), the on-time rate
    as a line on the right axis. Months in calendar order; months with nothing due yet are left out."""
    rows = sorted((t for t in tallies if t.due), key=lambda t: t.key)
    return {
        "color": [GOOD, LATE, NEUTRAL],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": ["按期完成", "逾期", "按期完成率"]},
        "grid": {"left": 48, "right": 56, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [month_label(t.key) for t in rows]},
        "yAxis": [{"type": "value", "name": "项", "minInterval": 1},
                  {"type": "value", "name": "%", "min": 0, "max": 100, "splitLine": {"show": False}}],
        "series": [
            {"type": "bar", "name": "按期完成", "stack": "due", "barMaxWidth": 36, "data": [t.on_time for t in rows]},
            {"type": "bar", "name": "逾期", "stack": "due", "barMaxWidth": 36, "data": [t.overdue for t in rows]},
            {"type": "line", "name": "按期完成率", "yAxisIndex": 1, "smooth": False, "symbolSize": 6,
             "label": {"show": True, "formatter": "{c}%", "fontSize": 10},
             "data": [percent(t.rate) for t in rows]},
        ],
    }


def status_ring(counts: Sequence[tuple[str, str, int]]) -> dict:
    """The items by status ((status, label, count)), each status in its colour."""
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 项（{d}%）"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{
            "type": "pie", "name": "任务状态", "radius": ["40%", "68%"], "center": ["50%", "45%"],
            "label": {"formatter": "{b}\n{c} 项", "fontSize": 11},
            "data": [{"name": label, "value": count, "key": status,
                      "itemStyle": {"color": STATUS_COLORS.get(status, PALETTE[0])}}
                     for status, label, count in counts if count],
        }],
    }

