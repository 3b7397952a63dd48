"""Monitoring figures and rules as people read them, pure: the labelled figures of a 预警说明, a warning's key
figure, a rule's scope and parameters in Chinese. No code, enum value or Python repr reaches a page."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bizenv.evaluation.scoring import TOTAL
from bizenv.monitoring.explain import number_text, percent_text, period_text
from bizenv.monitoring.specs import COMPARE_LABELS, LEAVES, RULE_KIND_LABELS, SEVERITY_LABELS, RuleKind

DASH = "—"
MEASURE_LABELS = {"value": "指标值", "score": "得分"}
DIRECTION_LABELS = {"lower_better": "越低越好", "higher_better": "越高越好"}
SEVERITY_CSS = {"red": "severity-red", "orange": "severity-orange", "yellow": "severity-yellow"}
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级", 6: "六级"}
SCORE_KINDS = frozenset({RuleKind.LAG_BEST, RuleKind.BOTTOM_RANK})
VALUE_KINDS = frozenset({RuleKind.THRESHOLD, RuleKind.LAG_BENCHMARK, RuleKind.FLUCTUATION})


def kind_label(kind: str) -> str:
    return RULE_KIND_LABELS.get(kind, "其他规则")


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, "未定级")


def severity_css(severity: str) -> str:
    return SEVERITY_CSS.get(severity, "")


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _shares(kind: str, unit: str) -> bool:
    """Overdue figures in % are shares (0.125), every other % figure is already a percentage (12.5)."""
    return kind == RuleKind.OVERDUE and unit == "%"


def figure_text(value, unit: str = "", *, kind: str = "") -> str:
    """A figure with its unit, rounded to 2 decimals (whole numbers without), "—" when unknown."""
    number = _number(value)
    if number is None:
        return DASH
    if _shares(kind, unit):
        return percent_text(number)
    return number_text(number, unit)


# ------------------------------------------------------------------------------------ the facts of a warning


def facts_rows(facts: Mapping, *, kind: str) -> list[tuple[str, str]]:
    """(Chinese label, shown value) for the figures of a 预警说明 (Warning.facts: ExplanationFacts as a dict)."""
    facts = facts or {}
    unit = facts.get("unit") or ""

    def text(key: str) -> str:
        value = facts.get(key)
        return value if isinstance(value, str) and value else DASH

    def number(key: str) -> str:
        return figure_text(facts.get(key), unit, kind=kind)

    rows = [("指标", "综合得分" if facts.get("indicator") == TOTAL else text("indicator_name"))]
    if facts.get("parent_name"):
        rows.append(("所属一级指标", facts["parent_name"]))
    rows += [
        ("地区", text("region_name")),
        ("时期", period_text(facts["period"]) if facts.get("period") else DASH),
        ("比较对象", MEASURE_LABELS.get(facts.get("measure", ""), DASH)),
        ("指标方向", DIRECTION_LABELS.get(facts.get("direction", ""), DASH)),
        ("本地区", "截止日期前未报送" if kind == RuleKind.MISSING_REPORT else number("own")),
        ("平均值", number("average")),
        ("最优地区", text("best_region_name")),
        ("最优值", number("best")),
        ("标杆值", number("benchmark")),
        ("标杆地区", text("benchmark_cities")),
    ]
    reference_label = facts.get("reference_label") or "比较基准"
    if kind == RuleKind.BOTTOM_RANK:
        n = _number(facts.get("reference"))
        rows.append(("预警范围", f"排名末 {int(n)} 位" if n is not None else DASH))
    elif kind == RuleKind.MISSING_REPORT:
        pass  # the deadline and the round are among the extra figures
    else:
        rows.append((reference_label, number("reference")))
    bottom, ranked = _number(facts.get("rank_from_bottom")), _number(facts.get("ranked"))
    rows.append(("排名", f"倒数第 {int(bottom)} 位" if bottom is not None else DASH))
    rows.append(("参与排名地区数", f"{int(ranked)} 个" if ranked is not None else DASH))
    for item in facts.get("extra") or ():
        if isinstance(item, (list, tuple)) and len(item) == 2:
            rows.append((str(item[0]), str(item[1]) if item[1] not in (None, "") else DASH))
    return rows


def key_figure(warning) -> str:
    """The one figure a list row shows: the compared value against its reference, with the unit."""
    facts = warning.facts or {}
    kind = warning.kind
    unit = facts.get("unit") or ""
    own = facts.get("own", warning.value)
    reference = facts.get("reference", warning.reference)
    label = facts.get("reference_label") or "比较基准"
    extra = dict(tuple(item) for item in facts.get("extra") or () if isinstance(item, (list, tuple)) and len(item) == 2)
    if kind == RuleKind.BOTTOM_RANK:
        bottom = _number(facts.get("rank_from_bottom"))
        ranked = _number(facts.get("ranked"))
        where = f"倒数第 {int(bottom)} 位" if bottom is not None else DASH
        of = f"（共 {int(ranked)} 个，{label}）" if ranked is not None else f"（{label}）"
        return f"得分 {figure_text(own, unit)}，{where}{of}"
    if kind == RuleKind.FLUCTUATION:
        change = extra.get("变化") or figure_text(warning.value, unit)
        return f"{extra.get('比较方式', '变化')} {change}（{label} {figure_text(reference, unit)}）"
    if kind == RuleKind.MISSING_REPORT:
        deadline = extra.get("截止日期")
        return f"截止日期 {deadline} 前未报送" if deadline else "未按期报送"
    if kind == RuleKind.OVERDUE:
        what = "超期办结占比" if unit == "%" else "超期未办结"
        return f"{what} {figure_text(own, unit, kind=kind)}（{label.removeprefix('允许')}上限 " \
               f"{figure_text(reference, unit, kind=kind)}）"
    return f"{figure_text(own, unit)}（{label} {figure_text(reference, unit)}）"


def history_reference_label(warning) -> str:
    """The heading of what each period's figure was compared with."""
    if warning.kind == RuleKind.BOTTOM_RANK:
        return "预警范围"
    if warning.kind == RuleKind.MISSING_REPORT:
        return "要求"
    return (warning.facts or {}).get("reference_label") or "比较基准"


def history_rows(warning) -> list[dict[str, str]]:
    """Each period the warning fired: the compared figure and what it was compared with."""
    unit = (warning.facts or {}).get("unit") or ""
    rows = []
    for entry in warning.history or []:
        value, reference = _number(entry.get("value")), _number(entry.get("reference"))
        if warning.kind == RuleKind.MISSING_REPORT:
            shown, bound = "截止日期前未报送", "按期报送"
        elif warning.kind == RuleKind.BOTTOM_RANK:
            shown = f"第 {int(value)} 名" if value is not None else DASH
            bound = f"第 {int(reference)} 名之后（末位区间）" if reference is not None else DASH
        else:
            shown = figure_text(value, unit, kind=warning.kind)
            bound = figure_text(reference, unit, kind=warning.kind)
        rows.append({"period": period_text(entry.get("period", "")), "value": shown, "reference": bound})
    return rows


def periods_text(first: str, last: str) -> str:
    """首次—最近 as 2026年8月—2026年10月 (one period alone when they are the same)."""
    if not first:
        return DASH
    if first == last or not last:
        return period_text(first)
    return f"{period_text(first)}—{period_text(last)}"


# ------------------------------------------------------------------------------------------------ rules


def level_text(level: str) -> str:
    level = str(level or "").strip()
    if level == LEAVES:
        return "全部末级指标"
    if level == "0":
        return "综合得分"
    if level.isdigit():
        n = int(level)
        return f"{LEVEL_NAMES.get(n, f'{n} 级')}指标（第 {n} 层）"
    return DASH


def scope_text(*, kind: str, indicators: Sequence[str], level: str, region_groups: Sequence[str],
               names: Mapping[str, str]) -> str:
    """What a rule watches, in Chinese: its indicators by name, or its level, and the 同类分组 it is limited to."""
    if indicators:
        shown = ["综合得分" if c == TOTAL else names.get(c, f"（体系中没有的指标 {c}）") for c in indicators]
        text = "指标：" + "、".join(shown)
    elif str(level or "").strip():
        text = level_text(level)
        if kind in VALUE_KINDS and text not in ("全部末级指标",):
            text += "下的末级指标"
    elif kind == RuleKind.OVERDUE:
        text = "办件数据集对应的一级指标"
    elif kind == RuleKind.MISSING_REPORT:
        text = "全部应报送的指标"
    elif kind in VALUE_KINDS:
        text = "全部末级指标"
    else:
        text = "综合得分与全部指标"
    if region_groups:
        text += "；限同类分组：" + "、".join(region_groups)
    return text


def _ratio(value) -> str:
    number = _number(value)
    return percent_text(number) if number is not None else DASH


def params_text(*, kind: str, params: Mapping, dataset_names: Mapping[str, str] | None = None) -> str:
    """A rule's parameters as one Chinese phrase."""
    p = params or {}
    if kind == RuleKind.THRESHOLD:
        return f"预警线 {figure_text(p.get('line'))}（按指标单位，越低越好的指标高于预警线、越高越好的低于预警线时预警）"
    if kind == RuleKind.LAG_BEST:
        return f"得分落后最优地区超过 {figure_text(p.get('gap'))} 分"
    if kind == RuleKind.LAG_BENCHMARK:
        return f"与标杆值的差距超过标杆值的 {_ratio(p.get('ratio'))}"
    if kind == RuleKind.FLUCTUATION:
        compare = COMPARE_LABELS.get(p.get("compare") or "pop", "环比")
        history = p.get("min_history")
        history_text = f"，此前至少 {int(history)} 次变化" if _number(history) is not None else "，此前至少 6 次变化"
        return f"{compare}变化超过此前变化标准差的 {figure_text(p.get('k'))} 倍且向不利方向{history_text}"
    if kind == RuleKind.BOTTOM_RANK:
        n = _number(p.get("n"))
        return f"排名末 {int(n)} 位（参评地区多于 {int(n)} 个时）" if n is not None else DASH
    if kind == RuleKind.OVERDUE:
        parts = []
        if _number(p.get("limit")) is not None:
            parts.append(f"超期办结占比超过 {_ratio(p.get('limit'))}")
        if _number(p.get("open_limit")) is not None:
            parts.append(f"超期未办结超过 {int(p['open_limit'])} 件")
        if not parts:
            parts.append("有超期未办结的办件")
        dataset = p.get("dataset") or "service_cases"
        name = (dataset_names or {}).get(dataset, "")
        return "，或".join(parts) + (f"（数据集：{name}）" if name else "")
    if kind == RuleKind.MISSING_REPORT:
        return "填报轮次截止日期前未报送指标值"
    return DASH
