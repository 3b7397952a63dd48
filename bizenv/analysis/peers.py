"""Peer groups (同类地区): regions with similar attributes, for fairer comparison.

A region's peers are the regions in its own peer group (Region.peer_group) when it has one and the group has
other members; otherwise the k nearest regions by standardised log population and log GDP (z-scores over
the candidates, Euclidean distance over the attributes both regions have). Regions with neither attribute
cannot be placed and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bizenv.core.errors import ApplicationError


@dataclass(frozen=True)
class RegionProfile:
    code: str
    name: str
    level: str = ""
    peer_group: str = ""
    population: float | None = None
    gdp: float | None = None


@dataclass(frozen=True)
class Peer:
    code: str
    name: str
    distance: float | None  # in standard deviations; None when chosen by peer group without attributes
    reason: str  # Chinese


@dataclass(frozen=True)
class PeerResult:
    region: str
    method: str  # peer_group | nearest
    peers: tuple[Peer, ...]


def _log(value: float | None) -> float:
    return math.log(value) if value is not None and value > 0 else math.nan


def standardised(profiles: Sequence[RegionProfile]) -> np.ndarray:
    """(n, 2) z-scores of log population and log GDP over the profiles; NaN where unknown."""
    raw = np.array([[_log(p.population), _log(p.gdp)] for p in profiles], dtype=float).reshape(-1, 2)
    out = np.full(raw.shape, np.nan)
    for j in range(raw.shape[1]):
        column = raw[:, j]
        known = ~np.isnan(column)
        if known.sum() < 2:
            continue
        spread = column[known].std()
        out[known, j] = 0.0 if spread == 0 else (column[known] - column[known].mean()) / spread
    return out


def distances(z: np.ndarray, target: int) -> np.ndarray:
    """Euclidean distance from `target` over the attributes both have (scaled to the full dimension)."""
    both = ~np.isnan(z) & ~np.isnan(z[target])
    diff = np.where(both, z - z[target], 0.0)
    counts = both.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.sqrt((diff ** 2).sum(axis=1) * z.shape[1] / counts)
    result[counts == 0] = np.inf
    return result


def find_peers(profiles: Sequence[RegionProfile], *, region: str, k: int = 5) -> PeerResult:
    """The peers of `region` among `profiles` (which include it), nearest first, at most k."""
    if k < 1:
        raise ApplicationError("同类地区数量 k 至少为 1。")
    codes = [p.code for p in profiles]
    if region not in codes:
        raise ApplicationError(f"区域 {region} 不在可比较的地区中。")
    target = codes.index(region)
    me = profiles[target]
    dist = distances(standardised(profiles), target)
    others = [i for i in range(len(profiles)) if i != target]
    group = [i for i in others if me.peer_group and profiles[i].peer_group == me.peer_group]
    if group:
        group.sort(key=lambda i: (dist[i], codes[i]))
        return PeerResult(region, "peer_group", tuple(
            Peer(codes[i], profiles[i].name, None if np.isinf(dist[i]) else float(dist[i]),
                 f"同属“{me.peer_group}”类地区") for i in group[:k]))
    near = sorted((i for i in others if np.isfinite(dist[i])), key=lambda i: (dist[i], codes[i]))
    return PeerResult(region, "nearest", tuple(
        Peer(codes[i], profiles[i].name, float(dist[i]), f"人口与经济规模相近（标准化距离 {dist[i]:.2f}）")
        for i in near[:k]))
