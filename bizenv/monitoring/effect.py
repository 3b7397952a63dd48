"""The measured effect of a rectification (整改成效), pure: a difference-in-differences against peer regions.

A region warned on an indicator starts rectification at its first measure's period. Whether the indicator then
improved is judged against peer regions over the same periods (the caller chooses them: regions with no open
warning on that indicator in that time), so that a change every region went through is not credited to the
measures. Per period, d_t = region value − mean of the peers that have a value; a period counts only when
both exist. DiD = mean(d after) − mean(d before); its standard error treats the periods on each side as
independent draws: SE = √(var(d before)/n_b + var(d after)/n_a), ddof = 1, and the 95 % interval uses Student's
t with n_b + n_a − 2 degrees of freedom (1.96 when scipy is missing).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

import numpy as np

from bizenv.core.charts import BAND, GOLD, NEUTRAL, rounded, trend_line
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.observations.quality import HIGHER_BETTER, LOWER_BETTER

LEVEL = 0.95
NORMAL_QUANTILE = 1.96
MIN_BEFORE = 3
MIN_AFTER = 2
# A window's spread needs two periods; a tolerance keeps float noise in a zero-width interval from a verdict.
MIN_WINDOW = 2
TOLERANCE = 1e-9

DIRECTION_LABELS = {LOWER_BETTER: "越低越好", HIGHER_BETTER: "越高越好"}

Series = Sequence[float | None] | Mapping[str, float | None]


class Verdict(StrEnum):
    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCLEAR = "unclear"
    TOO_FEW = "too_few"


VERDICT_LABELS: dict[str, str] = {
    Verdict.IMPROVED: "明显改善",
    Verdict.WORSENED: "明显变差",
    Verdict.UNCLEAR: "尚不明确",
    Verdict.TOO_FEW: "期数不足，暂无法判断",
}


@dataclass(frozen=True)
class Effect:
    """One rectification's effect. Values are in the indicator's unit; `did` is raw (after − before, region
    minus peers), `improvement` is the same amount signed so that positive means better than the peers."""

    region_name: str
    indicator_name: str
    unit: str
    direction: str
    first_measure_period: str
    periods: tuple[str, ...]  # every period given, for the chart
    treated: tuple[float | None, ...]  # the region's value per period
    peer_mean: tuple[float | None, ...]  # mean over the peers with a value, per period
    peer_count: int  # peers with at least one value
    before_periods: tuple[str, ...]  # periods before the first measure where region and peers both have a value
    after_periods: tuple[str, ...]  # the same from the first measure's period on
    treated_before: float | None
    treated_after: float | None
    peers_before: float | None
    peers_after: float | None
    did: float | None
    se: float | None
    did_low: float | None
    did_high: float | None
    verdict: Verdict
    min_before: int = MIN_BEFORE
    min_after: int = MIN_AFTER

    @property
    def improvement(self) -> float | None:
        return None if self.did is None else self._better(self.did)

    @property
    def improvement_interval(self) -> tuple[float, float] | None:
        """The 95 % interval of `improvement` (low, high)."""
        if self.did_low is None or self.did_high is None:
            return None
        ends = sorted((self._better(self.did_low), self._better(self.did_high)))
        return ends[0], ends[1]

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def sentence(self) -> str:
        """The effect in one or two plain Chinese sentences, every figure stated."""
        return _sentence(self)

    def _better(self, value: float) -> float:
        return -value if self.direction == LOWER_BETTER else value


def _number(value) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _aligned(series: Series, periods: Sequence[str], raw: Sequence[str], *, what: str) -> list[float | None]:
    if isinstance(series, Mapping):
        by_period = {str(Period.parse(p)): v for p, v in series.items()}
        return [_number(by_period.get(p)) for p in periods]
    if len(series) != len(periods):
        raise ApplicationError(f"{what}的数值个数（{len(series)}）与时期个数（{len(raw)}）不一致。")
    return [_number(v) for v in series]


def _periods(periods: Sequence[str]) -> list[Period]:
    parsed = [Period.parse(p) for p in periods]
    if len({p.kind for p in parsed}) > 1:
        raise ApplicationError("时期须为同一种（月、季度或年）。")
    if any(a >= b for a, b in zip(parsed, parsed[1:], strict=False)):
        raise ApplicationError("时期须按先后排列且不重复。")
    return parsed


@lru_cache(maxsize=64)
def _quantile(df: int) -> float:
    try:
        from scipy.stats import t
    except ImportError:  # the normal quantile: a slightly narrower interval
        return NORMAL_QUANTILE
    return float(t.ppf(0.5 + LEVEL / 2, df))


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def rectification_effect(*, periods: Sequence[str], treated: Series, peers: Mapping[str, Series],
                         first_measure_period: str, direction: str, unit: str = "", indicator_name: str = "",
                         region_name: str = "", min_before: int = MIN_BEFORE,
                         min_after: int = MIN_AFTER) -> Effect:
    """The difference-in-differences of a region's indicator against its peers around the first measure.

    Series are aligned with `periods` (a sequence of the same length) or keyed by period; None or NaN where
    missing. `peers` maps each peer region to its series."""
    if direction not in DIRECTION_LABELS:
        raise ApplicationError("指标方向须为“越低越好”或“越高越好”，无方向的指标无法判断整改成效。")
    if min_before < MIN_WINDOW or min_after < MIN_WINDOW:
        raise ApplicationError(f"整改前后各至少需要 {MIN_WINDOW} 期才能估计波动范围。")
    parsed = _periods(periods)
    names = [str(p) for p in parsed]
    first = Period.parse(first_measure_period)
    own = _aligned(treated, names, periods, what=f"{region_name or '本区域'}")
    peer_rows = [_aligned(s, names, periods, what=f"同类地区{name}") for name, s in peers.items()]
    matrix = np.array(peer_rows, dtype=float).reshape(len(peer_rows), len(names))  # None → NaN
    present = ~np.isnan(matrix)
    counts = present.sum(axis=0)
    sums = np.where(present, matrix, 0.0).sum(axis=0)
    peer_mean = [float(sums[i] / counts[i]) if counts[i] else None for i in range(len(names))]
    peer_count = int(present.any(axis=1).sum())

    before, after = [], []
    for i, period in enumerate(parsed):
        if own[i] is not None and peer_mean[i] is not None:
            (after if period >= first else before).append(i)
    d_before = [own[i] - peer_mean[i] for i in before]
    d_after = [own[i] - peer_mean[i] for i in after]
    did = se = low = high = None
    if d_before and d_after:
        did = float(np.mean(d_after) - np.mean(d_before))
    too_few = peer_count == 0 or len(before) < min_before or len(after) < min_after
    if not too_few:
        se = math.sqrt(float(np.var(d_before, ddof=1)) / len(before) + float(np.var(d_after, ddof=1)) / len(after))
        margin = _quantile(len(before) + len(after) - 2) * se
        low, high = did - margin, did + margin
    effect = Effect(
        region_name=region_name, indicator_name=indicator_name, unit=unit, direction=direction,
        first_measure_period=str(first), periods=tuple(names), treated=tuple(own), peer_mean=tuple(peer_mean),
        peer_count=peer_count, before_periods=tuple(names[i] for i in before),
        after_periods=tuple(names[i] for i in after),
        treated_before=_mean([own[i] for i in before]), treated_after=_mean([own[i] for i in after]),
        peers_before=_mean([peer_mean[i] for i in before]), peers_after=_mean([peer_mean[i] for i in after]),
        did=did, se=se, did_low=low, did_high=high, verdict=Verdict.TOO_FEW, min_before=min_before,
        min_after=min_after,
    )
    if too_few:
        return effect
    better_low, better_high = effect.improvement_interval
    verdict = (Verdict.IMPROVED if better_low > TOLERANCE else Verdict.WORSENED if better_high < -TOLERANCE
               else Verdict.UNCLEAR)
    return replace(effect, verdict=verdict)


def _amount(value: float, unit: str) -> str:
    text = f"{0.0 if round(value, 2) == 0 else value:.2f}"
    if not unit:
        return text
    return text + unit if unit in ("%", "‰", "℃") else f"{text} {unit}"


def _range(low: float, high: float, unit: str) -> str:
    return f"{_amount(low, '')}～{_amount(high, unit)}"


def _head(effect: Effect) -> str:
    first = Period.parse(effect.first_measure_period).label
    name = f"“{effect.indicator_name}”" if effect.indicator_name else "该指标"
    return (f"{effect.region_name}{name}（{DIRECTION_LABELS[effect.direction]}）于{first}开始整改")


def _too_few(effect: Effect) -> str:
    if effect.peer_count == 0:
        return (f"{_head(effect)}，但没有可对照的同类地区（同期该指标未预警的地区）数据，无法扣除同期的共同变化，"
                f"暂无法判断整改成效。")
    n_b, n_a = len(effect.before_periods), len(effect.after_periods)
    short_b, short_a = n_b < effect.min_before, n_a < effect.min_after

    def count(side: str, n: int, short: bool) -> str:
        if n == 0:
            return f"整改{side}尚无可比数据"
        return f"整改{side}{'仅' if short else ''}有 {n} 期可比数据"

    needed = "、".join(
        f"整改{side}至少需要 {need} 期" for side, need, short in
        (("前", effect.min_before, short_b), ("后", effect.min_after, short_a)) if short)
    return (f"{_head(effect)}。{count('前', n_b, short_b)}，{count('后', n_a, short_a)}"
            f"（可比数据指本区与同类地区同期都有数值的时期），{needed}才能判断整改成效。")


def _sentence(effect: Effect) -> str:
    if effect.verdict == Verdict.TOO_FEW:
        return _too_few(effect)
    unit = effect.unit
    n_b, n_a = len(effect.before_periods), len(effect.after_periods)
    figures = (f"{_head(effect)}。整改前 {n_b} 期本区均值 {_amount(effect.treated_before, unit)}、"
               f"同类地区（{effect.peer_count} 个）均值 {_amount(effect.peers_before, unit)}；"
               f"整改后 {n_a} 期本区 {_amount(effect.treated_after, unit)}、"
               f"同类地区 {_amount(effect.peers_after, unit)}。")
    gain = effect.improvement
    low, high = effect.improvement_interval
    level = f"{LEVEL:.0%}"
    if effect.verdict == Verdict.IMPROVED:
        judged = f"本区改善 {_amount(gain, unit)}（{level} 区间 {_range(low, high, unit)}），整改效果明显。"
    elif effect.verdict == Verdict.WORSENED:
        judged = (f"本区变差 {_amount(-gain, unit)}（{level} 区间 {_range(-high, -low, unit)}），"
                  f"整改后反而明显变差，需加大整改力度。")
    else:
        change = (f"改善 {_amount(gain, unit)}" if round(gain, 2) > 0 else
                  f"变差 {_amount(-gain, unit)}" if round(gain, 2) < 0 else "与同类地区变化相同")
        judged = (f"本区{change}，但改善幅度的 {level} 区间为 {_range(low, high, unit)}（负值表示变差），"
                  f"跨过零，整改效果尚不明确，需继续观察。")
    return figures + "扣除同期同类地区的变化后，" + judged


def effect_chart(effect: Effect, *, title: str = "") -> dict:
    """The region's values and the peers' mean per period as two lines, with a dashed vertical line at the
    first measure (at the first period on or after it)."""
    region = f"本区域（{effect.region_name}）" if effect.region_name else "本区域"
    option = trend_line(effect.periods, [(region, [rounded(v) for v in effect.treated]),
                                         ("同类地区均值", [rounded(v) for v in effect.peer_mean])],
                        unit=effect.unit)
    option["color"] = [NEUTRAL, BAND]
    option["yAxis"] = {"type": "value", "name": effect.unit, "scale": True}
    option["series"][1]["lineStyle"] = {"type": "dashed"}
    if title:
        option["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 14}}
        option["legend"] = {**option["legend"], "top": 28}
        option["grid"] = {**option["grid"], "top": 64}
    first = Period.parse(effect.first_measure_period)
    at = next((p for p in effect.periods if Period.parse(p) >= first), None)
    if at is not None:
        option["series"][0]["markLine"] = {
            "symbol": "none", "silent": True,
            "lineStyle": {"color": GOLD, "type": "dashed", "width": 2},
            "label": {"formatter": "首次整改", "position": "insideEndTop", "color": GOLD},
            "data": [{"xAxis": at}],
        }
    return option


@dataclass(frozen=True)
class SummaryRow:
    """The effects of one group (a region or an indicator). `mean_improvement` averages the judged effects
    (not TOO_FEW) in `unit`; None when none was judged or their units differ."""

    key: Hashable
    count: int
    improved: int
    worsened: int
    unclear: int
    too_few: int
    mean_improvement: float | None
    unit: str

    @property
    def judged(self) -> int:
        return self.count - self.too_few

    @property
    def mean_improvement_text(self) -> str:
        """“改善 3.90 分” or “变差 6.35 分” (words, not a coloured sign: 红涨绿跌 would read a fall as good)."""
        if self.mean_improvement is None:
            return ""
        word = "改善" if self.mean_improvement >= 0 else "变差"
        unit = f" {self.unit}" if self.unit else ""
        return f"{word} {abs(self.mean_improvement):.2f}{unit}"


def effect_summary(effects: Iterable[tuple[Hashable, Effect]]) -> list[SummaryRow]:
    """Counts per verdict and the mean improvement per group key, groups in order of first appearance."""
    groups: dict[Hashable, list[Effect]] = {}
    for key, effect in effects:
        groups.setdefault(key, []).append(effect)
    rows = []
    for key, members in groups.items():
        judged = [e for e in members if e.verdict != Verdict.TOO_FEW]
        units = {e.unit for e in judged}
        same_unit = len(units) == 1
        tally = {v: sum(e.verdict == v for e in members) for v in Verdict}
        rows.append(SummaryRow(
            key=key, count=len(members), improved=tally[Verdict.IMPROVED], worsened=tally[Verdict.WORSENED],
            unclear=tally[Verdict.UNCLEAR], too_few=tally[Verdict.TOO_FEW],
            mean_improvement=float(np.mean([e.improvement for e in judged])) if judged and same_unit else None,
            unit=units.pop() if same_unit else "",
        ))
    return rows
