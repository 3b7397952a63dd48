"""对比分析: a region against the best region in its province/city, best-practice city values, the frontier.

Pure: reads a ScoreCube (the regions compared with, e.g. the counties of a city) and benchmark references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bizenv.analysis.cubes import ScoreCube, finite
from bizenv.evaluation.scoring import dtf


@dataclass(frozen=True)
class BenchmarkRef:
    """A best-practice value of one indicator (what the BenchmarkValue table holds)."""

    indicator: str
    cities: str
    value: float
    unit: str = ""
    source: str = ""
    year: int | None = None


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    name: str
    level: int
    unit: str
    direction: str
    value: float | None
    score: float | None
    rank: int
    best_region: str | None  # the best-scoring region among those compared (ties: the first)
    best_region_name: str | None
    best_region_value: float | None
    best_region_score: float | None
    gap_to_best_region: float | None  # best region score − score (≥ 0)
    frontier_value: float | None  # the indicator's best value (leaves)
    gap_to_frontier: float | None  # 100 − score
    benchmark: BenchmarkRef | None
    benchmark_score: float | None  # the benchmark value scored on the indicator's scale
    value_gap_to_benchmark: float | None  # value − benchmark value, in the indicator's unit
    reaches_benchmark: bool | None  # as good as the best-practice value or better
    counted: bool = True  # False where a weight variant takes the node out (获得用气 without pipeline gas):
    # its own score is still shown, but the region is not ranked on it (the evaluation scorer's rule)


def _as_good(value: float, target: float, direction: str) -> bool:
    return value <= target if direction == "lower_better" else value >= target


def compare_region(cube: ScoreCube, *, region: str, period: str,
                   benchmarks: Mapping[str, BenchmarkRef] | None = None) -> list[ComparisonRow]:
    """Every node of one region and period against the best region, the best-practice value and the frontier."""
    benchmarks = benchmarks or {}
    r, p = cube.region_at(region), cube.period_at(period)
    system = cube.system
    scores = cube.scores[:, p, :]  # (R, N)
    counted = cube.evaluation.counted  # (R, N)
    values = cube.node_values()[:, p, :]
    leaf_of = {int(node): i for i, node in enumerate(system.leaf_nodes)}
    rows = []
    for node, code in enumerate(system.codes):
        spec = system.specs[node]
        score = finite(scores[r, node])
        column = np.where(counted[:, node], scores[:, node], np.nan)  # the best among regions ranked on it
        best = int(np.nanargmax(column)) if not np.all(np.isnan(column)) else None
        best_score = finite(column[best]) if best is not None else None
        bench = benchmarks.get(code)
        leaf = leaf_of.get(node)
        bench_score = None
        if bench is not None and leaf is not None:
            bench_score = float(dtf(np.array([bench.value]), system.best[leaf:leaf + 1],
                                    system.worst[leaf:leaf + 1], system.power[leaf:leaf + 1])[0])
        value = finite(values[r, node])
        direction = (spec.direction if spec else "") or "higher_better"
        rows.append(ComparisonRow(
            code=code, name=system.names[node], level=int(system.level[node]), unit=spec.unit if spec else "分",
            direction=direction, value=value, score=score, rank=int(cube.ranks[r, p, node]),
            best_region=cube.regions[best] if best is not None else None,
            best_region_name=cube.region_names[best] if best is not None else None,
            best_region_value=finite(values[best, node]) if best is not None else None,
            best_region_score=best_score,
            gap_to_best_region=(max(best_score - score, 0.0) if score is not None and best_score is not None
                                else None),
            frontier_value=float(system.best[leaf]) if leaf is not None else None,
            gap_to_frontier=100.0 - score if score is not None else None,
            benchmark=bench if leaf is not None else None, benchmark_score=bench_score,
            value_gap_to_benchmark=(value - bench.value if bench is not None and value is not None and leaf is not None
                                    else None),
            reaches_benchmark=(_as_good(value, bench.value, direction)
                               if bench is not None and value is not None and leaf is not None else None),
            counted=bool(counted[r, node]),
        ))
    return rows
