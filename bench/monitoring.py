"""Warning rules at province scale vs a plain numpy reference: 200 regions × default tree × 60 months.

Run: .venv/bin/python bench/monitoring.py [--rules default|synthetic] [--no-facts] [--regions 200] [--periods 60]
     [--repeat 3] [--all-benchmarks]

Both sides start from the same values, scores and ranks (computed once by `evaluate`, as `bizenv monitoring
check` does) and evaluate a rule set over every period.

`--rules default` (the default) is the rule set the platform ships, bizenv/monitoring/default_rules.yaml, read
with `rules_parse`: bottom_rank on TOTAL (level 0, n = 2) and the first-level indicators (level 1, n = 1),
lag_best (level 1, gap 35), two threshold rules on one leaf each, lag_benchmark (ratio 3) and fluctuation year on
year (k = 3, min_history 6) and month on month (k = 3, min_history 12) on the 11 monthly 办理耗时 leaves it
lists, overdue (service_cases, limit 5 %, open_limit 0) and missing_report. The last two need facts from raw
records and reporting rounds, which the bench synthesises (see `make_facts`): one OverdueFact per region × month
(政务服务, a few hundred to a few thousand cases finished, a region-specific late share around 3 %, a few open
overdue cases) and one MissingReportFact per value a monthly reporting round owes (the quarterly and yearly
reported leaves, in the months their period ends) that the data leaves missing (4 %). `--no-facts` drops those
two rules, as the file-only `bizenv monitoring check` does.

`--rules synthetic` is a heavier set of the bench's own: one threshold rule on three leaves, bottom_rank (level
1, n = 3), lag_best (level 1, gap 20), lag_benchmark (every leaf with a benchmark, ratio 0.5) and fluctuation
month on month and year on year (every leaf, k = 2, min_history 6).

The benchmark library holds the leaves whose best value is an external best-practice figure (38 leaves, 9 of
them with a best of 0, which lag_benchmark skips: a relative distance to 0 is not defined); `--all-benchmarks`
gives every leaf a benchmark (137 of them not 0), which makes the synthetic lag_benchmark fire some 435,000
times. Each side produces every finding with its figures and a Chinese sentence: the project through
`findings_evaluate` (Finding objects with their ExplanationFacts), the reference as plain tuples, written as one
would without the engine: a loop over rules × indicators × periods, one 200-region column at a time, with
np.nanstd over the earlier changes for fluctuation, and a loop over the facts for overdue and missing_report.
The findings (rule, region, indicator, period, value, reference) are checked equal before the timings (medians)
are printed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from evaluation import machine  # noqa: E402

from bizenv.core.periods import Period  # noqa: E402
from bizenv.evaluation.scoring import compile_system, evaluate  # noqa: E402
from bizenv.indicators.parsing import parse_file  # noqa: E402
from bizenv.monitoring.rulefile import rules_parse  # noqa: E402
from bizenv.monitoring.rules import DEFAULT_MIN_HISTORY, DEFAULT_OVERDUE_DATASET, findings_evaluate  # noqa: E402
from bizenv.monitoring.specs import (  # noqa: E402
    FILE_KINDS,
    Compare,
    MissingReportFact,
    MonitorInput,
    OverdueFact,
    RuleKind,
    RuleSpec,
    Severity,
)
from bizenv.observations.rounds import REPORTED_SOURCES, deadline_for, owed_period  # noqa: E402

SYSTEM = REPO / "bizenv/indicators/systems/default.yaml"
DEFAULT_RULES = REPO / "bizenv/monitoring/default_rules.yaml"
OVERDUE_INDICATOR = "government_services"  # the first-level indicator service_cases informs
MAX_CASES = 500  # record ids kept per overdue fact, as bizenv.monitoring.facts does
VALUE_KINDS = (RuleKind.THRESHOLD, RuleKind.LAG_BENCHMARK, RuleKind.FLUCTUATION)  # rules on leaves' values


def make_inputs(system, n_regions: int, n_periods: int, seed: int = 2026):
    """Monthly values around each leaf's frontier: regions differ in level and improve slowly, months vary a
    little, and 0.5 % of months jump the worse way; 4 % missing, 1 % N/A, 0.5 % No Practice."""
    best, worst = system.best, system.worst
    rng = np.random.default_rng(seed)
    shape = (n_regions, n_periods, len(best))
    level = rng.beta(4, 2, size=(n_regions, 1, len(best)))
    trend = np.linspace(0, 0.08, n_periods)[None, :, None]
    position = level + trend + rng.normal(0, 0.03, size=shape)
    position -= 0.25 * (rng.random(shape) < 0.005)
    values = worst + (best - worst) * position
    draw = rng.random(shape)
    values[draw < 0.04] = np.nan
    not_applicable = (draw >= 0.04) & (draw < 0.05)
    no_practice = (draw >= 0.05) & (draw < 0.055)
    values[not_applicable | no_practice] = np.nan
    attributes = [{"has_pipeline_gas": bool(rng.random() < 0.7)} for _ in range(n_regions)]
    return values, not_applicable, no_practice, attributes


def make_facts(system, regions, periods, values, not_applicable, no_practice, seed: int = 2027):
    """Facts from raw records and reporting rounds, at province scale.

    Overdue (service_cases, informing 政务服务): one fact per region × month — cases finished lognormal around
    600 a month (regions differ), a late share beta(2, 60) per region (mean 3 %) varying from month to month, open
    overdue cases Poisson(0.4); the record ids of the late and open ones, at most 500.

    Missing reports: the monthly reporting round owes the reported leaves (source report / survey / external)
    whose period ends with the month, as `round_indicators` asks — the quarterly ones in March, June, September
    and December, the yearly ones in December (the 23 monthly leaves are metrics from raw records, never owed);
    each owed value the data leaves missing (not N/A, not No Practice) is one MissingReportFact, due 10 working
    days (Monday to Friday) after the month."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(np.log(600), 0.8, size=len(regions))
    late_share = rng.beta(2, 60, size=len(regions))
    overdue = []
    for r, region in enumerate(regions):
        finished = rng.poisson(size[r], size=len(periods))
        share = np.clip(late_share[r] * rng.lognormal(0, 0.5, size=len(periods)), 0, 1)
        late = rng.binomial(finished, share)
        opened = rng.poisson(0.4, size=len(periods))
        for p, period in enumerate(periods):
            cases = tuple(f"SC-{region}-{period}-{i:05d}" for i in range(min(int(late[p] + opened[p]), MAX_CASES)))
            overdue.append(OverdueFact(region=region, period=period, indicator=OVERDUE_INDICATOR,
                                       dataset=DEFAULT_OVERDUE_DATASET, finished=int(finished[p]), late=int(late[p]),
                                       open_overdue=int(opened[p]), cases=cases))
    missing = []
    owed_missing = np.isnan(values) & ~not_applicable & ~no_practice
    reported = [(leaf, node) for leaf, node in enumerate(system.leaf_nodes)
                if system.specs[node].source_kind in REPORTED_SOURCES]
    for p, text in enumerate(periods):
        month = Period.parse(text)
        deadline = deadline_for(month, is_workday=lambda day: day.weekday() < 5).day.isoformat()
        for leaf, node in reported:
            spec = system.specs[node]
            item_period = owed_period(month, spec.cycle or "")
            if item_period is None:
                continue
            departments = "、".join(spec.lead_departments or ())
            for r in np.flatnonzero(owed_missing[:, p, leaf]):
                missing.append(MissingReportFact(region=regions[r], period=text, indicator=system.codes[node],
                                                 round_name=f"{month.label}填报", deadline=deadline,
                                                 departments=departments, item_period=str(item_period)))
    return overdue, missing


def benchmark_library(system, *, every: bool = False) -> dict[str, tuple[float, str]]:
    """Benchmarks (the leaf's best value) for the leaves whose best is an external best-practice figure — their
    remarks say the best value comes from 最佳指标 / 最佳实践 / DB — or, with `every`, for every leaf. Some are 0
    (e.g. 0 元 fees); lag_benchmark skips those (a relative distance to 0 is not defined)."""
    chosen = {}
    for node, best in zip(system.leaf_nodes, system.best, strict=True):
        remarks = system.specs[node].remarks or ""
        source = re.search(r"最优值取([^；。]*)", remarks)
        external = source is not None and any(word in source.group(1) for word in ("最佳指标", "最佳实践", "DB"))
        if every or external:
            chosen[system.codes[node]] = (float(best), "最佳实践")
    return chosen


def shipped_rules(system) -> list[RuleSpec]:
    """The default rule set the platform ships (bizenv/monitoring/default_rules.yaml)."""
    parsed = rules_parse(DEFAULT_RULES.read_text(encoding="utf-8"), system)
    assert not parsed.problems, parsed.problems
    return list(parsed.rules)


def synthetic_rules(system) -> list[RuleSpec]:
    """The bench's own heavier set: every file-rule kind, lag_benchmark and fluctuation on every leaf."""
    leaves = system.leaf_codes
    picked = (leaves[0], leaves[len(leaves) // 2], leaves[-1])
    at = {code: i for i, code in enumerate(leaves)}
    rules = [
        RuleSpec(f"T{i}", RuleKind.THRESHOLD, Severity.RED, indicators=(code,),
                 line=float(system.best[at[code]] + 0.6 * (system.worst[at[code]] - system.best[at[code]])))
        for i, code in enumerate(picked, start=1)
    ]
    rules += [
        RuleSpec("BR", RuleKind.BOTTOM_RANK, Severity.ORANGE, level=1, n=3),
        RuleSpec("LB", RuleKind.LAG_BEST, Severity.YELLOW, level=1, gap=20.0),
        RuleSpec("BM", RuleKind.LAG_BENCHMARK, Severity.YELLOW, level="leaves", ratio=0.5),
        RuleSpec("FP", RuleKind.FLUCTUATION, Severity.YELLOW, level="leaves", k=2.0, compare=Compare.POP,
                 min_history=6),
        RuleSpec("FY", RuleKind.FLUCTUATION, Severity.YELLOW, level="leaves", k=2.0, compare=Compare.YOY,
                 min_history=6),
    ]
    return rules


def engine(rules, data):
    return findings_evaluate(rules, data)


def reference(rules, data):
    """Plain numpy: for each rule, indicator and period, one column of regions at a time; the facts one by one."""
    system, evaluation = data.system, data.evaluation
    regions, periods = data.regions, data.periods
    values = np.where(data.not_applicable | data.no_practice, np.nan, data.values)
    scores, ranks = evaluation.nodes.score, evaluation.ranks
    leaf_of = {system.codes[n]: i for i, n in enumerate(system.leaf_nodes)}
    names = dict(zip(system.codes, system.names, strict=True))
    lower = system.best < system.worst
    found = []

    def nodes_of(rule):
        if rule.indicators:
            return [system.codes.index(c) for c in rule.indicators]
        if rule.level == "leaves" or (rule.level is None and rule.kind in VALUE_KINDS):
            return list(system.leaf_nodes)
        if rule.level is None:  # a score rule without a scope: every node
            return list(range(len(system.codes)))
        return [n for n in range(len(system.codes)) if system.level[n] == rule.level]

    def add(rule, r, n, p, value, ref, own, average, best_r, best, rank, count, unit):
        sentence = (f"“{system.names[n]}”{periods[p]}{regions[r]}为{own:.2f}{unit}，平均{average:.2f}{unit}，"
                    f"最优的{regions[best_r]}为{best:.2f}{unit}，对照{ref:.2f}，倒数第{count - rank + 1}位（共{count}个）")
        found.append((rule.code, regions[r], system.codes[n], periods[p], float(value), float(ref), sentence))

    def fact_wanted(rule, fact):
        return not rule.indicators or fact.indicator in rule.indicators

    for rule in rules:
        if rule.kind == RuleKind.OVERDUE:
            dataset = rule.dataset or DEFAULT_OVERDUE_DATASET
            limit = rule.limit
            open_limit = rule.open_limit if rule.open_limit is not None or limit is not None else 0
            for fact in data.overdue:
                if fact.dataset != dataset or not fact_wanted(rule, fact):
                    continue
                share = fact.late / fact.finished if fact.finished else None
                late = limit is not None and share is not None and share > limit
                if not late and not (open_limit is not None and fact.open_overdue > open_limit):
                    continue
                value, ref = (share, limit) if late else (fact.open_overdue, open_limit)
                sentence = (f"{fact.region}{fact.period}办结{fact.finished}件，超期办结{fact.late}件"
                            f"（{share if share is not None else 0:.1%}），超期未办结{fact.open_overdue}件")
                found.append((rule.code, fact.region, fact.indicator, fact.period, float(value), float(ref),
                              sentence))
            continue
        if rule.kind == RuleKind.MISSING_REPORT:
            for fact in data.missing:
                if fact_wanted(rule, fact):
                    sentence = (f"{fact.region}“{names[fact.indicator]}”{fact.item_period}的值在{fact.round_name}"
                                f"截止日{fact.deadline}前未报送（{fact.departments}）")
                    found.append((rule.code, fact.region, fact.indicator, fact.period, 1.0, 0.0, sentence))
            continue
        for n in nodes_of(rule):
            if rule.kind in VALUE_KINDS:
                leaf = leaf_of[system.codes[n]]
                unit = system.specs[n].unit
                if rule.kind == RuleKind.LAG_BENCHMARK and data.benchmarks.get(system.codes[n], (0.0,))[0] == 0:
                    continue  # no benchmark, or a benchmark of 0: nothing to compare with
                if rule.kind == RuleKind.FLUCTUATION:
                    minimum = rule.min_history if rule.min_history is not None else DEFAULT_MIN_HISTORY
                    changes = []
                    index = {p: i for i, p in enumerate(periods)}
                    for p in range(len(periods)):
                        before = Period.parse(periods[p])
                        before = before.year_ago() if rule.compare == Compare.YOY else before.previous()
                        b = index.get(str(before))
                        change = values[:, p, leaf] - values[:, b, leaf] if b is not None else \
                            np.full(len(regions), np.nan)
                        if changes:
                            history = np.array(changes)
                            count = (~np.isnan(history)).sum(axis=0)
                            with warnings.catch_warnings():  # too few changes: NaN, which never fires
                                warnings.simplefilter("ignore", RuntimeWarning)
                                sd = np.nanstd(history, axis=0, ddof=1)
                            worse = change > 0 if lower[leaf] else change < 0
                            fire = (count >= minimum) & worse & (np.abs(change) > rule.k * sd)
                            if fire.any():
                                column = values[:, p, leaf]
                                average = np.nanmean(column)
                                best_r = int(np.nanargmin(column) if lower[leaf] else np.nanargmax(column))
                                for r in np.flatnonzero(fire):
                                    add(rule, r, n, p, change[r], rule.k * sd[r], column[r], average, best_r,
                                        column[best_r], ranks[r, p, n], (ranks[:, p, n] > 0).sum(), unit)
                        changes.append(change)
                    continue
                for p in range(len(periods)):
                    column = values[:, p, leaf]
                    if np.isnan(column).all():
                        continue
                    if rule.kind == RuleKind.THRESHOLD:
                        bound = rule.line
                    else:
                        bench = data.benchmarks[system.codes[n]][0]
                        bound = bench + rule.ratio * abs(bench) if lower[leaf] else bench - rule.ratio * abs(bench)
                    fire = column > bound if lower[leaf] else column < bound
                    if fire.any():
                        average = np.nanmean(column)
                        best_r = int(np.nanargmin(column) if lower[leaf] else np.nanargmax(column))
                        count = (ranks[:, p, n] > 0).sum()
                        for r in np.flatnonzero(fire):
                            add(rule, r, n, p, column[r], bound, column[r], average, best_r, column[best_r],
                                ranks[r, p, n], count, unit)
            else:
                for p in range(len(periods)):
                    rank = ranks[:, p, n]
                    ranked = rank > 0
                    count = int(ranked.sum())
                    if count == 0:
                        continue
                    column = np.where(ranked, scores[:, p, n], np.nan)
                    best_r = int(np.nanargmax(column))
                    average = np.nanmean(column)
                    if rule.kind == RuleKind.BOTTOM_RANK:
                        if count <= rule.n:
                            continue
                        fire = ranked & (rank > count - rule.n)
                        for r in np.flatnonzero(fire):
                            add(rule, r, n, p, rank[r], count - rule.n, column[r], average, best_r,
                                column[best_r], rank[r], count, "分")
                    else:
                        fire = ranked & (column[best_r] - column > rule.gap)
                        for r in np.flatnonzero(fire):
                            add(rule, r, n, p, column[r], column[best_r], column[r], average, best_r,
                                column[best_r], rank[r], count, "分")
    return found


def median_of(repeat: int, function, *args):
    """(median seconds over `repeat` runs, all timings, last result)."""
    timings, result = [], None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = function(*args)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), timings, result


def main() -> int:
    parser = argparse.ArgumentParser(description="监测预警规则基准：省级规模，对照朴素 numpy 参照实现")
    parser.add_argument("--rules", choices=("default", "synthetic"), default="default",
                        help="default：平台随附的默认规则集 bizenv/monitoring/default_rules.yaml（含办件超期、逾期未报，"
                             "所需事实由脚本合成）；synthetic：脚本自带的更重的规则集")
    parser.add_argument("--no-facts", action="store_true",
                        help="去掉需要办件和填报事实的规则（办件超期、逾期未报），与只读文件的 bizenv monitoring check 相同")
    parser.add_argument("--regions", type=int, default=200)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all-benchmarks", action="store_true",
                        help="每个末级指标都有标杆值（synthetic 规则集的落后标杆值规则触发数十万次）")
    args = parser.parse_args()

    spec = parse_file(SYSTEM.read_bytes(), SYSTEM.name).spec
    system = compile_system(spec)
    values, not_applicable, no_practice, attributes = make_inputs(system, args.regions, args.periods)
    regions = tuple(f"R{i:03d}" for i in range(args.regions))
    periods = tuple(f"{2021 + i // 12}-{i % 12 + 1:02d}" for i in range(args.periods))
    result = evaluate(system, values, regions=regions, periods=periods, attributes=attributes,
                      not_applicable=not_applicable, no_practice=no_practice)
    benchmarks = benchmark_library(system, every=args.all_benchmarks)
    rules = shipped_rules(system) if args.rules == "default" else synthetic_rules(system)
    if args.no_facts:
        rules = [rule for rule in rules if rule.kind in FILE_KINDS]
    kinds = {rule.kind for rule in rules}
    overdue, missing = make_facts(system, regions, periods, values, not_applicable, no_practice)
    data = MonitorInput(system=system, regions=regions, region_names=tuple(f"{r}县" for r in regions),
                        periods=periods, values=values, not_applicable=not_applicable, no_practice=no_practice,
                        evaluation=result, benchmarks=benchmarks, scope_name="全省",
                        overdue=overdue if RuleKind.OVERDUE in kinds else (),
                        missing=missing if RuleKind.MISSING_REPORT in kinds else ())

    ours, our_times, got = median_of(args.repeat, engine, rules, data)
    latest, _latest_times, latest_found = median_of(args.repeat, lambda: findings_evaluate(rules, data,
                                                                                          periods=[periods[-1]]))
    theirs, their_times, expected = median_of(args.repeat, reference, rules, data)

    mine = sorted((f.rule, f.region, f.indicator, f.period) for f in got)
    plain = sorted(row[:4] for row in expected)
    assert len(mine) == len(plain), (len(mine), len(plain))
    assert mine == plain, "different findings"
    by_key = {row[:4]: row[4:6] for row in expected}
    for f in got:
        value, ref = by_key[(f.rule, f.region, f.indicator, f.period)]
        assert np.isclose(f.value, value, rtol=1e-9, atol=1e-9) and np.isclose(f.reference, ref, rtol=1e-9,
                                                                                atol=1e-9), f

    assert [(f.rule, f.region, f.indicator) for f in latest_found] == \
        [(f.rule, f.region, f.indicator) for f in got if f.period == periods[-1]]

    counts = Counter(f.rule for f in got)
    compared = sum(1 for best, _cities in benchmarks.values() if best != 0)
    print(f"machine: {machine()}")
    print(f"input: {args.regions} regions × {args.periods} periods × {values.shape[2]} leaves "
          f"({len(system.codes)} nodes incl. TOTAL); {len(benchmarks)} leaves with a benchmark "
          f"({compared} not 0, compared by lag_benchmark)")
    source = DEFAULT_RULES.relative_to(REPO) if args.rules == "default" else "synthetic (bench's own)"
    print(f"rules: {source}, {len(rules)} rules: " + ", ".join(f"{r.code} ({r.kind})" for r in rules))
    if data.overdue or data.missing:
        print(f"facts: {len(data.overdue):,} OverdueFact (one per region × month, "
              f"{sum(f.finished for f in data.overdue):,} cases finished), {len(data.missing):,} MissingReportFact "
              f"(owed values of reported leaves left missing)")
    elif args.rules == "default":
        print("facts: none (--no-facts: the overdue and missing_report rules are left out)")
    print("findings equal: " + ", ".join(f"{rule} {counts[rule]:,}" for rule in (r.code for r in rules))
          + f"; total {len(got):,}")
    print(f"engine    {ours:8.3f} s  (median of {args.repeat}: {', '.join(f'{t:.3f}' for t in our_times)}; "
          f"{ours / max(len(got), 1) * 1e6:.1f} µs per finding)")
    print(f"engine, latest period only (the monthly run) {latest:.3f} s: {len(latest_found):,} findings")
    print(f"reference {theirs:8.3f} s  (median of {args.repeat}: {', '.join(f'{t:.3f}' for t in their_times)})")
    ratio = ours / theirs
    print(f"ratio engine/reference = {ratio:.3f}  (target ≤ 2, engine < 5 s: "
          f"{'met' if ratio <= 2 and ours < 5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
