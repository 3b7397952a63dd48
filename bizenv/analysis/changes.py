"""同比 / 环比 (year-over-year, period-over-period) of every indicator at every level, values and scores.

Pure: reads a ScoreCube holding both the period and its base period. A node's contribution to the change of
the composite is its score change × its share of the composite in the current period, so that the biggest
positive contributions are the strengths and the biggest negative ones the weaknesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from bizenv.analysis.cubes import ScoreCube, finite
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period


class ChangeKind(StrEnum):
    YOY = "yoy"
    POP = "pop"


KIND_LABELS = {ChangeKind.YOY: "同比", ChangeKind.POP: "环比"}


def change_kind(text: str) -> ChangeKind:
    try:
        return ChangeKind(text)
    except ValueError:
        raise ApplicationError(f"对比方式“{text}”无效，应为 yoy（同比）或 pop（环比）。") from None


def base_period(period: str, kind: ChangeKind | str) -> str:
    """The comparison base: the same period a year earlier (同比) or the period just before (环比)."""
    parsed = Period.parse(period)
    return str(parsed.year_ago() if change_kind(str(kind)) == ChangeKind.YOY else parsed.previous())


def delta(now: float | None, base: float | None) -> float | None:
    """now − base, None when either is missing."""
    if now is None or base is None:
        return None
    return now - base


def pct_change(now: float | None, base: float | None) -> float | None:
    """Relative change in percent, (now − base) / |base| × 100; None when missing or the base is 0."""
    if now is None or base is None or base == 0:
        return None
    return (now - base) / abs(base) * 100.0


def rank_change(now: int, base: int) -> int | None:
    """Places gained (positive) or lost (negative); None when either period is unranked (0)."""
    if not now or not base:
        return None
    return base - now


@dataclass(frozen=True)
class ChangeRow:
    code: str
    name: str
    level: int
    parent: str | None
    unit: str
    direction: str
    value: float | None
    base_value: float | None
    value_delta: float | None
    value_pct: float | None
    score: float | None
    base_score: float | None
    score_delta: float | None
    rank: int
    base_rank: int
    rank_delta: int | None
    share: float  # share of the composite in the current period
    contribution: float | None  # score_delta × share: points of composite gained (+) or lost (−)

    @property
    def improved(self) -> bool | None:
        return None if self.score_delta is None else self.score_delta > 0


@dataclass(frozen=True)
class ChangeReport:
    region: str
    region_name: str
    period: str
    base_period: str
    kind: ChangeKind
    rows: tuple[ChangeRow, ...]  # TOTAL first, then every indicator depth-first
    strengths: tuple[ChangeRow, ...]  # leaves that gained the most composite points
    weaknesses: tuple[ChangeRow, ...]  # leaves that lost the most composite points

    @property
    def total(self) -> ChangeRow:
        return self.rows[0]

    def row(self, code: str) -> ChangeRow:
        return next(r for r in self.rows if r.code == code)

    def children(self, code: str) -> list[ChangeRow]:
        """The sub-indicators of `code`, biggest gain first: which of them moved the parent."""
        kids = [r for r in self.rows if r.parent == code]
        return sorted(kids, key=lambda r: -(r.contribution if r.contribution is not None else -np.inf))


def change_report(cube: ScoreCube, *, region: str, period: str, kind: ChangeKind | str,
                  top: int = 5) -> ChangeReport:
    """同比 or 环比 of one region for one period: every node's values, scores, ranks and contributions."""
    kind = change_kind(str(kind))
    base = base_period(period, kind)
    r, p = cube.region_at(region), cube.period_at(period)
    if base not in cube.periods:
        raise ApplicationError(f"缺少对比基期 {base} 的数据，无法计算{KIND_LABELS[kind]}。")
    b = cube.period_at(base)
    system = cube.system
    values = cube.node_values()
    scores, ranks, shares = cube.scores, cube.ranks, cube.shares
    rows = []
    for node, code in enumerate(system.codes):
        spec = system.specs[node]
        now_v, base_v = finite(values[r, p, node]), finite(values[r, b, node])
        now_s, base_s = finite(scores[r, p, node]), finite(scores[r, b, node])
        score_delta = delta(now_s, base_s)
        share = float(shares[r, p, node]) or float(shares[r, b, node])
        rows.append(ChangeRow(
            code=code, name=system.names[node], level=int(system.level[node]),
            parent=system.codes[system.parent[node]] if node else None,
            unit=spec.unit if spec else "", direction=spec.direction if spec else "higher_better",
            value=now_v, base_value=base_v, value_delta=delta(now_v, base_v), value_pct=pct_change(now_v, base_v),
            score=now_s, base_score=base_s, score_delta=score_delta,
            rank=int(ranks[r, p, node]), base_rank=int(ranks[r, b, node]),
            rank_delta=rank_change(int(ranks[r, p, node]), int(ranks[r, b, node])),
            share=share, contribution=None if score_delta is None else score_delta * share,
        ))
    leaves = {system.codes[n] for n in system.leaf_nodes}
    moved = [row for row in rows if row.code in leaves and row.contribution]
    strengths = sorted((x for x in moved if x.contribution > 0), key=lambda x: -x.contribution)[:top]
    weaknesses = sorted((x for x in moved if x.contribution < 0), key=lambda x: x.contribution)[:top]
    return ChangeReport(region=region, region_name=cube.region_names[r], period=period, base_period=base,
                        kind=kind, rows=tuple(rows), strengths=tuple(strengths), weaknesses=tuple(weaknesses))
