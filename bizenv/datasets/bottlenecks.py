"""Bottleneck views from per-step statistics: which step takes longest, where, and how often over its limit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class StepRow:
    """One step of one region in one period, as StepStatistic stores it."""

    region_code: str
    region_name: str
    step_no: int
    step_name: str
    cases: int
    mean_days: float | None
    p90_days: float | None
    share_over_limit: float | None


@dataclass(frozen=True)
class StepSummary:
    step_name: str
    cases: int
    mean_days: float | None  # case-weighted over the regions
    share_over_limit: float | None  # case-weighted over the regions that have a limit
    slowest_region: str  # the region with the highest mean for this step
    slowest_mean_days: float | None


@dataclass(frozen=True)
class RegionSummary:
    region_code: str
    region_name: str
    cases: int
    total_mean_days: float  # the sum of the region's step means: the process end to end
    slowest_step: str
    slowest_step_days: float


def _weighted(pairs: list[tuple[float, int]]) -> float | None:
    total = sum(n for _v, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else None


def summarise_steps(rows: list[StepRow]) -> list[StepSummary]:
    """Steps in process order, each with its case-weighted mean and the region where it is slowest."""
    by_step: dict[str, list[StepRow]] = defaultdict(list)
    order: dict[str, int] = {}
    for row in rows:
        by_step[row.step_name].append(row)
        order[row.step_name] = min(order.get(row.step_name, row.step_no), row.step_no)
    out = []
    for name in sorted(by_step, key=lambda n: (order[n], n)):
        group = by_step[name]
        timed = [r for r in group if r.mean_days is not None]
        slowest = max(timed, key=lambda r: r.mean_days, default=None)
        out.append(StepSummary(
            step_name=name,
            cases=sum(r.cases for r in group),
            mean_days=_weighted([(r.mean_days, r.cases) for r in timed]),
            share_over_limit=_weighted([(r.share_over_limit, r.cases) for r in group if r.share_over_limit is not None]),
            slowest_region=slowest.region_name if slowest else "",
            slowest_mean_days=slowest.mean_days if slowest else None,
        ))
    return out


def summarise_regions(rows: list[StepRow]) -> list[RegionSummary]:
    """Regions from the slowest end to end, each with its slowest step."""
    by_region: dict[str, list[StepRow]] = defaultdict(list)
    for row in rows:
        if row.mean_days is not None:
            by_region[row.region_code].append(row)
    out = []
    for code, group in by_region.items():
        worst = max(group, key=lambda r: r.mean_days)
        out.append(RegionSummary(
            region_code=code, region_name=group[0].region_name,
            cases=max(r.cases for r in group),
            total_mean_days=sum(r.mean_days for r in group),
            slowest_step=worst.step_name, slowest_step_days=worst.mean_days,
        ))
    return sorted(out, key=lambda r: -r.total_mean_days)
