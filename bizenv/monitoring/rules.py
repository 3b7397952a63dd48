"""Evaluating warning rules over a `MonitorInput`: which region, indicator and period each rule fires for.

Pure numpy over the (R, P, L) values and the (R, P, N) scores and ranks of `bizenv evaluate`; each rule is a
few whole-array operations over every region and period at once. What each kind compares (see
docs/formats.md, “预警规则文件”):

- threshold (leaves): lower_better warns when value > line, higher_better when value < line.
  value = the value, reference = line.
- bottom_rank (nodes): among the c regions ranked on the node in the period, only when c > n, warns for a rank
  r > c − n (ranks of `bizenv evaluate`: 1 = best, ties share the better rank). value = r, reference = c − n.
- lag_best (nodes): warns when the best ranked region's score − the region's score > gap.
  value = the score, reference = the best score.
- lag_benchmark (leaves with a benchmark): warns when the relative shortfall from the benchmark,
  (value − bench)/|bench| for lower_better or (bench − value)/|bench| for higher_better, exceeds ratio, i.e.
  when the value is past bound = bench ± ratio × |bench|. value = the value, reference = the bound.
- fluctuation (leaves): change = value − the value of the previous period (pop) or of the same period a year
  earlier (yoy); warns when at least min_history earlier changes exist, the change goes the worse way and
  |change| > k × their sample standard deviation (ddof = 1). value = the change, reference = k × sd.
- overdue (facts from raw records): warns when the late share > limit, or when the open overdue cases
  > open_limit (0 when neither limit is given). value = the late share (when that fired) else the open count;
  reference = limit, else open_limit.
- missing_report (facts from reporting rounds): one finding per missing item; value = 1, reference = 0.

Missing values, N/A and No Practice never warn. A rule limited to 同类分组 only warns regions of those groups,
but ranks, best scores and averages are those among every region evaluated.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from bizenv.evaluation.scoring import CompiledSystem
from bizenv.monitoring.explain import (
    SCORE_KINDS,
    VALUE_KINDS,
    Figures,
    base_indices,
    explanation_text,
    facts_many,
    missing_report_explanation_facts,
    overdue_explanation_facts,
    overdue_limits,
)
from bizenv.monitoring.specs import LEAVES, Compare, Finding, MonitorInput, RuleKind, RuleSpec

DEFAULT_MIN_HISTORY = 6
REQUIRED_PARAMETER = {RuleKind.THRESHOLD: "line", RuleKind.LAG_BEST: "gap", RuleKind.LAG_BENCHMARK: "ratio",
                      RuleKind.FLUCTUATION: "k", RuleKind.BOTTOM_RANK: "n"}
DEFAULT_OVERDUE_DATASET = "service_cases"


def scope_nodes(rule: RuleSpec, system: CompiledSystem) -> np.ndarray:
    """Node indices (ascending) a value or score rule looks at: its indicators, else its level, else every leaf
    (value rules) or every node (score rules). Value rules only ever look at leaves."""
    leaves = np.zeros(len(system.codes), dtype=bool)
    leaves[system.leaf_nodes] = True
    if rule.indicators:
        index = system.node_index
        chosen = np.zeros(len(system.codes), dtype=bool)
        chosen[[index[c] for c in rule.indicators if c in index]] = True
    elif rule.level == LEAVES:
        chosen = leaves.copy()
    elif rule.level is not None:
        chosen = system.level == int(rule.level)
    else:
        chosen = np.ones(len(system.codes), dtype=bool)
    if rule.kind in VALUE_KINDS:
        chosen &= leaves
    return np.flatnonzero(chosen)


def _region_mask(rule: RuleSpec, data: MonitorInput) -> np.ndarray:
    if not rule.region_groups:
        return np.ones(len(data.regions), dtype=bool)
    groups = set(rule.region_groups)
    return np.array([data.region_groups.get(region) in groups for region in data.regions], dtype=bool)


@dataclass
class _Hits:
    """The findings of one array rule: parallel arrays over its hits."""

    position: int
    rule: RuleSpec
    region: np.ndarray
    period: np.ndarray
    node: np.ndarray
    value: np.ndarray
    reference: np.ndarray
    base: np.ndarray | None = None  # fluctuation: the value changed from
    history: np.ndarray | None = None  # fluctuation: earlier changes counted


@dataclass
class _Fluctuation:
    """Changes of every region and leaf, and what came before each: (R, P, L) arrays."""

    change: np.ndarray
    base: np.ndarray
    count: np.ndarray
    sd: np.ndarray


@dataclass
class _Engine:
    data: MonitorInput
    figures: Figures
    wanted: np.ndarray  # (P,) periods to report
    fluctuations: dict[tuple, _Fluctuation] = field(default_factory=dict)

    def fluctuation(self, compare: str, leaves: np.ndarray) -> _Fluctuation:
        """The changes of the given leaves only (a rule over a few leaves need not pay for the whole tree)."""
        key = (compare, leaves.tobytes())
        if key not in self.fluctuations:
            self.fluctuations[key] = _changes(self.figures.values[:, :, leaves], self.data.periods, compare)
        return self.fluctuations[key]


def _changes(values: np.ndarray, periods: Sequence[str], compare: str) -> _Fluctuation:
    """Each period's change from its base period and, before it, the count and sample sd of the earlier changes
    (Welford's running update over the periods, so no cancellation on large values)."""
    n_regions, n_periods, n_leaves = values.shape
    bases = np.array(base_indices(periods, compare), dtype=np.intp)
    change = np.full(values.shape, np.nan)
    base = np.full(values.shape, np.nan)
    has = np.flatnonzero(bases >= 0)
    if has.size:
        base[:, has] = values[:, bases[has]]
        change[:, has] = values[:, has] - base[:, has]
    count = np.zeros(values.shape, dtype=np.int32)
    sd = np.full(values.shape, np.nan)
    running = np.zeros((n_regions, n_leaves), dtype=np.int32)
    mean = np.zeros((n_regions, n_leaves))
    m2 = np.zeros((n_regions, n_leaves))
    for p in range(n_periods):
        count[:, p] = running
        np.sqrt(np.divide(m2, running - 1, out=np.full(m2.shape, np.nan), where=running >= 2), out=sd[:, p])
        if bases[p] < 0:
            continue
        c = change[:, p]
        ok = ~np.isnan(c)
        running += ok
        delta = np.where(ok, c - mean, 0.0)
        mean += np.divide(delta, running, out=np.zeros_like(delta), where=ok)
        m2 += np.where(ok, delta * (c - mean), 0.0)
    return _Fluctuation(change, base, count, sd)


def _array_hits(engine: _Engine, position: int, rule: RuleSpec) -> _Hits | None:
    data, figures = engine.data, engine.figures
    system = data.system
    if getattr(rule, REQUIRED_PARAMETER[rule.kind]) is None:
        return None  # an incomplete rule (rule files and the rule form refuse these) finds nothing
    nodes = scope_nodes(rule, system)
    if rule.kind == RuleKind.LAG_BENCHMARK:
        # A relative distance from a best value of 0 means nothing (every value would be "infinitely" behind).
        nodes = np.array([n for n in nodes if system.codes[n] in data.benchmarks
                          and float(data.benchmarks[system.codes[n]][0]) != 0], dtype=np.intp)
    if nodes.size == 0:
        return None
    extras: dict[str, np.ndarray] = {}
    if rule.kind in VALUE_KINDS:
        leaves = figures.leaf_of_node[nodes]
        values = figures.values[:, :, leaves]
        lower = figures.lower[leaves]
    if rule.kind == RuleKind.THRESHOLD:
        fire = np.where(lower, values > rule.line, values < rule.line)
        value, reference = values, np.broadcast_to(float(rule.line), values.shape)
    elif rule.kind == RuleKind.LAG_BENCHMARK:
        bench = np.array([float(data.benchmarks[system.codes[n]][0]) for n in nodes])
        bound = np.where(lower, bench + rule.ratio * np.abs(bench), bench - rule.ratio * np.abs(bench))
        fire = np.where(lower, values > bound, values < bound)
        value, reference = values, np.broadcast_to(bound, values.shape)
    elif rule.kind == RuleKind.FLUCTUATION:
        found = engine.fluctuation(rule.compare or Compare.POP, leaves)
        change = found.change
        count = found.count
        limit = rule.k * found.sd
        minimum = rule.min_history if rule.min_history is not None else DEFAULT_MIN_HISTORY
        fire = (count >= minimum) & np.where(lower, change > 0, change < 0) & (np.abs(change) > limit)
        value, reference = change, limit
        extras = {"base": found.base, "history": count}
    elif rule.kind == RuleKind.BOTTOM_RANK:
        ranks = data.evaluation.ranks[:, :, nodes]
        ranked = figures.ranked_count[:, nodes]  # (P, S)
        bound = ranked - rule.n
        fire = (ranks > 0) & (ranked > rule.n) & (ranks > bound)
        value, reference = ranks, np.broadcast_to(bound, ranks.shape)
    elif rule.kind == RuleKind.LAG_BEST:
        scores = figures.ranked_scores[:, :, nodes]
        best = figures.score_best[:, nodes]
        with np.errstate(invalid="ignore"):
            fire = (best - scores) > rule.gap
        value, reference = scores, np.broadcast_to(best, scores.shape)
    else:
        return None
    fire &= _region_mask(rule, data)[:, None, None]
    fire &= engine.wanted[None, :, None]
    r, p, s = np.nonzero(fire)
    if r.size == 0:
        return None
    return _Hits(position, rule, r, p, nodes[s], np.asarray(value[r, p, s], dtype=float),
                 np.asarray(reference[r, p, s], dtype=float),
                 extras["base"][r, p, s] if extras else None, extras["history"][r, p, s] if extras else None)


def _fact_findings(data: MonitorInput, figures: Figures, rule: RuleSpec,
                   periods: Collection[str] | None) -> list[Finding]:
    groups = set(rule.region_groups)
    indicators = set(rule.indicators)
    findings = []
    if rule.kind == RuleKind.OVERDUE:
        dataset = rule.dataset or DEFAULT_OVERDUE_DATASET
        limit, open_limit = overdue_limits(rule)
        for fact in data.overdue:
            if fact.dataset != dataset or not _fact_in_scope(data, fact, groups, indicators, periods):
                continue
            share = fact.late_share
            late = limit is not None and share is not None and share > limit
            opened = open_limit is not None and fact.open_overdue > open_limit
            if not (late or opened):
                continue
            value = share if late else float(fact.open_overdue)
            reference = limit if late else float(open_limit)
            facts = overdue_explanation_facts(data, rule, fact, figures)
            findings.append(Finding(
                rule=rule.code, kind=rule.kind, severity=rule.severity, region=fact.region,
                indicator=fact.indicator, period=fact.period, value=float(value), reference=float(reference),
                explanation=explanation_text(facts, rule_kind=rule.kind, scope_name=data.scope_name),
                facts=facts, cases=tuple(fact.cases)))
    elif rule.kind == RuleKind.MISSING_REPORT:
        for fact in data.missing:
            if not _fact_in_scope(data, fact, groups, indicators, periods):
                continue
            facts = missing_report_explanation_facts(data, rule, fact, figures)
            findings.append(Finding(
                rule=rule.code, kind=rule.kind, severity=rule.severity, region=fact.region,
                indicator=fact.indicator, period=fact.period, value=1.0, reference=0.0,
                explanation=explanation_text(facts, rule_kind=rule.kind, scope_name=data.scope_name),
                facts=facts))
    return findings


def _fact_in_scope(data: MonitorInput, fact, groups: set[str], indicators: set[str],
                   periods: Collection[str] | None) -> bool:
    if periods is not None and fact.period not in periods:
        return False
    if groups and data.region_groups.get(fact.region) not in groups:
        return False
    return not indicators or fact.indicator in indicators


def _build(engine: _Engine, hits: _Hits, order: np.ndarray) -> list[Finding]:
    """Findings of some hits of one rule (`order` indexes into them), each with its facts and sentence."""
    data, rule = engine.data, hits.rule
    every = facts_many(data, engine.figures, rule, hits.region[order], hits.period[order], hits.node[order],
                       hits.value[order], hits.reference[order],
                       hits.base[order] if hits.base is not None else None,
                       hits.history[order] if hits.history is not None else None)
    scope_name = data.scope_name
    code, kind, severity = rule.code, rule.kind, rule.severity
    return [Finding(code, kind, severity, facts.region, facts.indicator, facts.period, value, reference,
                    explanation_text(facts, rule_kind=kind, scope_name=scope_name), facts)
            for facts, value, reference in zip(every, hits.value[order].tolist(), hits.reference[order].tolist(),
                                               strict=True)]


@contextmanager
def _bulk_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while building findings: they hold no reference cycles, and at
    province scale (hundreds of thousands of findings) its repeated passes over them cost a third of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def findings_evaluate(rules: Sequence[RuleSpec], data: MonitorInput, *,
                      periods: Collection[str] | None = None) -> list[Finding]:
    """Every finding of the enabled `rules` over `data` (for the given periods only, when given; earlier periods
    still count as history), ordered by period, rule, region (data order) and indicator (tree order)."""
    with _bulk_objects():
        return _findings(rules, data, periods)


def _findings(rules: Sequence[RuleSpec], data: MonitorInput, periods: Collection[str] | None) -> list[Finding]:
    figures = Figures(data)
    wanted = np.ones(len(data.periods), dtype=bool) if periods is None else \
        np.array([p in set(periods) for p in data.periods], dtype=bool)
    engine = _Engine(data, figures, wanted)
    array_hits: list[_Hits] = []
    fact_found: list[tuple[int, Finding]] = []
    for position, rule in enumerate(rules):
        if not rule.enabled:
            continue
        if rule.kind in VALUE_KINDS or rule.kind in SCORE_KINDS:
            hits = _array_hits(engine, position, rule)
            if hits is not None:
                array_hits.append(hits)
        else:
            fact_found += [(position, f) for f in _fact_findings(data, figures, rule, periods)]

    if not fact_found:
        period_key = np.arange(len(data.periods))
    else:
        all_periods = sorted(set(data.periods) | {f.period for _p, f in fact_found})
        at = {p: i for i, p in enumerate(all_periods)}
        period_key = np.array([at[p] for p in data.periods], dtype=np.intp)
    region_at = figures.region_index
    node_at = figures.node_index
    n_regions, n_nodes = len(data.regions), len(data.system.codes)

    # One sort over every hit: (period, rule, region, indicator); `group` and `item` say where each hit is.
    keys = [[], [], [], []]
    group, item = [], []
    for g, hits in enumerate(array_hits):
        keys[0].append(period_key[hits.period])
        keys[1].append(np.full(hits.region.size, hits.position))
        keys[2].append(hits.region)
        keys[3].append(hits.node)
        group.append(np.full(hits.region.size, g))
        item.append(np.arange(hits.region.size))
    if fact_found:
        keys[0].append(np.array([at[f.period] for _p, f in fact_found]))
        keys[1].append(np.array([p for p, _f in fact_found]))
        keys[2].append(np.array([region_at.get(f.region, n_regions) for _p, f in fact_found]))
        keys[3].append(np.array([node_at.get(f.indicator, n_nodes) for _p, f in fact_found]))
        group.append(np.full(len(fact_found), -1))
        item.append(np.arange(len(fact_found)))
    if not group:
        return []
    columns = [np.concatenate(k).astype(np.int64) for k in keys]
    order = np.lexsort(columns[::-1])
    group_sorted = np.concatenate(group)[order]
    item_sorted = np.concatenate(item)[order]

    built: dict[int, list[Finding]] = {}
    for g, hits in enumerate(array_hits):
        mine = item_sorted[group_sorted == g]  # this rule's hits in final order
        built[g] = _build(engine, hits, mine)
    built[-1] = [f for _p, f in fact_found]
    taken = dict.fromkeys(built, 0)
    result = []
    for g, i in zip(group_sorted.tolist(), item_sorted.tolist(), strict=True):
        if g == -1:
            result.append(built[-1][i])
        else:
            result.append(built[g][taken[g]])
            taken[g] += 1
    return result
