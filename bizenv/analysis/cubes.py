"""A score cube: observed values of (regions × periods × leaves) scored once by evaluation.scoring.

Pure: selectors build the arrays from observations; every analysis module reads a cube.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.evaluation.scoring import CompiledSystem, Evaluation, evaluate


@dataclass(frozen=True, eq=False)
class ScoreCube:
    """Values (R, P, L) with their masks, region attributes, and the evaluation of every node."""

    system: CompiledSystem
    regions: tuple[str, ...]
    region_names: tuple[str, ...]
    periods: tuple[str, ...]
    values: np.ndarray  # (R, P, L) NaN where missing or special
    not_applicable: np.ndarray  # (R, P, L) bool
    no_practice: np.ndarray  # (R, P, L) bool
    attributes: tuple[Mapping[str, Any], ...]
    include_optional: bool
    evaluation: Evaluation
    shares: np.ndarray  # (R, P, N) each node's effective share of the composite (0 where not counted)

    @property
    def scores(self) -> np.ndarray:
        return self.evaluation.nodes.score

    @property
    def ranks(self) -> np.ndarray:
        return self.evaluation.ranks

    def region_at(self, code: str) -> int:
        try:
            return self.regions.index(code)
        except ValueError:
            raise ApplicationError(f"区域 {code} 不在分析范围内或无权查看。", code=ErrorCode.NOT_FOUND) from None

    def period_at(self, period: str) -> int:
        try:
            return self.periods.index(period)
        except ValueError:
            raise ApplicationError(f"时期 {period} 不在分析范围内。") from None

    def node_at(self, code: str) -> int:
        index = self.system.node_index.get(code)
        if index is None:
            raise ApplicationError(f"指标编码“{code}”不在指标体系 {self.system.code} 中。")
        return index

    def region_name(self, code: str) -> str:
        return self.region_names[self.region_at(code)]

    def leaf_value(self, r: int, p: int, node: int) -> float | None:
        """The observed value of a leaf node (None for a non-leaf, missing or special value)."""
        leaf = np.flatnonzero(self.system.leaf_nodes == node)
        if not leaf.size:
            return None
        value = self.values[r, p, leaf[0]]
        return None if np.isnan(value) else float(value)

    def node_values(self) -> np.ndarray:
        """(R, P, N) observed values placed at their leaf nodes, NaN elsewhere."""
        out = np.full(self.scores.shape, np.nan)
        out[:, :, self.system.leaf_nodes] = self.values
        return out

    def with_values(self, values: np.ndarray, *, periods: Sequence[int] | None = None,
                    not_applicable: np.ndarray | None = None, no_practice: np.ndarray | None = None) -> ScoreCube:
        """A new cube over the same regions with other values (optionally only some periods), rescored."""
        chosen = list(range(len(self.periods))) if periods is None else list(periods)
        return cube_build(
            self.system, regions=self.regions, region_names=self.region_names,
            periods=[self.periods[p] for p in chosen], values=values,
            not_applicable=self.not_applicable[:, chosen] if not_applicable is None else not_applicable,
            no_practice=self.no_practice[:, chosen] if no_practice is None else no_practice,
            attributes=self.attributes, include_optional=self.include_optional,
        )


def effective_shares(system: CompiledSystem, weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(R, P, N) share of the composite carried by each node: the product of its and its ancestors' weights,
    each normalised among the siblings that have a score — the same re-weighting the scorer applies,
    so that Σ over leaves of share × score equals the composite score."""
    n_regions, n_periods, n_nodes = scores.shape
    counted = np.broadcast_to(np.asarray(weights, dtype=float)[:, None, :], scores.shape) * ~np.isnan(scores)
    sibling_sum = np.zeros(scores.shape)
    np.add.at(sibling_sum, (slice(None), slice(None), system.parent[1:]), counted[:, :, 1:])
    local = np.zeros(scores.shape)
    parents = system.parent[1:]
    np.divide(counted[:, :, 1:], sibling_sum[:, :, parents], out=local[:, :, 1:],
              where=sibling_sum[:, :, parents] > 0)
    shares = np.zeros(scores.shape)
    shares[:, :, 0] = ~np.isnan(scores[:, :, 0])
    for node in range(1, n_nodes):  # depth-first order: a parent always comes before its children
        shares[:, :, node] = shares[:, :, system.parent[node]] * local[:, :, node]
    return shares


def cube_build(system: CompiledSystem, *, regions: Sequence[str], region_names: Sequence[str],
               periods: Sequence[str], values: np.ndarray, not_applicable: np.ndarray | None = None,
               no_practice: np.ndarray | None = None, attributes: Sequence[Mapping[str, Any]] | None = None,
               include_optional: bool = False) -> ScoreCube:
    """Score (R, P, L) values with the evaluation scorer and keep everything analysis needs."""
    values = np.asarray(values, dtype=float)
    shape = values.shape
    na = np.zeros(shape, dtype=bool) if not_applicable is None else np.asarray(not_applicable, dtype=bool)
    npr = np.zeros(shape, dtype=bool) if no_practice is None else np.asarray(no_practice, dtype=bool)
    attrs = _weight_attributes(system, attributes) if attributes is not None else tuple({} for _ in regions)
    result = evaluate(system, values, regions=regions, periods=periods, attributes=attrs,
                      include_optional=include_optional, not_applicable=na, no_practice=npr)
    weights = system.region_weights(attrs, include_optional)
    return ScoreCube(
        system=system, regions=tuple(regions), region_names=tuple(region_names), periods=tuple(periods),
        values=values, not_applicable=na, no_practice=npr, attributes=attrs,
        include_optional=include_optional, evaluation=result,
        shares=effective_shares(system, weights, result.nodes.score),
    )


def _weight_attributes(system: CompiledSystem, attributes: Sequence[Mapping[str, Any]]
                       ) -> tuple[dict[str, Any], ...]:
    """Each region's attributes reduced to those a weight variant tests (what evaluation runs freeze too):
    regions that agree on them share one weight vector instead of one each."""
    keys = {key for spec in system.specs if spec is not None for variant in spec.weight_variants
            for key in variant.when}
    return tuple({k: v for k, v in a.items() if k in keys} for a in attributes)


def finite(value: float) -> float | None:
    """A float for JSON: None for NaN."""
    value = float(value)
    return None if np.isnan(value) else value
