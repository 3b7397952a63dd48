"""Gap decomposition: composite points lost per indicator against the frontier and against the best region.

The composite is linear in the node scores with each node's effective share (see cubes.effective_shares),
so raising a node from its score to 100 wins back exactly share × (100 − score) composite points, and raising
it to the best region's score wins back share × (best − score). Over the leaves the frontier gaps add up to
100 − composite.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from bizenv.analysis.cubes import ScoreCube, finite
from bizenv.core.errors import ApplicationError


class GapTarget(StrEnum):
    FRONTIER = "frontier"
    BEST_REGION = "best_region"


TARGET_LABELS = {GapTarget.FRONTIER: "前沿（满分）", GapTarget.BEST_REGION: "最优地区"}


def gap_target(text: str) -> GapTarget:
    try:
        return GapTarget(text)
    except ValueError:
        raise ApplicationError(f"差距对比对象“{text}”无效，应为 frontier（前沿）或 best_region（最优地区）。") from None


@dataclass(frozen=True)
class GapRow:
    code: str
    name: str
    level: int
    parent: str
    score: float | None
    share: float  # share of the composite
    frontier_gap: float  # composite points won back by reaching 100
    best_region: str | None
    best_region_name: str | None
    best_score: float | None
    best_region_gap: float  # composite points won back by reaching the best region's score

    def gap(self, target: GapTarget) -> float:
        return self.frontier_gap if target == GapTarget.FRONTIER else self.best_region_gap


@dataclass(frozen=True)
class GapReport:
    region: str
    region_name: str
    period: str
    composite: float | None
    target: GapTarget
    rows: tuple[GapRow, ...]  # largest gap to the target first

    @property
    def total_gap(self) -> float:
        return float(sum(row.gap(self.target) for row in self.rows))


def gap_decomposition(cube: ScoreCube, *, region: str, period: str, level: int | None = None,
                      target: GapTarget | str = GapTarget.FRONTIER, top: int | None = None) -> GapReport:
    """Points of composite lost per indicator (leaves, or the nodes of one level), biggest first."""
    target = gap_target(str(target))
    system = cube.system
    if level is None:
        nodes = [int(n) for n in system.leaf_nodes]
    else:
        deepest = int(system.level.max())
        if not 1 <= level <= deepest:
            raise ApplicationError(f"指标层级应在 1 到 {deepest} 之间。")
        # A leaf above the requested depth stands for itself, so the level still covers the whole tree.
        leaf_set = {int(n) for n in system.leaf_nodes}
        nodes = [n for n in range(1, len(system.codes))
                 if system.level[n] == level or (n in leaf_set and system.level[n] < level)]
    r, p = cube.region_at(region), cube.period_at(period)
    scores = cube.scores[:, p, :]
    rows = []
    for node in nodes:
        score = finite(scores[r, node])
        share = float(cube.shares[r, p, node])
        column = np.where(cube.evaluation.counted[:, node], scores[:, node], np.nan)  # regions ranked on it
        best = int(np.nanargmax(column)) if not np.all(np.isnan(column)) else None
        best_score = finite(column[best]) if best is not None else None
        frontier = share * (100.0 - score) if score is not None else 0.0
        to_best = share * max(best_score - score, 0.0) if score is not None and best_score is not None else 0.0
        rows.append(GapRow(
            code=system.codes[node], name=system.names[node], level=int(system.level[node]),
            parent=system.codes[system.parent[node]], score=score, share=share, frontier_gap=frontier,
            best_region=cube.regions[best] if best is not None else None,
            best_region_name=cube.region_names[best] if best is not None else None,
            best_score=best_score, best_region_gap=to_best,
        ))
    rows.sort(key=lambda row: (-row.gap(target), row.code))
    return GapReport(region=region, region_name=cube.region_names[r], period=period,
                     composite=finite(scores[r, 0]), target=target,
                     rows=tuple(rows[:top] if top else rows))
