"""What-if: change one or more leaf values of a region and see its new composite score and rank.

Pure: copies the period's slice of a ScoreCube, changes the values, and rescores it with evaluation.scoring
among the same regions, so that ties, re-weighting and special values follow the real rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bizenv.analysis.cubes import ScoreCube, finite
from bizenv.core.errors import ApplicationError


@dataclass(frozen=True)
class NodeChange:
    code: str
    name: str
    level: int
    value_before: float | None
    value_after: float | None
    score_before: float | None
    score_after: float | None
    rank_before: int
    rank_after: int


@dataclass(frozen=True)
class WhatIfResult:
    region: str
    region_name: str
    period: str
    regions_ranked: int
    composite_before: float | None
    composite_after: float | None
    rank_before: int  # 0 = unranked
    rank_after: int
    nodes: tuple[NodeChange, ...]  # the changed leaves and every ancestor whose score moved, tree order

    @property
    def composite_delta(self) -> float | None:
        if self.composite_before is None or self.composite_after is None:
            return None
        return self.composite_after - self.composite_before


def what_if(cube: ScoreCube, *, region: str, period: str,
            changes: Mapping[str, float | None]) -> WhatIfResult:
    """Rescore the period with the region's leaf values replaced by `changes` ({leaf code: value or None})."""
    if not changes:
        raise ApplicationError("请至少修改一个指标的数值。")
    r, p = cube.region_at(region), cube.period_at(period)
    leaf_index = cube.system.leaf_index
    values = cube.values[:, [p], :].copy()
    not_applicable = cube.not_applicable[:, [p], :].copy()
    no_practice = cube.no_practice[:, [p], :].copy()
    for code, value in changes.items():
        if code not in leaf_index:
            if code in cube.system.node_index:
                raise ApplicationError(f"指标“{code}”不是末级指标：只能修改末级指标的数值，上级指标得分由其汇总得出。")
            raise ApplicationError(f"指标编码“{code}”不在指标体系 {cube.system.code} 中。")
        if value is not None and not np.isfinite(value):
            raise ApplicationError(f"指标“{code}”的数值必须是有限的数字。")
        leaf = leaf_index[code]
        values[r, 0, leaf] = np.nan if value is None else float(value)
        not_applicable[r, 0, leaf] = False
        no_practice[r, 0, leaf] = False
    after_cube = cube.with_values(values, periods=[p], not_applicable=not_applicable, no_practice=no_practice)
    before_scores, after_scores = cube.scores[r, p], after_cube.scores[r, 0]
    before_ranks, after_ranks = cube.ranks[r, p], after_cube.ranks[r, 0]
    before_values, after_values = cube.node_values()[r, p], after_cube.node_values()[r, 0]
    changed_nodes = []
    for node, code in enumerate(cube.system.codes):
        moved = code in changes or not np.allclose(before_scores[node], after_scores[node], equal_nan=True)
        if node and moved:
            changed_nodes.append(NodeChange(
                code=code, name=cube.system.names[node], level=int(cube.system.level[node]),
                value_before=finite(before_values[node]), value_after=finite(after_values[node]),
                score_before=finite(before_scores[node]), score_after=finite(after_scores[node]),
                rank_before=int(before_ranks[node]), rank_after=int(after_ranks[node]),
            ))
    return WhatIfResult(
        region=region, region_name=cube.region_names[r], period=period,
        regions_ranked=int(np.count_nonzero(after_cube.ranks[:, 0, 0])),
        composite_before=finite(before_scores[0]), composite_after=finite(after_scores[0]),
        rank_before=int(before_ranks[0]), rank_after=int(after_ranks[0]), nodes=tuple(changed_nodes),
    )
