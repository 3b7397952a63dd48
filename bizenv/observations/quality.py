"""Data quality, pure: robust z-scores (median/MAD) of a value against its own history and its peers.

A value is suspicious when it lies far from what is usual for it, in the direction that would make the
region look worse (a value better than usual does not distort a ranking against the region). The spread
is floored so that integer or flat series (MAD near zero) do not turn every small change into a flag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Iglewicz & Hoaglin: |modified z| > 3.5 is a likely outlier; MAD / 0.6745 estimates σ.
OUTLIER_THRESHOLD = 3.5
MAD_SCALE = 0.6745
MIN_REFERENCE = 4
# The spread is at least 10 % of the usual level (a flat series must move by > 35 % to be flagged) and
# at least 3 % of the indicator's scoring range (best to worst) when it has one.
RELATIVE_SPREAD_FLOOR = 0.10
RANGE_SPREAD_FLOOR = 0.03
ABSOLUTE_SPREAD_FLOOR = 1e-6
HIGHER_BETTER = "higher_better"
LOWER_BETTER = "lower_better"


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Comparison:
    """How a value sits against one reference: its median, robust spread (σ estimate) and signed z."""

    median: float
    spread: float
    z: float
    size: int
    nonnegative: bool = False

    def usual_range(self) -> tuple[float, float]:
        low = self.median - OUTLIER_THRESHOLD * self.spread
        return max(low, 0.0) if self.nonnegative else low, self.median + OUTLIER_THRESHOLD * self.spread


def spread_floor(median: float, *, scale_range: float | None = None) -> float:
    """The smallest spread a reference may have: a share of its level and of the indicator's range."""
    floor = max(RELATIVE_SPREAD_FLOOR * abs(median), ABSOLUTE_SPREAD_FLOOR)
    if scale_range:
        floor = max(floor, RANGE_SPREAD_FLOOR * abs(scale_range))
    return floor


def compare(value: float, reference: Sequence[float], *, scale_range: float | None = None) -> Comparison | None:
    """The value against `reference`; None when the reference is too small to judge."""
    ref = [v for v in reference if v is not None and math.isfinite(v)]
    if len(ref) < MIN_REFERENCE or value is None or not math.isfinite(value):
        return None
    med = _median(ref)
    mad = _median([abs(v - med) for v in ref])
    spread = max(mad / MAD_SCALE, spread_floor(med, scale_range=scale_range))
    return Comparison(median=med, spread=spread, z=(value - med) / spread, size=len(ref),
                      nonnegative=min(ref) >= 0)


def robust_z(value: float, reference: Sequence[float], *, scale_range: float | None = None) -> float | None:
    """The modified z-score of `value` against `reference` (spread floored); None when too few to judge."""
    found = compare(value, reference, scale_range=scale_range)
    return found.z if found is not None else None


def worse_z(z: float, direction: str) -> float:
    """How far the value lies on the worse side: higher for lower-better, lower for higher-better, both if
    the indicator has no direction; 0 on the better side."""
    if direction == LOWER_BETTER:
        return max(z, 0.0)
    if direction == HIGHER_BETTER:
        return max(-z, 0.0)
    return abs(z)


@dataclass(frozen=True)
class OutlierCheck:
    value: float
    own: Comparison | None
    peer: Comparison | None
    direction: str = ""

    @property
    def own_z(self) -> float | None:
        return self.own.z if self.own else None

    @property
    def peer_z(self) -> float | None:
        return self.peer.z if self.peer else None

    @property
    def score(self) -> float | None:
        """The larger worse-side z of the two comparisons (capped at 99 for display)."""
        scores = [worse_z(c.z, self.direction) for c in (self.own, self.peer) if c is not None]
        return min(max(scores), 99.0) if scores else None

    @property
    def is_outlier(self) -> bool:
        return self.score is not None and self.score > OUTLIER_THRESHOLD

    def explanation(self, *, unit: str = "") -> str:
        """Why the value is flagged, in Chinese: the value, the usual range, how far outside; "" if not."""
        if not self.is_outlier:
            return ""
        parts = []
        for label, c in (("本区域此前 {n} 期", self.own), ("同类区域本期 {n} 个值", self.peer)):
            if c is None or worse_z(c.z, self.direction) <= OUTLIER_THRESHOLD:
                continue
            low, high = c.usual_range()
            above = self.value > high
            beyond = self.value - high if above else low - self.value
            parts.append(
                f"{label.format(n=c.size)}的中位数为 {_fmt(c.median)}{unit}，通常范围 {_fmt(low)}–{_fmt(high)}{unit}，"
                f"本值{'高' if above else '低'}出{'上' if above else '下'}限 {_fmt(beyond)}{unit}"
                f"（偏离 {abs(c.z):.1f} 个稳健标准差，超过 {OUTLIER_THRESHOLD} 即提示）"
            )
        worse = {LOWER_BETTER: "（该指标越低越好，偏高即变差）", HIGHER_BETTER: "（该指标越高越好，偏低即变差）"}
        return f"数值 {_fmt(self.value)}{unit}：" + "；".join(parts) + worse.get(self.direction, "") + "。"


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if math.isfinite(x) else "—"


def outlier_check(value: float, *, history: Sequence[float], peers: Sequence[float], direction: str = "",
                  scale_range: float | None = None) -> OutlierCheck:
    """Compare a value with the region's own earlier values and with its peers' values for the same period."""
    return OutlierCheck(value=value, own=compare(value, history, scale_range=scale_range),
                        peer=compare(value, peers, scale_range=scale_range), direction=direction)
