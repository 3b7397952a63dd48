"""Distance-to-frontier scoring, weighted aggregation, ranks and bands over (region × period × leaf) arrays.

Pure numpy over specs: the tree is compiled once into index arrays, with the nodes laid out level by level
so that each level's nodes form one contiguous block in which siblings are adjacent; aggregating a level
is then a handful of whole-array operations and `np.add.reduceat` over that block (the child→parent
summation), for every region and period at once. Missing data is NaN; N/A and No Practice are masks.

Rules (see docs/formats.md):
- leaf score = 100 × clip((worst − v) / (worst − best), 0, 1) ** power (power 1 when not set);
- No Practice scores 0; N/A drops the leaf and its siblings are re-weighted;
- missing data never scores 0 silently: by default the leaf is left out and its siblings re-weighted,
  and every node carries its completeness (the share of its applicable weight that had data);
- a node's weight is its region's variant weight; optional nodes and zero weights still get their own
  score but count for nothing in their parent, and a region is not ranked on such a node nor on anything
  under it (e.g. 获得用气 where there is no pipeline gas); a node with no applicable child is itself N/A.
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
        result = np.zeros(scores.shape, dtype=np.int8)
        for _label, minimum in self.thresholds:
            result += scores >= minimum
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
    """One aggregation step in level-ordered positions: the block [start, stop) summed into its parents."""

    start: int
    stop: int
    groups: np.ndarray  # offsets within the block where each parent's children begin (for reduceat)
    parents: np.ndarray  # level-ordered position of each group's parent


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
    layout: np.ndarray  # (N,) node index at each level-ordered position (TOTAL, level 1, level 2, …)
    steps: tuple[LevelStep, ...]  # deepest level first, over level-ordered positions
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

    def counted(self, weights: np.ndarray) -> np.ndarray:
        """(R, N) whether each node counts towards the composite for each region: it and every ancestor
        have a weight above 0 there. A region is ranked on the nodes that count for it only."""
        counted = np.asarray(weights) > 0
        for node in range(1, len(self.codes)):  # parents come before children (depth-first order)
            counted[:, node] &= counted[:, self.parent[node]]
        return counted

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
    # Level order: TOTAL, then each level's nodes grouped by their parent's position in the level above.
    layout = [0]
    blocks = []
    for depth in range(1, int(level.max()) + 1):
        above = {node: at for at, node in enumerate(layout)}
        block = sorted(np.flatnonzero(level == depth), key=lambda node: (above[parent[node]], node))
        blocks.append((len(layout), block))
        layout.extend(block)
    steps = []
    for start, block in reversed(blocks):
        owners = [parent[node] for node in block]
        firsts = [i for i in range(len(block)) if i == 0 or owners[i] != owners[i - 1]]
        position = {node: at for at, node in enumerate(layout)}
        steps.append(LevelStep(start, start + len(block), np.array(firsts, dtype=np.intp),
                               np.array([position[owners[i]] for i in firsts], dtype=np.intp)))
    return CompiledSystem(
        code=spec.code, codes=tuple(codes), names=tuple(names), parent=parent, level=level,
        leaf_nodes=np.array(leaf_nodes, dtype=np.intp), best=np.array(best, dtype=float),
        worst=np.array(worst, dtype=float), power=np.array(power, dtype=float),
        layout=np.array(layout, dtype=np.intp), steps=tuple(steps), specs=tuple(specs),
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
    nothing = np.zeros(values.shape, dtype=bool)
    na = nothing if not_applicable is None else np.asarray(not_applicable, dtype=bool)
    zero = nothing if no_practice is None else np.asarray(no_practice, dtype=bool)

    leaf = dtf(values, compiled.best, compiled.worst, compiled.power)
    leaf[zero] = 0.0
    lacking = np.isnan(values)
    lacking &= ~na
    lacking &= ~zero
    if missing == "zero":
        leaf[lacking] = 0.0
        has_score = ~na
    else:
        has_score = ~(na | lacking)

    # Node-major arrays over level-ordered positions, (N, R, P). Inside the loop a node without a score
    # holds 0 (score) and a node that does not apply holds 0 (completeness), so that products need no
    # masking; `has` and `applicable` say which values are real, and NaN is put back at the end.
    n_nodes = len(compiled.codes)
    position = np.empty(n_nodes, dtype=np.intp)
    position[compiled.layout] = np.arange(n_nodes)
    leaves = position[compiled.leaf_nodes]
    shape = (n_nodes, n_regions, n_periods)
    score, completeness = np.empty(shape), np.empty(shape)
    has, applicable = np.empty(shape, dtype=bool), np.empty(shape, dtype=bool)
    leaf[~has_score] = 0.0
    score[leaves] = leaf.transpose(2, 0, 1)
    has[leaves] = has_score.transpose(2, 0, 1)
    applicable[leaves] = ~na.transpose(2, 0, 1)
    completeness[leaves] = ~(lacking | na).transpose(2, 0, 1)

    node_weights = np.asarray(weights, dtype=float)[:, compiled.layout].T[:, :, None]  # (N, R, 1)
    counted = node_weights > 0
    for step in compiled.steps:
        block = slice(step.start, step.stop)
        w, groups = node_weights[block], step.groups
        active = applicable[block] & counted[block]
        scored = has[block] & counted[block]
        w_active = w * active
        w_scored = w * scored
        applicable_weight = np.add.reduceat(w_active, groups, axis=0)
        scored_weight = np.add.reduceat(w_scored, groups, axis=0)
        weighted_sum = np.add.reduceat(w_scored * score[block], groups, axis=0)
        with_data = np.add.reduceat(w_active * completeness[block], groups, axis=0)
        parent_applicable = applicable_weight > 0
        parent_has = scored_weight > 0
        if missing == "propagate":
            parent_has &= ~np.logical_or.reduceat(active & ~scored, groups, axis=0)
        score[step.parents] = np.divide(weighted_sum, scored_weight, out=np.zeros_like(weighted_sum),
                                        where=parent_has)
        completeness[step.parents] = np.divide(with_data, applicable_weight, out=np.zeros_like(with_data),
                                               where=parent_applicable)
        has[step.parents] = parent_has
        applicable[step.parents] = parent_applicable
    # Back to node order (TOTAL, then depth-first), NaN where there is no value, as (R, P, N) views.
    score = np.where(has[position], score[position], np.nan)
    completeness = np.where(applicable[position], completeness[position], np.nan)
    return NodeScores(score.transpose(1, 2, 0), completeness.transpose(1, 2, 0),
                      applicable[position].transpose(1, 2, 0))


def rank(scores: np.ndarray, *, tolerance: float = DEFAULT_TIE_TOLERANCE) -> np.ndarray:
    """Competition ranks along axis 0 (1 = highest score, 0 = unranked NaN), ties within `tolerance`."""
    # Scores are taken from the highest down; a score within `tolerance` of the top score of the current
    # group shares the group's rank, so any two regions sharing a rank differ by at most `tolerance`.
    if not tolerance >= 0:
        raise ScoringError("并列容差必须是大于等于 0 的数字")
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    # One contiguous row per ranking (indicator × period), regions along the row.
    rows = np.moveaxis(scores, 0, -1)
    keyed = np.negative(rows.reshape(-1, n), order="C")  # a new array: ascending order is best first
    unranked = np.isnan(keyed)
    keyed[unranked] = np.inf  # unranked last
    order = np.argsort(keyed, axis=1)  # equal scores share a rank, so their order does not matter
    ordered = np.ascontiguousarray(np.take_along_axis(keyed, order, axis=1).T)
    ranks_sorted = np.empty(ordered.shape, dtype=np.int32)
    if n:
        leader = ordered[0].copy()
        current = np.ones(ordered.shape[1], dtype=np.int32)
        ranks_sorted[0] = 1
        for k in range(1, n):
            value = ordered[k]
            new_group = value > leader + tolerance
            leader[new_group] = value[new_group]
            current[new_group] = k + 1
            ranks_sorted[k] = current
    ranks = np.empty(keyed.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, ranks_sorted.T, axis=1)
    ranks[unranked] = 0
    return np.moveaxis(ranks.reshape(rows.shape), -1, 0)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything computed for one system over regions × periods: node scores, completeness, ranks, bands."""

    system: CompiledSystem
    regions: tuple[str, ...]
    periods: tuple[str, ...]
    nodes: NodeScores
    ranks: np.ndarray  # (R, P, N) int, 0 = unranked (no score, or the node does not count for the region)
    bands: np.ndarray  # (R, P, N) index into band_labels, −1 = none
    band_labels: tuple[str, ...]
    counted: np.ndarray  # (R, N) bool, see CompiledSystem.counted

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
    """Score, aggregate, rank among regions per indicator and period (each node among the regions it counts
    for), and band a (R, P, L) array of values."""
    values = np.asarray(values, dtype=float)
    if values.shape[:2] != (len(regions), len(periods)):
        raise ScoringError(f"观测值数组的形状 {values.shape[:2]} 与地区数 {len(regions)}、"
                           f"期间数 {len(periods)} 不符")
    attributes = attributes if attributes is not None else [{}] * len(regions)
    weights = compiled.region_weights(attributes, include_optional)
    nodes = score_nodes(compiled, values, weights=weights, not_applicable=not_applicable,
                        no_practice=no_practice, missing=missing)
    counted = compiled.counted(weights)
    rankable = np.where(counted[:, None, :], nodes.score, np.nan)
    return Evaluation(
        system=compiled, regions=tuple(regions), periods=tuple(periods), nodes=nodes,
        ranks=rank(rankable, tolerance=tolerance), bands=bands.index(nodes.score),
        band_labels=bands.labels, counted=counted,
    )
