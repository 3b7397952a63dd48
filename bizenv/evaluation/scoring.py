"""Distance-to-frontier scoring, weighted aggregation, ranks and bands over (region × period × leaf) arrays.

Pure numpy over specs: the tree is compiled once into index arrays and one child→parent matrix per level,
then every region and period is scored at once. Missing data is NaN; N/A and No Practice are masks.

Rules (see docs/formats.md):
- leaf score = 100 × clip((worst − v) / (worst − best), 0, 1) ** power (power 1 when not set);
- No Practice scores 0; N/A drops the leaf and its siblings are re-weighted;
- missing data never scores 0 silently: by default the leaf is left out and its siblings re-weighted,
  and every node carries its completeness (the share of its applicable weight that had data);
- a node's weight is its region's variant weight; optional nodes and zero weights still get their own
  score but count for nothing in their parent; a node with no applicable child is itself N/A.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bizenv.indicators.specs import IndicatorSpec, SystemSpec, walk
from bizenv.indicators.weights import weight_for

TOTAL = "TOTAL"
DEFAULT_TIE_TOLERANCE = 1e-6

# How a leaf without data enters its parent.
MISSING_POLICIES = {
    "reweight": "缺数指标不计，同级指标按权重重新分配（默认）",
    "zero": "缺数指标按 0 分计",
    "propagate": "任一下级指标缺数，则上级指标记为缺数",
}


class ScoringError(ValueError):
    """A system or input that cannot be scored; the message is Chinese."""


@dataclass(frozen=True)
class Bands:
    """Score bands: (label, minimum score) from the highest down, and the label below the last minimum."""

    thresholds: tuple[tuple[str, float], ...]
    below: str

    def __post_init__(self) -> None:
        minimums = [m for _label, m in self.thresholds]
        if any(not np.isfinite(m) for m in minimums) or minimums != sorted(minimums, reverse=True):
            raise ScoringError("分档阈值必须是数字，并按从高到低排列，例如 优秀:90,良好:80,一般:60,较差")
        if len(set(minimums)) != len(minimums):
            raise ScoringError("分档阈值不能重复")

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label from the lowest band up; a band index points into this tuple."""
        return (self.below, *(label for label, _m in reversed(self.thresholds)))

    def index(self, scores: np.ndarray) -> np.ndarray:
        """Band index of each score into `labels` (0 = lowest band), −1 where the score is NaN."""
        scores = np.asarray(scores, dtype=float)
        minimums = np.array([m for _label, m in reversed(self.thresholds)], dtype=float)
        result = np.searchsorted(minimums, scores, side="right").astype(np.int8)
        result[np.isnan(scores)] = -1
        return result


DEFAULT_BANDS = Bands((("优秀", 90.0), ("良好", 80.0), ("一般", 60.0)), "较差")


def parse_bands(text: str) -> Bands:
    """Bands from text such as “优秀:90,良好:80,一般:60,较差” (the last label has no minimum)."""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if len(parts) < 2:
        raise ScoringError("分档应至少两档，写成 优秀:90,良好:80,一般:60,较差（最后一档不写分数）")
    thresholds = []
    for part in parts[:-1]:
        label, sep, minimum = part.replace("：", ":").rpartition(":")
        try:
            value = float(minimum)
        except ValueError:
            value = None
        if not sep or not label.strip() or value is None:
            raise ScoringError(f"分档“{part}”格式有误，应写成 名称:最低分，例如 优秀:90")
        thresholds.append((label.strip(), value))
    below = parts[-1]
    if ":" in below.replace("：", ":"):
        raise ScoringError(f"最后一档“{below}”不写分数：低于上一档阈值的都归入该档")
    return Bands(tuple(thresholds), below)


@dataclass(frozen=True, eq=False)
class LevelStep:
    """One aggregation step: the nodes of one level (children) summed into their parents via `matrix`."""

    children: np.ndarray  # node indices, shape (c,)
    parents: np.ndarray  # node indices, shape (p,)
    matrix: np.ndarray  # 0/1, shape (c, p): matrix[i, j] = 1 when children[i] is a child of parents[j]


@dataclass(frozen=True, eq=False)
class CompiledSystem:
    """An indicator tree as arrays: node 0 is the composite (TOTAL), then every indicator depth-first."""

    code: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    parent: np.ndarray  # (N,) node index of the parent, −1 for TOTAL
    level: np.ndarray  # (N,) 0 for TOTAL, 1 for level-1 indicators, …
    leaf_nodes: np.ndarray  # (L,) node index of each leaf, depth-first
    best: np.ndarray  # (L,)
    worst: np.ndarray  # (L,)
    power: np.ndarray  # (L,) NaN where no power transform
    steps: tuple[LevelStep, ...]  # deepest level first
    specs: tuple[IndicatorSpec | None, ...]  # (N,) None for TOTAL

    @property
    def leaf_codes(self) -> tuple[str, ...]:
        return tuple(self.codes[i] for i in self.leaf_nodes)

    @property
    def node_index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    @property
    def leaf_index(self) -> dict[str, int]:
        return {self.codes[node]: i for i, node in enumerate(self.leaf_nodes)}

    def region_weights(self, attributes: Sequence[Mapping[str, Any]],
                       include_optional: bool | Collection[str] = False) -> np.ndarray:
        """(R, N) raw weight of every node per region: its variant weight, 0 for excluded optional nodes."""
        base = self._weights({}, include_optional)
        result = np.empty((len(attributes), len(self.codes)))
        cache: dict[tuple, np.ndarray] = {}
        for r, attrs in enumerate(attributes):
            key = tuple(sorted((str(k), repr(v)) for k, v in attrs.items()))
            if key not in cache:
                cache[key] = self._weights(attrs, include_optional) if attrs else base
            result[r] = cache[key]
        return result

    def _weights(self, attributes: Mapping[str, Any], include_optional: bool | Collection[str]) -> np.ndarray:
        weights = np.ones(len(self.codes))
        for i, node in enumerate(self.specs):
            if node is None:
                continue
            if isinstance(include_optional, bool):
                included = include_optional
            else:
                included = node.code in include_optional
            weights[i] = 0.0 if node.optional and not included else max(weight_for(node, attributes), 0.0)
        return weights


def compile_system(spec: SystemSpec) -> CompiledSystem:
    """Compile a resolved system into index arrays; raises ScoringError when a leaf cannot be scored."""
    codes, names, parents, levels, specs = [TOTAL], ["综合得分"], [-1], [0], [None]
    position: dict[int, int] = {}
    for node, parent, level in walk(spec.indicators):
        if node.code == TOTAL:
            raise ScoringError(f"指标编码不能是 {TOTAL}：它保留给综合得分")
        if node.code in codes:
            raise ScoringError(f"指标编码“{node.code}”重复")
        position[id(node)] = len(codes)
        codes.append(node.code)
        names.append(node.name)
        parents.append(position[id(parent)] if parent is not None else 0)
        levels.append(level)
        specs.append(node)
    if len(codes) == 1:
        raise ScoringError("指标体系中没有指标")
    leaf_nodes, best, worst, power = [], [], [], []
    for i, node in enumerate(specs):
        if node is None or node.children:
            continue
        if node.best is None or node.worst is None:
            raise ScoringError(f"末级指标 {node.code} 缺少最佳值或最差值，无法按前沿距离计分")
        if node.best == node.worst:
            raise ScoringError(f"末级指标 {node.code} 的最佳值与最差值相等，无法按前沿距离计分")
        if node.transform_power is not None and not node.transform_power > 0:
            raise ScoringError(f"末级指标 {node.code} 的幂变换指数必须大于 0")
        leaf_nodes.append(i)
        best.append(node.best)
        worst.append(node.worst)
        power.append(np.nan if node.transform_power is None else node.transform_power)
    parent = np.array(parents, dtype=np.intp)
    level = np.array(levels, dtype=np.intp)
    steps = []
    for depth in range(int(level.max()), 0, -1):
        children = np.flatnonzero(level == depth)
        owners = np.unique(parent[children])
        matrix = (parent[children][:, None] == owners[None, :]).astype(float)
        steps.append(LevelStep(children, owners, matrix))
    return CompiledSystem(
        code=spec.code, codes=tuple(codes), names=tuple(names), parent=parent, level=level,
        leaf_nodes=np.array(leaf_nodes, dtype=np.intp), best=np.array(best, dtype=float),
        worst=np.array(worst, dtype=float), power=np.array(power, dtype=float), steps=tuple(steps),
        specs=tuple(specs),
    )


def dtf(values: np.ndarray, best: np.ndarray, worst: np.ndarray,
        power: np.ndarray | None = None) -> np.ndarray:
    """Distance to frontier along the last axis: 100 × clip((worst − v)/(worst − best), 0, 1) ** power."""
    values = np.asarray(values, dtype=float)
    best = np.asarray(best, dtype=float)
    worst = np.asarray(worst, dtype=float)
    ratio = (worst - values) / (worst - best)
    np.clip(ratio, 0.0, 1.0, out=ratio)
    if power is not None:
        power = np.asarray(power, dtype=float)
        columns = np.flatnonzero(~np.isnan(power))
        if columns.size:
            ratio[..., columns] = ratio[..., columns] ** power[columns]
    ratio *= 100.0
    return ratio


@dataclass(frozen=True, eq=False)
class NodeScores:
    """Scores of every node (TOTAL first) for every region and period; arrays are (R, P, N)."""

    score: np.ndarray  # NaN where missing or not applicable
    completeness: np.ndarray  # share of applicable weight with data, 0–1; NaN where not applicable
    applicable: np.ndarray  # bool


def score_nodes(compiled: CompiledSystem, values: np.ndarray, *, weights: np.ndarray,
                not_applicable: np.ndarray | None = None, no_practice: np.ndarray | None = None,
                missing: str = "reweight") -> NodeScores:
    """Score leaves by DTF and aggregate up the tree; `values` is (R, P, L), `weights` is (R, N)."""
    if missing not in MISSING_POLICIES:
        raise ScoringError(f"未知的缺数处理方式“{missing}”，应为 {'、'.join(MISSING_POLICIES)} 之一")
    values = np.asarray(values, dtype=float)
    n_regions, n_periods, n_leaves = values.shape
    if n_leaves != len(compiled.leaf_nodes):
        raise ScoringError(f"观测值数组应有 {len(compiled.leaf_nodes)} 个末级指标，实际为 {n_leaves} 个")
    rows = n_regions * n_periods
    flat = values.reshape(rows, n_leaves)
    nothing = np.zeros_like(flat, dtype=bool)
    na = nothing if not_applicable is None else np.asarray(not_applicable, dtype=bool).reshape(rows, -1)
    zero = nothing if no_practice is None else np.asarray(no_practice, dtype=bool).reshape(rows, -1)

    leaf = dtf(flat, compiled.best, compiled.worst, compiled.power)
    leaf[zero] = 0.0
    leaf[na] = np.nan
    lacking = np.isnan(flat) & ~na & ~zero
    if missing == "zero":
        leaf[lacking] = 0.0

    n_nodes = len(compiled.codes)
    score = np.full((rows, n_nodes), np.nan)
    completeness = np.full((rows, n_nodes), np.nan)
    applicable = np.zeros((rows, n_nodes), dtype=bool)
    score[:, compiled.leaf_nodes] = leaf
    applicable[:, compiled.leaf_nodes] = ~na
    completeness[:, compiled.leaf_nodes] = np.where(na, np.nan, np.where(lacking, 0.0, 1.0))

    weights = np.asarray(weights, dtype=float)
    same_weights = bool((weights == weights[:1]).all()) if n_regions else True
    with np.errstate(invalid="ignore", divide="ignore"):
        for step in compiled.steps:
            children = step.children
            w = weights[:1, children] if same_weights else np.repeat(weights[:, children], n_periods, axis=0)
            active = applicable[:, children] & (w > 0)
            w_active = np.where(active, w, 0.0)
            child_scores = score[:, children]
            scored = active & ~np.isnan(child_scores)
            w_scored = np.where(scored, w, 0.0)
            applicable_weight = w_active @ step.matrix
            weighted_sum = (w_scored * np.where(scored, child_scores, 0.0)) @ step.matrix
            parent_score = weighted_sum / (w_scored @ step.matrix)
            parent_completeness = ((w_active * np.where(active, completeness[:, children], 0.0)) @ step.matrix
                                   / applicable_weight)
            if missing == "propagate":
                parent_score[((active & ~scored) @ step.matrix) > 0] = np.nan
            parent_applicable = applicable_weight > 0
            parent_score[~parent_applicable] = np.nan
            parent_completeness[~parent_applicable] = np.nan
            score[:, step.parents] = parent_score
            completeness[:, step.parents] = parent_completeness
            applicable[:, step.parents] = parent_applicable
    shape = (n_regions, n_periods, n_nodes)
    return NodeScores(score.reshape(shape), completeness.reshape(shape), applicable.reshape(shape))


def rank(scores: np.ndarray, *, tolerance: float = DEFAULT_TIE_TOLERANCE) -> np.ndarray:
    """Competition ranks along axis 0 (1 = highest score); NaN gets 0 (unranked).

    Scores are taken from the highest down; a score within `tolerance` of the top score of the current
    group shares the group's rank, so any two regions sharing a rank differ by at most `tolerance`.
    """
    if not tolerance >= 0:
        raise ScoringError("并列容差必须是大于等于 0 的数字")
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    flat = scores.reshape(n, -1)
    unranked = np.isnan(flat)
    keyed = np.where(unranked, -np.inf, flat)
    order = np.argsort(-keyed, axis=0, kind="stable")
    ordered = np.take_along_axis(keyed, order, axis=0)
    ranks_sorted = np.empty(flat.shape, dtype=np.int32)
    if n:
        leader = ordered[0].copy()
        current = np.ones(flat.shape[1], dtype=np.int32)
        ranks_sorted[0] = 1
        for k in range(1, n):
            row = ordered[k]
            new_group = row < leader - tolerance
            leader[new_group] = row[new_group]
            current[new_group] = k + 1
            ranks_sorted[k] = current
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=0)
    ranks[unranked] = 0
    return ranks.reshape(scores.shape)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything computed for one system over regions × periods: node scores, completeness, ranks, bands."""

    system: CompiledSystem
    regions: tuple[str, ...]
    periods: tuple[str, ...]
    nodes: NodeScores
    ranks: np.ndarray  # (R, P, N) int, 0 = unranked
    bands: np.ndarray  # (R, P, N) index into band_labels, −1 = none
    band_labels: tuple[str, ...]

    def score_of(self, region: str, code: str, period: str) -> float:
        """One node's score (NaN when missing or not applicable)."""
        return float(self.nodes.score[self.regions.index(region), self.periods.index(period),
                                      self.system.node_index[code]])


def evaluate(compiled: CompiledSystem, values: np.ndarray, *, regions: Sequence[str], periods: Sequence[str],
             attributes: Sequence[Mapping[str, Any]] | None = None,
             include_optional: bool | Collection[str] = False,
             not_applicable: np.ndarray | None = None, no_practice: np.ndarray | None = None,
             missing: str = "reweight", tolerance: float = DEFAULT_TIE_TOLERANCE,
             bands: Bands = DEFAULT_BANDS) -> Evaluation:
    """Score, aggregate, rank among regions per indicator and period, and band a (R, P, L) array of values."""
    values = np.asarray(values, dtype=float)
    if values.shape[:2] != (len(regions), len(periods)):
        raise ScoringError(f"观测值数组的形状 {values.shape[:2]} 与地区数 {len(regions)}、"
                           f"期间数 {len(periods)} 不符")
    attributes = attributes if attributes is not None else [{}] * len(regions)
    weights = compiled.region_weights(attributes, include_optional)
    nodes = score_nodes(compiled, values, weights=weights, not_applicable=not_applicable,
                        no_practice=no_practice, missing=missing)
    return Evaluation(
        system=compiled, regions=tuple(regions), periods=tuple(periods), nodes=nodes,
        ranks=rank(nodes.score, tolerance=tolerance), bands=bands.index(nodes.score),
        band_labels=bands.labels,
    )
