"""Data quality, pure: robust z-scores (median/MAD) of a value against its own history and its peers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Iglewicz & Hoaglin: |modified z| > 3.5 is a likely outlier; 0.6745 makes MAD comparable to σ.
OUTLIER_THRESHOLD = 3.5
MAD_SCALE = 0.6745
MEAN_AD_SCALE = 0.7979  # for a normal sample, mean absolute deviation ≈ 0.7979 σ
MIN_REFERENCE = 4


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def robust_z(value: float, reference: Sequence[float]) -> float | None:
    """The modified z-score of `value` against `reference`; None when the reference is too small to judge.

    When more than half the reference is identical (MAD = 0) the mean absolute deviation is used; when
    every reference value is identical, any other value is infinitely far (returned as ±inf).
    """
    ref = [v for v in reference if v is not None and math.isfinite(v)]
    if len(ref) < MIN_REFERENCE or not math.isfinite(value):
        return None
    med = _median(ref)
    mad = _median([abs(v - med) for v in ref])
    if mad > 0:
        return MAD_SCALE * (value - med) / mad
    mean_ad = sum(abs(v - med) for v in ref) / len(ref)
    if mean_ad > 0:
        return MEAN_AD_SCALE * (value - med) / mean_ad
    if value == med:
        return 0.0
    return math.copysign(math.inf, value - med)


@dataclass(frozen=True)
class OutlierCheck:
    own_z: float | None
    peer_z: float | None

    @property
    def score(self) -> float | None:
        """The larger absolute z of the two comparisons (capped at 99 for display)."""
        scores = [abs(z) for z in (self.own_z, self.peer_z) if z is not None]
        return min(max(scores), 99.0) if scores else None

    @property
    def is_outlier(self) -> bool:
        return self.score is not None and self.score > OUTLIER_THRESHOLD


def outlier_check(value: float, *, history: Sequence[float], peers: Sequence[float]) -> OutlierCheck:
    """Compare a value with the region's own earlier values and with its peers' values for the same period."""
    return OutlierCheck(robust_z(value, history), robust_z(value, peers))
