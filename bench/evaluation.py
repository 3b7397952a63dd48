"""Evaluation engine at province scale vs a plain numpy reference: 200 regions × default tree × 60 months.

Run: .venv/bin/python bench/evaluation.py [--regions 200] [--periods 60] [--repeat 5]

Both sides start from the parsed default system and the same (region × period × leaf) values and compute
every node score, completeness, the composite, ranks (ties within 1e-6) and bands. The reference walks the
tree node by node with numpy arrays over (region, period), as one would write it without compiling the
tree. The results are checked equal before the timings are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bizenv.evaluation.scoring import (  # noqa: E402
    DEFAULT_BANDS,
    DEFAULT_TIE_TOLERANCE,
    TOTAL,
    compile_system,
    evaluate,
)
from bizenv.indicators.parsing import parse_file  # noqa: E402
from bizenv.indicators.specs import walk  # noqa: E402
from bizenv.indicators.weights import weight_for  # noqa: E402

SYSTEM = REPO / "bizenv/indicators/systems/default.yaml"


def make_inputs(spec, n_regions: int, n_periods: int, seed: int = 2026):
    """Plausible raw values around each leaf's frontier, with 4 % missing, 1 % N/A, 0.5 % No Practice."""
    leaves = [node for node, _parent, _level in walk(spec.indicators) if node.is_leaf]
    best = np.array([leaf.best for leaf in leaves])
    worst = np.array([leaf.worst for leaf in leaves])
    rng = np.random.default_rng(seed)
    shape = (n_regions, n_periods, len(leaves))
    # Regions differ in level, improve over the months, and vary month to month; some fall past either end.
    level = rng.beta(4, 2, size=(n_regions, 1, len(leaves)))
    trend = np.linspace(0, 0.1, n_periods)[None, :, None]
    position = level + trend + rng.normal(0, 0.08, size=shape)
    values = worst + (best - worst) * position
    draw = rng.random(shape)
    values[draw < 0.04] = np.nan
    not_applicable = (draw >= 0.04) & (draw < 0.05)
    no_practice = (draw >= 0.05) & (draw < 0.055)
    values[not_applicable | no_practice] = np.nan
    attributes = [{"has_pipeline_gas": bool(rng.random() < 0.7)} for _ in range(n_regions)]
    return values, not_applicable, no_practice, attributes


def engine(spec, values, not_applicable, no_practice, attributes, regions, periods):
    """The project: compile the tree, then score the whole array at once."""
    system = compile_system(spec)
    result = evaluate(system, values, regions=regions, periods=periods, attributes=attributes,
                      not_applicable=not_applicable, no_practice=no_practice)
    return result.nodes.score, result.nodes.completeness, result.ranks, result.bands


def reference(spec, values, not_applicable, no_practice, attributes):
    """Plain numpy: recurse over the tree, one (region × period) array per node; then rank node by node."""
    n_regions, n_periods, _n = values.shape
    leaves = [node for node, _parent, _level in walk(spec.indicators) if node.is_leaf]
    leaf_position = {leaf.code: i for i, leaf in enumerate(leaves)}
    results: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def weight(node) -> np.ndarray:
        if node.optional:
            return np.zeros((n_regions, 1))
        return np.array([max(weight_for(node, attrs), 0.0) for attrs in attributes])[:, None]

    def score(node):
        if node.is_leaf:
            i = leaf_position[node.code]
            v = values[:, :, i]
            ratio = np.clip((node.worst - v) / (node.worst - node.best), 0.0, 1.0)
            if node.transform_power is not None:
                ratio = ratio ** node.transform_power
            s = 100.0 * ratio
            na, zero = not_applicable[:, :, i], no_practice[:, :, i]
            s[zero] = 0.0
            s[na] = np.nan
            lacking = np.isnan(v) & ~na & ~zero
            result = (s, np.where(na, np.nan, np.where(lacking, 0.0, 1.0)), ~na)
        else:
            result = combine(node.children)
        results[node.code] = result
        return result

    def combine(children):
        total = np.zeros((n_regions, n_periods))
        scored_weight = np.zeros((n_regions, n_periods))
        applicable_weight = np.zeros((n_regions, n_periods))
        completeness = np.zeros((n_regions, n_periods))
        for child in children:
            s, c, a = score(child)
            w = weight(child)
            active = a & (w > 0)
            scored = active & ~np.isnan(s)
            total += np.where(scored, w * s, 0.0)
            scored_weight += np.where(scored, w, 0.0)
            applicable_weight += np.where(active, w, 0.0)
            completeness += np.where(active, w * c, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = total / scored_weight
            c = completeness / applicable_weight
        applicable = applicable_weight > 0
        s[~applicable] = np.nan
        c[~applicable] = np.nan
        return s, c, applicable

    results[TOTAL] = combine(spec.indicators)
    codes = [TOTAL] + [node.code for node, _parent, _level in walk(spec.indicators)]
    scores = np.stack([results[code][0] for code in codes], axis=-1)
    completeness = np.stack([results[code][1] for code in codes], axis=-1)

    ranks = np.zeros(scores.shape, dtype=np.int32)
    for n in range(len(codes)):
        column = scores[:, :, n]  # (region, period): every period ranked at once
        keyed = np.where(np.isnan(column), -np.inf, column)
        order = np.argsort(-keyed, axis=0, kind="stable")
        ordered = np.take_along_axis(keyed, order, axis=0)
        sorted_ranks = np.empty(order.shape, dtype=np.int32)
        leader, current = ordered[0].copy(), np.ones(n_periods, dtype=np.int32)
        sorted_ranks[0] = 1
        for k in range(1, n_regions):
            new_group = ordered[k] < leader - DEFAULT_TIE_TOLERANCE
            leader = np.where(new_group, ordered[k], leader)
            current = np.where(new_group, k + 1, current)
            sorted_ranks[k] = current
        np.put_along_axis(ranks[:, :, n], order, sorted_ranks, axis=0)
        ranks[:, :, n][np.isnan(column)] = 0

    minimums = [m for _label, m in DEFAULT_BANDS.thresholds]
    conditions = [scores >= m for m in minimums]
    choices = [len(minimums) - i for i in range(len(minimums))]
    bands = np.select(conditions, choices, default=0).astype(np.int8)
    bands[np.isnan(scores)] = -1
    return scores, completeness, ranks, bands


def best_of(repeat: int, function, *args):
    """(minimum seconds over `repeat` runs, last result)."""
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        timings.append(time.perf_counter() - start)
    return min(timings), result


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc {os.cpu_count()}, CPU {model or platform.processor() or '?'}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")


def main() -> int:
    parser = argparse.ArgumentParser(description="评价引擎基准：省级规模，对照朴素 numpy 参照实现")
    parser.add_argument("--regions", type=int, default=200)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    spec = parse_file(SYSTEM.read_bytes(), SYSTEM.name).spec
    values, not_applicable, no_practice, attributes = make_inputs(spec, args.regions, args.periods)
    regions = [f"R{i:03d}" for i in range(args.regions)]
    periods = [f"{2021 + i // 12}-{i % 12 + 1:02d}" for i in range(args.periods)]
    n_nodes = sum(1 for _ in walk(spec.indicators)) + 1

    ours, got = best_of(args.repeat, engine, spec, values, not_applicable, no_practice, attributes, regions,
                        periods)
    theirs, expected = best_of(max(1, args.repeat // 2), reference, spec, values, not_applicable, no_practice,
                               attributes)

    for name, a, b in zip(("score", "completeness"), got[:2], expected[:2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name)
    np.testing.assert_array_equal(got[2], expected[2], err_msg="rank")
    np.testing.assert_array_equal(got[3], expected[3], err_msg="band")
    total = got[0][:, :, 0]

    print(f"machine: {machine()}")
    missing = np.isnan(values).mean() - not_applicable.mean() - no_practice.mean()
    print(f"input: {args.regions} regions × {args.periods} periods × {values.shape[2]} leaves "
          f"({n_nodes} nodes incl. TOTAL); missing {missing:.1%}, "
          f"N/A {not_applicable.mean():.1%}, No Practice {no_practice.mean():.1%}; "
          f"{sum(not a['has_pipeline_gas'] for a in attributes)} regions without pipeline gas")
    print(f"results equal: scores, completeness, ranks, bands "
          f"({got[0].size:,} node scores; composite mean {np.nanmean(total):.2f})")
    print(f"engine    {ours:8.3f} s  (best of {args.repeat})")
    print(f"reference {theirs:8.3f} s  (best of {max(1, args.repeat // 2)})")
    ratio = ours / theirs
    print(f"ratio engine/reference = {ratio:.3f}  (target ≤ 2, engine < 5 s: "
          f"{'met' if ratio <= 2 and ours < 5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
