"""Regions and their service quality, and the cases drawn from them: counts, application times, steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bizenv.datasets.demo_records.days import _Calendar
from bizenv.datasets.demo_records.profiles import (
    ACTIVITY,
    CLOSE,
    DAY_END,
    GROWTH_PER_YEAR,
    LAST_START,
    MONTH_VOLUME,
    OPEN,
    RATES,
    Variant,
)

# ---------------------------------------------------------------------------------------------------
# Regions and their quality


@dataclass(frozen=True)
class _Regions:
    codes: list[str]
    level: np.ndarray  # str
    population: np.ndarray
    gas: np.ndarray  # bool
    quality: np.ndarray  # (regions, months) in [0, 1], 1 = best practice
    special: np.ndarray  # bool: the best and the worsening region keep their exact curves


def _regions(rng, regions: Sequence[Mapping], n_months: int, best: str | None, worsening: str | None) -> _Regions:
    codes = [str(r["code"]) for r in regions]
    level = np.array([str(r.get("level") or "county") for r in regions])
    population = np.array([float(r.get("population") or 100_000) for r in regions])
    gas = np.array([bool(r.get("has_pipeline_gas", True)) for r in regions])
    ordered = sorted(range(len(codes)), key=codes.__getitem__)
    districts = [i for i in ordered if level[i] == "district"]
    counties = [i for i in ordered if level[i] == "county"]
    best_i = codes.index(best) if best else (districts or ordered)[0]
    worse_i = codes.index(worsening) if worsening else (counties[1:2] or counties or ordered[-1:])[0]
    if best_i == worse_i:
        raise ValueError("最佳区域与逐月变差的区域不能是同一个")

    t = np.linspace(0.0, 1.0, n_months)
    bonus = np.select([level == "zone", level == "district"], [0.12, 0.05], 0.0)
    base = rng.uniform(0.35, 0.70, len(codes)) + bonus
    trend = rng.uniform(0.04, 0.18, len(codes))
    quality = base[:, None] + trend[:, None] * t[None, :]
    quality[best_i] = 0.96 + 0.03 * t
    quality[worse_i] = 0.72 - 0.64 * t
    special = np.zeros(len(codes), bool)
    special[[best_i, worse_i]] = True
    return _Regions(codes, level, population, gas, np.clip(quality, 0.02, 0.99), special)


def _process_quality(rng, regions: _Regions) -> np.ndarray:
    """Quality per region and month for one process: the region's own plus a process-specific offset."""
    offset = np.where(regions.special, 0.0, rng.normal(0.0, 0.07, len(regions.codes)))
    return np.clip(regions.quality + offset[:, None], 0.02, 0.99)


# ---------------------------------------------------------------------------------------------------
# Cases: counts, application times, steps


@dataclass
class _Cases:
    region: np.ndarray  # region index
    month: np.ndarray  # month index
    seq: np.ndarray  # 1-based number within (region, month), in application order
    day: np.ndarray  # working-day index of the application
    tod: np.ndarray  # seconds after midnight
    quality: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def _draw_cases(rng, ds: str, cal: _Calendar, regions: _Regions, quality: np.ndarray, scale: float,
                eligible: np.ndarray | None = None) -> _Cases:
    n_months = len(cal.month_first)
    activity = np.array([ACTIVITY.get(ds, {}).get(lv, 1.0) for lv in regions.level])
    growth = 1.0 + GROWTH_PER_YEAR.get(ds, 0.0) * np.arange(n_months) / 12.0
    expected = (RATES[ds] * scale * regions.population[:, None] / 1e5 * activity[:, None]
                * (MONTH_VOLUME[cal.month_of_year] * growth)[None, :])
    if eligible is not None:
        expected = expected * eligible[:, None]
    counts = rng.poisson(expected).ravel()
    group = np.repeat(np.arange(counts.size), counts)
    region, month = np.divmod(group, n_months)
    day = cal.month_first[month] + (rng.random(group.size) * cal.month_count[month]).astype(np.int64)
    tod = rng.integers(OPEN - 900, LAST_START - 1800, group.size)
    order = np.lexsort((tod, day, group))
    region, month, day, tod, group = region[order], month[order], day[order], tod[order], group[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    seq = np.arange(group.size) - starts[group] + 1
    return _Cases(region, month, seq, day, tod, quality[region, month])


def _pick(rng, weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _finish(rng, day, tod, k, quality):
    """End of a piece of work that started at (day, tod) and took `k` whole working days."""
    span = rng.integers(600, 1800 + (5400 * (1.0 - quality)).astype(np.int64))
    end_tod = np.where(k == 0, np.minimum(tod + span, DAY_END), rng.integers(OPEN, CLOSE, len(day)))
    return day + k, end_tod


@dataclass(frozen=True)
class _Templates:
    names: list[str]
    count: np.ndarray  # (variants, levels): steps of the template, 0 where the level does not exist
    levels: np.ndarray  # (variants,)
    name: np.ndarray  # (variants, levels, steps): index into names
    weight: np.ndarray
    limit: np.ndarray  # NaN where there is no limit
    best: np.ndarray  # (variants,)
    typical: np.ndarray
    share: np.ndarray
    codes: list[str | None]


def _templates(variants: Sequence[Variant], names: list[str]) -> _Templates:
    v_n = len(variants)
    l_n = max(len(v.steps) for v in variants)
    j_n = max(len(s) for v in variants for s in v.steps)
    shape = (v_n, l_n, j_n)
    t = _Templates(names, np.zeros((v_n, l_n), np.int64), np.array([len(v.steps) for v in variants]),
                   np.zeros(shape, np.int64), np.zeros(shape), np.full(shape, np.nan),
                   np.array([v.best_days for v in variants]), np.array([v.typical_days for v in variants]),
                   np.array([v.share for v in variants]), [v.code for v in variants])
    for vi, variant in enumerate(variants):
        for li, steps in enumerate(variant.steps):
            t.count[vi, li] = len(steps)
            total = sum(s.weight for s in steps)
            for ji, step in enumerate(steps):
                if step.name not in names:
                    names.append(step.name)
                t.name[vi, li, ji] = names.index(step.name)
                t.weight[vi, li, ji] = step.weight / total
                t.limit[vi, li, ji] = np.nan if step.limit is None else step.limit
    return t


@dataclass
class _Steps:
    case: np.ndarray  # index of the case
    step_no: np.ndarray
    name: np.ndarray  # index into the templates' names
    start_day: np.ndarray
    start_tod: np.ndarray
    end_day: np.ndarray
    end_tod: np.ndarray
    limit: np.ndarray


def _simulate(rng, cal: _Calendar, cases: _Cases, t: _Templates, variant: np.ndarray, online: np.ndarray):
    """Steps of every case, one step position at a time across all cases.

    Returns the steps that had started by the horizon and each case's (completion day, time of day).
    """
    n = len(cases)
    q = cases.quality
    level = np.floor((1.0 - q) * t.levels[variant]).astype(np.int64)
    level += rng.random(n) < 0.03 + 0.1 * (1.0 - q)
    level = np.minimum(level, t.levels[variant] - 1)
    n_steps = t.count[variant, level]
    slow = cal.slow[np.minimum(cases.day, cal.horizon - 1)]
    region_noise = rng.lognormal(0.0, 0.15, n)
    total = (t.best[variant] + (t.typical[variant] - t.best[variant]) * 2.0 * (1.0 - q)) * slow * region_noise
    total *= np.where(online, 0.9, 1.0)
    gap_lambda = 0.7 * (1.0 - q) ** 2 * slow

    j_n = t.name.shape[2]
    out = {k: np.zeros((n, j_n), np.int32) for k in ("start_day", "start_tod", "end_day", "end_tod")}
    day, tod = cases.day.copy(), cases.tod.copy()
    end_day = end_tod = None
    for j in range(j_n):
        if j:
            gap = rng.poisson(gap_lambda)
            same_tod = end_tod + rng.integers(300, 3600, n)
            roll = (gap == 0) & (same_tod > LAST_START)
            day = np.where(gap == 0, end_day + roll, end_day + gap)
            tod = np.where((gap == 0) & ~roll, same_tod, rng.integers(OPEN, LAST_START - 1800, n))
        mean = total * t.weight[variant, level, j]
        k = np.floor(rng.gamma(2.0, 1.0, n) * mean / 2.0 + 0.25).astype(np.int64)
        end_day, end_tod = _finish(rng, day, tod, k, q)
        out["start_day"][:, j], out["start_tod"][:, j] = day, tod
        out["end_day"][:, j], out["end_tod"][:, j] = end_day, end_tod

    last = (n_steps - 1)[:, None]
    done_day = np.take_along_axis(out["end_day"], last, 1)[:, 0]
    done_tod = np.take_along_axis(out["end_tod"], last, 1)[:, 0]

    position = np.arange(j_n)[None, :]
    started = (position < n_steps[:, None]) & (out["start_day"] < cal.horizon)
    case, j = np.nonzero(started)
    v, lv = variant[case], level[case]
    steps = _Steps(case, j + 1, t.name[v, lv, j], out["start_day"][case, j], out["start_tod"][case, j],
                   out["end_day"][case, j], out["end_tod"][case, j], t.limit[v, lv, j])
    return steps, done_day, done_tod
