"""The 预警说明 of a finding: its figures (`ExplanationFacts`, every number computed from the arrays of a
`MonitorInput`) and the Chinese sentence made from them.

`Figures` holds what many sentences share — each period's average, best region and best figure per indicator,
how many regions are ranked — computed once with numpy; `explanation_facts` picks one finding's figures out of
it, and `explanation_text` writes the sentence. Sentences name indicators, regions and periods in Chinese and
never show a code.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cached_property, lru_cache

import numpy as np

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import TOTAL
from bizenv.monitoring.specs import (
    COMPARE_LABELS,
    Compare,
    ExplanationFacts,
    MissingReportFact,
    MonitorInput,
    OverdueFact,
    RuleKind,
    RuleSpec,
)

LOWER_BETTER = "lower_better"
HIGHER_BETTER = "higher_better"
SCORE_UNIT = "分"
VALUE_KINDS = frozenset({RuleKind.THRESHOLD, RuleKind.LAG_BENCHMARK, RuleKind.FLUCTUATION})
SCORE_KINDS = frozenset({RuleKind.BOTTOM_RANK, RuleKind.LAG_BEST})

# Labels of ExplanationFacts.extra (shown as a table beside the sentence; the sentence reads them by label).
EXTRA_GAP = "预警差距"
EXTRA_BEHIND = "落后最优"
EXTRA_RATIO = "允许差距"
EXTRA_SHORTFALL = "与标杆差距"
EXTRA_COMPARE = "比较方式"
EXTRA_CHANGE = "变化"
EXTRA_BASE_PERIOD = "基期"
EXTRA_BASE = "基期值"
EXTRA_HISTORY = "此前变化次数"
EXTRA_K = "标准差倍数"
EXTRA_FINISHED = "办结"
EXTRA_LATE = "超期办结"
EXTRA_LATE_SHARE = "超期办结占比"
EXTRA_LIMIT = "允许超期办结占比"
EXTRA_OPEN = "超期未办结"
EXTRA_OPEN_LIMIT = "允许超期未办结"
EXTRA_ROUND = "填报轮次"
EXTRA_DEADLINE = "截止日期"
EXTRA_OWED_BY = "责任单位"
EXTRA_VALUE_PERIOD = "应报时期"


# ------------------------------------------------------------------------------------------ number text


def number_text(value: float | None, unit: str = "") -> str:
    """A figure for a sentence: 2 decimals (none when they are .00), then the unit; “—” when not a number."""
    if value is None:
        return "—"
    text = f"{value:.2f}"
    if text.endswith(".00"):
        text = text[:-3]
        if text == "-0":
            text = "0"
    elif text[-1] not in "0123456789":  # nan, inf
        return "—"
    return text + unit


def change_unit(unit: str) -> str:
    """The unit of a change: a change of a rate in % is in percentage points."""
    return "个百分点" if unit == "%" else unit


def signed_text(value: float, unit: str = "") -> str:
    """A change with its sign: +1.20天, -0.50天."""
    text = number_text(value, unit)
    return text if text.startswith("-") or text == "—" else "+" + text


def percent_text(share: float | None) -> str:
    """A share (0.125) as a percentage (12.5%)."""
    if share is None or not math.isfinite(share):
        return "—"
    value = share * 100
    return f"{round(value)}%" if abs(value - round(value)) < 5e-9 else f"{value:.1f}%"


@lru_cache(maxsize=4096)
def period_text(period: str) -> str:
    """2025-03 → 2025年3月; a period that is not a month, quarter or year stays as written."""
    try:
        return Period.parse(period).label
    except ApplicationError:
        return period


def date_text(iso: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


@lru_cache(maxsize=4096)
def base_period(period: str, compare: Compare | str) -> str | None:
    """The period a change is measured from (环比: the one before; 同比: a year earlier), None when unknown."""
    try:
        parsed = Period.parse(period)
    except ApplicationError:
        return None
    return str(parsed.year_ago() if compare == Compare.YOY else parsed.previous())


def base_indices(periods: tuple[str, ...] | list[str], compare: Compare | str) -> list[int]:
    """For each period, the position in `periods` of the period its change is measured from, −1 when that is
    not there. Periods are matched as periods, so 2025Q1 finds 2024Q4 as well as 2024-Q4."""
    at: dict[Period, int] = {}
    parsed: list[Period | None] = []
    for i, text in enumerate(periods):
        try:
            period = Period.parse(text)
        except ApplicationError:
            period = None
        parsed.append(period)
        if period is not None:
            at.setdefault(period, i)
    result = []
    for period in parsed:
        if period is None:
            result.append(-1)
        else:
            before = period.year_ago() if compare == Compare.YOY else period.previous()
            result.append(at.get(before, -1))
    return result


# ----------------------------------------------------------------------------------------- shared figures


def leaf_directions(data: MonitorInput) -> np.ndarray:
    """(L,) True where a lower value is better: the leaf's direction, else lower when best < worst."""
    system = data.system
    lower = np.empty(len(system.leaf_nodes), dtype=bool)
    for position, node in enumerate(system.leaf_nodes):
        spec = system.specs[node]
        direction = spec.direction if spec is not None else ""
        if direction in (LOWER_BETTER, HIGHER_BETTER):
            lower[position] = direction == LOWER_BETTER
        else:
            lower[position] = system.best[position] < system.worst[position]
    return lower


def _best_of(array: np.ndarray, lower: np.ndarray | bool) -> tuple[np.ndarray, np.ndarray]:
    """(best, region index of the best, −1 where none) along axis 0 of an (R, P, X) array with NaN gaps.
    `lower` (X,) or a bool says whether the smallest is best; ties go to the first region."""
    if array.shape[0] == 0:
        shape = array.shape[1:]
        return np.full(shape, np.nan), np.full(shape, -1, dtype=np.intp)
    lower = np.broadcast_to(np.asarray(lower, dtype=bool), array.shape[2:])
    keyed = np.where(lower, array, -array)  # smallest key is best
    keyed = np.where(np.isnan(keyed), np.inf, keyed)
    at = np.argmin(keyed, axis=0)
    best = np.take_along_axis(array, at[None], axis=0)[0]
    none = np.isinf(np.take_along_axis(keyed, at[None], axis=0)[0])
    best = np.where(none, np.nan, best)
    return best, np.where(none, -1, at)


def _mean(array: np.ndarray, present: np.ndarray) -> np.ndarray:
    count = present.sum(axis=0)
    total = np.where(present, array, 0.0).sum(axis=0)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


class Figures:
    """What the sentences of one MonitorInput share, computed once over all regions (a rule limited to some
    同类分组 still compares with every region evaluated)."""

    def __init__(self, data: MonitorInput):
        self.data = data
        system = data.system
        self.region_index = {code: i for i, code in enumerate(data.regions)}
        self.period_index = {period: i for i, period in enumerate(data.periods)}
        self.node_index = system.node_index
        self.leaf_of_node = np.full(len(system.codes), -1, dtype=np.intp)
        self.leaf_of_node[system.leaf_nodes] = np.arange(len(system.leaf_nodes))
        self.lower = leaf_directions(data)
        self.first_level = self._first_level()

    def _first_level(self) -> list[int]:
        system = self.data.system
        result = []
        for node in range(len(system.codes)):
            at = node
            while system.level[at] > 1:
                at = system.parent[at]
            result.append(at if system.level[node] > 1 else -1)
        return result

    @cached_property
    def node_texts(self) -> list[tuple[str, str, str, str, str]]:
        """(code, name, first-level code, first-level name, unit) of every node."""
        system = self.data.system
        texts = []
        for node, (code, name) in enumerate(zip(system.codes, system.names, strict=True)):
            top = self.first_level[node]
            spec = system.specs[node]
            texts.append((code, name, system.codes[top] if top >= 0 else "", system.names[top] if top >= 0 else "",
                          spec.unit if spec is not None else ""))
        return texts

    @cached_property
    def values(self) -> np.ndarray:
        """(R, P, L) values with N/A and No Practice as NaN (they are never compared)."""
        data = self.data
        values = np.asarray(data.values, dtype=float)
        skip = np.asarray(data.not_applicable, dtype=bool) | np.asarray(data.no_practice, dtype=bool)
        return np.where(skip, np.nan, values) if skip.any() else values

    @cached_property
    def value_average(self) -> np.ndarray:
        """(P, L) mean over the regions with a value."""
        return _mean(self.values, ~np.isnan(self.values))

    @cached_property
    def _value_best(self) -> tuple[np.ndarray, np.ndarray]:
        return _best_of(self.values, self.lower)

    @property
    def value_best(self) -> np.ndarray:
        return self._value_best[0]

    @property
    def value_best_region(self) -> np.ndarray:
        return self._value_best[1]

    @cached_property
    def ranked(self) -> np.ndarray:
        """(R, P, N) whether each region is ranked on each node (it has a score and the node counts for it)."""
        return self.data.evaluation.ranks > 0

    @cached_property
    def ranked_count(self) -> np.ndarray:
        """(P, N) how many regions are ranked."""
        return self.ranked.sum(axis=0)

    @cached_property
    def ranked_scores(self) -> np.ndarray:
        """(R, P, N) scores of the ranked regions, NaN elsewhere."""
        return np.where(self.ranked, self.data.evaluation.nodes.score, np.nan)

    @cached_property
    def score_average(self) -> np.ndarray:
        """(P, N) mean score over the ranked regions."""
        return _mean(self.data.evaluation.nodes.score, self.ranked)

    @cached_property
    def _score_best(self) -> tuple[np.ndarray, np.ndarray]:
        return _best_of(self.ranked_scores, False)

    @property
    def score_best(self) -> np.ndarray:
        return self._score_best[0]

    @property
    def score_best_region(self) -> np.ndarray:
        return self._score_best[1]


# ---------------------------------------------------------------------------------------------- facts


def _optional(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _names(data: MonitorInput, figures: Figures, node: int) -> tuple[str, str, str, str]:
    system = data.system
    top = figures.first_level[node] if node >= 0 else -1
    code = system.codes[node] if node >= 0 else ""
    name = system.names[node] if node >= 0 else ""
    return code, name, (system.codes[top] if top >= 0 else ""), (system.names[top] if top >= 0 else "")


def _region_name(data: MonitorInput, figures: Figures, region: int | str) -> tuple[str, str]:
    if isinstance(region, str):
        at = figures.region_index.get(region, -1)
        return region, data.region_names[at] if at >= 0 else region
    return data.regions[region], data.region_names[region]


def explanation_facts(data: MonitorInput, rule: RuleSpec, *, region: str, indicator: str, period: str,
                      value: float, reference: float, figures: Figures | None = None,
                      base: float | None = None, history: int | None = None) -> ExplanationFacts:
    """The figures of one finding of a value or score rule (threshold, lag_best, lag_benchmark, fluctuation,
    bottom_rank). For fluctuation, `base` (the value it changed from) and `history` (how many earlier changes
    the standard deviation came from) are computed here when not given."""
    figures = figures or Figures(data)
    r, p = figures.region_index[region], figures.period_index[period]
    node = figures.node_index[indicator]
    if rule.kind == RuleKind.FLUCTUATION and (base is None or history is None):
        base, history = _fluctuation_context(figures, r, p, int(figures.leaf_of_node[node]),
                                             rule.compare or Compare.POP)
    return facts_many(data, figures, rule, np.array([r]), np.array([p]), np.array([node]), np.array([value]),
                      np.array([reference]), None if base is None else np.array([base], dtype=float),
                      None if history is None else np.array([history]))[0]


def facts_many(data: MonitorInput, figures: Figures, rule: RuleSpec, region: np.ndarray, period: np.ndarray,
               node: np.ndarray, value: np.ndarray, reference: np.ndarray, base: np.ndarray | None = None,
               history: np.ndarray | None = None) -> list[ExplanationFacts]:
    """The figures of many findings of one value or score rule, given as parallel arrays of region, period and
    node indices with the compared value and reference (and, for fluctuation, base value and history count)."""
    kind = rule.kind
    leaf = figures.leaf_of_node[node]
    measure_values = kind in VALUE_KINDS
    if measure_values:
        own = figures.values[region, period, leaf]
        average = figures.value_average[period, leaf]
        best = figures.value_best[period, leaf]
        best_at = figures.value_best_region[period, leaf]
        lower = figures.lower[leaf]
    else:
        own = data.evaluation.nodes.score[region, period, node]
        average = figures.score_average[period, node]
        best = figures.score_best[period, node]
        best_at = figures.score_best_region[period, node]
        lower = np.zeros(node.shape, dtype=bool)
    rank = data.evaluation.ranks[region, period, node].astype(np.int64)
    ranked = figures.ranked_count[period, node].astype(np.int64)
    from_bottom = np.where(rank > 0, ranked - rank + 1, 0)
    columns = [a.tolist() for a in (region, period, node, value, reference, own, average, best, best_at, lower,
                                    from_bottom, ranked, rank)]
    bases = base.tolist() if base is not None else None
    histories = history.tolist() if history is not None else None
    names = figures.node_texts
    regions, region_names, periods = data.regions, data.region_names, data.periods
    benchmarks = data.benchmarks
    compare = rule.compare or Compare.POP
    k = rule.k if rule.k is not None else float("nan")
    lag_best, bottom_rank = kind == RuleKind.LAG_BEST, kind == RuleKind.BOTTOM_RANK
    lag_benchmark, fluctuation = kind == RuleKind.LAG_BENCHMARK, kind == RuleKind.FLUCTUATION
    label = {RuleKind.THRESHOLD: "预警线", RuleKind.LAG_BEST: "最优地区得分", RuleKind.BOTTOM_RANK: f"末 {rule.n} 位",
             RuleKind.LAG_BENCHMARK: "预警界限"}.get(kind, f"{number_text(k)} 倍标准差")
    measure = "value" if measure_values else "score"
    gap_text = (EXTRA_GAP, number_text(rule.gap, SCORE_UNIT)) if lag_best else None
    ratio_text = (EXTRA_RATIO, percent_text(rule.ratio)) if lag_benchmark else None
    compare_text, k_text = (EXTRA_COMPARE, COMPARE_LABELS[compare]), (EXTRA_K, number_text(k))
    rank_reference = float(rule.n) if rule.n is not None else None
    no_benchmark = (None, "")
    result = []
    append = result.append
    for i, (r, p, n, v, ref, own_i, avg_i, best_i, best_r, low, bottom, count, rk) in enumerate(
            zip(*columns, strict=True)):
        code, name, parent, parent_name, leaf_unit = names[n]
        unit = leaf_unit if measure_values else SCORE_UNIT
        if own_i != own_i:
            own_i = None
        benchmark, cities = benchmarks.get(code, no_benchmark) if measure_values else no_benchmark
        fact_reference = ref
        extra: tuple[tuple[str, str], ...] = ()
        if lag_best:
            extra = ((EXTRA_BEHIND, number_text(ref - v, unit)), gap_text)
        elif bottom_rank:
            fact_reference = rank_reference
        elif lag_benchmark:
            if benchmark is not None and own_i is not None and benchmark != 0:
                shortfall = (own_i - benchmark) if low else (benchmark - own_i)
                extra = ((EXTRA_SHORTFALL, percent_text(shortfall / abs(benchmark))), ratio_text)
            else:
                extra = (ratio_text,)
        elif fluctuation:
            before = base_period(periods[p], compare)
            extra = (compare_text, (EXTRA_CHANGE, signed_text(v, change_unit(unit))),
                     (EXTRA_BASE_PERIOD, period_text(before) if before else "—"),
                     (EXTRA_BASE, number_text(bases[i] if bases is not None else None, unit)),
                     (EXTRA_HISTORY, str(histories[i]) if histories is not None else "—"), k_text)
        ranked_here = rk > 0
        append(ExplanationFacts(
            code, name, parent, parent_name, unit, measure, LOWER_BETTER if low else HIGHER_BETTER,
            regions[r], region_names[r], periods[p], own_i, avg_i if avg_i == avg_i else None,
            regions[best_r] if best_r >= 0 else "", region_names[best_r] if best_r >= 0 else "",
            best_i if best_i == best_i else None, None if benchmark is None else float(benchmark), cities or "",
            fact_reference, label, bottom if ranked_here else None, count if ranked_here else None, extra,
        ))
    return result


def _fluctuation_context(figures: Figures, r: int, p: int, leaf: int, compare: str) -> tuple[float | None, int]:
    """The base value of the change at period p and how many changes came before it (the slow, one-off way)."""
    values = figures.values[r, :, leaf]
    bases = base_indices(figures.data.periods, compare)
    base = _optional(values[bases[p]]) if bases[p] >= 0 else None
    history = sum(1 for q in range(p) if bases[q] >= 0 and not np.isnan(values[q]) and not np.isnan(values[bases[q]]))
    return base, history


def overdue_explanation_facts(data: MonitorInput, rule: RuleSpec, fact: OverdueFact,
                  figures: Figures | None = None) -> ExplanationFacts:
    """The figures of an overdue finding: cases finished, late, their share, and open cases past their limit."""
    figures = figures or Figures(data)
    node = figures.node_index.get(fact.indicator, -1)
    code, name, parent, parent_name = _names(data, figures, node)
    region, region_name = _region_name(data, figures, fact.region)
    limit, open_limit = overdue_limits(rule)
    extra = [(EXTRA_FINISHED, f"{fact.finished}件"), (EXTRA_LATE, f"{fact.late}件"),
             (EXTRA_LATE_SHARE, percent_text(fact.late_share))]
    if limit is not None:
        extra.append((EXTRA_LIMIT, percent_text(limit)))
    extra.append((EXTRA_OPEN, f"{fact.open_overdue}件"))
    if open_limit is not None:
        extra.append((EXTRA_OPEN_LIMIT, f"{open_limit}件"))
    late_fired = limit is not None and fact.late_share is not None and fact.late_share > limit
    return ExplanationFacts(
        indicator=code or fact.indicator, indicator_name=name, parent=parent, parent_name=parent_name,
        unit="%" if late_fired else "件", measure="value", direction="", region=region,
        region_name=region_name, period=fact.period,
        own=fact.late_share if late_fired else float(fact.open_overdue), average=None, best_region="",
        best_region_name="", best=None, benchmark=None, benchmark_cities="",
        reference=limit if late_fired else (None if open_limit is None else float(open_limit)),
        reference_label="允许超期办结占比" if late_fired else "允许超期未办结件数",
        rank_from_bottom=None, ranked=None, extra=tuple(extra),
    )


def overdue_limits(rule: RuleSpec) -> tuple[float | None, int | None]:
    """(share of late cases allowed, open overdue cases allowed): without `limit`, open cases are checked
    against `open_limit` or 0; with `limit` only, open cases are not checked."""
    open_limit = rule.open_limit
    if open_limit is None and rule.limit is None:
        open_limit = 0
    return rule.limit, open_limit


def missing_report_explanation_facts(data: MonitorInput, rule: RuleSpec, fact: MissingReportFact,
                         figures: Figures | None = None) -> ExplanationFacts:
    """The figures of a missing report: the round, its deadline and who owes the value."""
    figures = figures or Figures(data)
    node = figures.node_index.get(fact.indicator, -1)
    code, name, parent, parent_name = _names(data, figures, node)
    region, region_name = _region_name(data, figures, fact.region)
    extra = [(EXTRA_VALUE_PERIOD, period_text(fact.item_period or fact.period)), (EXTRA_ROUND, fact.round_name),
             (EXTRA_DEADLINE, date_text(fact.deadline))]
    if fact.departments:
        extra.append((EXTRA_OWED_BY, fact.departments))
    return ExplanationFacts(
        indicator=code or fact.indicator, indicator_name=name, parent=parent, parent_name=parent_name, unit="",
        measure="value", direction="", region=region, region_name=region_name, period=fact.period,
        own=1.0, average=None, best_region="", best_region_name="", best=None, benchmark=None,
        benchmark_cities="", reference=0.0, reference_label="截止日期前应报送", rank_from_bottom=None,
        ranked=None, extra=tuple(extra),
    )


# ------------------------------------------------------------------------------------------- sentences


def _intro(facts: ExplanationFacts) -> str:
    if facts.indicator == TOTAL:
        return "“综合得分”"
    if not facts.indicator_name:
        return "办件"
    if facts.parent_name:
        return f"“{facts.indicator_name}”属于一级指标“{facts.parent_name}”"
    return f"“{facts.indicator_name}”为一级指标"


def _rank_clause(facts: ExplanationFacts, scope: str) -> str:
    if facts.rank_from_bottom is None or facts.ranked is None:
        return ""
    return f"，{scope}排名倒数第{facts.rank_from_bottom}位（共{facts.ranked}个地区）"


def _benchmark_clause(facts: ExplanationFacts) -> str:
    if facts.benchmark is None:
        return ""
    where = f"{facts.benchmark_cities}" if facts.benchmark_cities else ""
    return f"（标杆：{where}{number_text(facts.benchmark, facts.unit)}）"


def _best_clause(facts: ExplanationFacts) -> str:
    if facts.best is None or not facts.best_region_name:
        return ""
    return f"，最优的{facts.best_region_name}为{number_text(facts.best, facts.unit)}"


def explanation_text(facts: ExplanationFacts, *, rule_kind: RuleKind | str, scope_name: str = "") -> str:
    """The Chinese 预警说明 of a finding, in the manner of “‘收回债务所需的时间’属于一级指标‘办理破产’，该指标
    平均值为2年（全球最佳芬兰0.90年），最优的湖州市为0.50年，宁波市该指标为2.00年，超出预警线……”."""
    extra = dict(facts.extra) if facts.extra else {}
    unit = facts.unit
    when = period_text(facts.period)
    ranked_in = scope_name
    average_of = scope_name or "各地区"
    intro = _intro(facts)
    region = facts.region_name
    own = number_text(facts.own, unit)
    if rule_kind == RuleKind.THRESHOLD:
        breach = "高于" if facts.direction == LOWER_BETTER else "低于"
        return (f"{intro}，{when}{average_of}平均值为{number_text(facts.average, unit)}{_benchmark_clause(facts)}"
                f"{_best_clause(facts)}，{region}为{own}，{breach}预警线{number_text(facts.reference, unit)}"
                f"{_rank_clause(facts, ranked_in)}。")
    if rule_kind == RuleKind.LAG_BEST:
        return (f"{intro}，{when}{average_of}平均得分{number_text(facts.average, unit)}{_best_clause(facts)}，"
                f"{region}为{own}，落后最优地区{extra.get(EXTRA_BEHIND, '—')}，超过预警差距"
                f"{extra.get(EXTRA_GAP, '—')}{_rank_clause(facts, ranked_in)}。")
    if rule_kind == RuleKind.BOTTOM_RANK:
        return (f"{intro}，{when}{region}得分{own}，{ranked_in}排名倒数第{facts.rank_from_bottom}位"
                f"（共{facts.ranked}个地区），处于末{number_text(facts.reference)}位；{average_of}平均得分"
                f"{number_text(facts.average, unit)}{_best_clause(facts)}。")
    if rule_kind == RuleKind.LAG_BENCHMARK:
        cities = f"（{facts.benchmark_cities}）" if facts.benchmark_cities else ""
        gap = extra.get(EXTRA_SHORTFALL)
        gap_clause = f"，与标杆相差{gap}" if gap else ""
        return (f"{intro}，{when}{region}为{own}，标杆值为{number_text(facts.benchmark, unit)}{cities}"
                f"{gap_clause}，超过允许的{extra.get(EXTRA_RATIO, '—')}（预警界限"
                f"{number_text(facts.reference, unit)}）；{average_of}平均值为"
                f"{number_text(facts.average, unit)}{_best_clause(facts)}{_rank_clause(facts, ranked_in)}。")
    if rule_kind == RuleKind.FLUCTUATION:
        compare = extra.get(EXTRA_COMPARE, "环比")
        change = extra.get(EXTRA_CHANGE, "—")
        moved = "下降" if change.startswith("-") else "上升"
        base_name = "上年同期" if compare == COMPARE_LABELS[Compare.YOY] else "上期"
        return (f"{intro}，{region}{when}为{own}，{compare}{moved}（{compare}变化{change}；{base_name}"
                f"{extra.get(EXTRA_BASE_PERIOD, '—')}为{extra.get(EXTRA_BASE, '—')}），变化幅度超过此前"
                f"{extra.get(EXTRA_HISTORY, '—')}次{compare}变化标准差的{extra.get(EXTRA_K, '—')}倍"
                f"（{number_text(facts.reference, change_unit(unit))}），属异常波动{_rank_clause(facts, ranked_in)}。")
    if rule_kind == RuleKind.OVERDUE:
        name = f"“{facts.indicator_name}”相关办件" if facts.indicator_name else "办件"
        parts = [f"{region}{when}{name}办结"
                 f"{extra.get(EXTRA_FINISHED, '—')}，其中超期办结{extra.get(EXTRA_LATE, '—')}"
                 f"（{extra.get(EXTRA_LATE_SHARE, '—')}）"]
        if EXTRA_LIMIT in extra:
            parts[0] += f"，允许{extra[EXTRA_LIMIT]}"
        open_clause = f"超期未办结{extra.get(EXTRA_OPEN, '—')}"
        if EXTRA_OPEN_LIMIT in extra:
            open_clause += f"（允许{extra[EXTRA_OPEN_LIMIT]}）"
        parts.append(open_clause)
        return "；".join(parts) + "。"
    if rule_kind == RuleKind.MISSING_REPORT:
        owed = f"，责任单位：{extra[EXTRA_OWED_BY]}" if EXTRA_OWED_BY in extra else ""
        name = f"“{facts.indicator_name}”" if facts.indicator_name else "指标"
        owed_for = extra.get(EXTRA_VALUE_PERIOD, when)
        return (f"{region}{name}{owed_for}的指标值未在截止日期{extra.get(EXTRA_DEADLINE, '—')}前报送"
                f"（填报轮次“{extra.get(EXTRA_ROUND, '')}”{owed}）。")
    return f"{intro}，{when}{region}为{own}。"
