"""Which problems the platform proposes for the city's 问题整治清单 (由点到面), pure: from the warnings in force in
one month, a proposal per indicator with its evidence in Chinese figures.

The rule (one month `period` at a time; `min_regions` is k, the setting BIZENV_PROBLEM_MIN_REGIONS, default 3):

- **多地同时预警 (spread)**: an indicator is in warning in at least k different regions in the month. A region is in
  warning in a month when one of its warnings on the indicator fired that month (the month is in the warning's
  history); several rules firing on the same region and indicator count once.
- **问题反复出现 (recurrence)**: a warning is a recurrence when the same rule had warned the same region on the same
  indicator before and that earlier warning had been resolved (已销号) — the problem came back after being declared
  fixed. An indicator is proposed when, in the month, recurrences are in warning in at least 2 regions, or one
  region's warning has come back at least twice (two resolved warnings before it).
- An indicator that qualifies for both is proposed once, as spread, its evidence naming the recurrences.
- Not proposed: the composite score (综合得分 — no lead department can rectify a total) and missing-report warnings
  (逾期未报 is a reporting lapse followed up by escalation, not a business-environment problem). Warnings the office
  closed as invalid (数据错误、规则不适用) are not passed in (the selector leaves them out).

Which proposals are saved (one per indicator, month and reason; none while the indicator is already on the list
awaiting a decision or being rectified from an earlier month) is the service's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bizenv.evaluation.scoring import TOTAL
from bizenv.monitoring.explain import period_text
from bizenv.monitoring.specs import SEVERITY_LABELS, SEVERITY_ORDER

SPREAD = "spread"
RECURRENCE = "recurrence"
REASON_LABELS = {SPREAD: "多地同时预警", RECURRENCE: "问题反复出现"}
MIN_REGIONS_DEFAULT = 3
RECURRENCE_MIN_REGIONS = 2
RECURRENCE_MIN_TIMES = 2
EXCLUDED_KINDS = frozenset({"missing_report"})
EXCLUDED_INDICATORS = frozenset({TOTAL})


@dataclass(frozen=True, slots=True)
class WarningFact:
    """One warning in force in the month, as the rule reads it."""

    warning_id: int
    indicator_code: str
    indicator_name: str
    level1_code: str
    region_code: str
    region_name: str
    period: str  # the month it fired in (the month looked at)
    severity: str  # red / orange / yellow
    kind: str  # the rule's kind
    figure: str  # the figure a person reads: 6.3工作日（预警线 4工作日）
    recurrences: int = 0  # how many resolved warnings of the same rule, region and indicator came before it
    earlier: tuple[str, ...] = ()  # those earlier warnings' months as text (2025年12月—2026年4月), oldest first


@dataclass(frozen=True, slots=True)
class Proposal:
    indicator_code: str
    indicator_name: str
    level1_code: str
    period: str
    reason: str  # SPREAD or RECURRENCE
    regions: tuple[str, ...]  # region codes, in the order the evidence names them
    region_names: tuple[str, ...]
    warning_ids: tuple[int, ...]
    title: str
    evidence: str


def _rank(fact: WarningFact) -> tuple:
    return (-SEVERITY_ORDER.get(fact.severity, 0), -fact.recurrences, fact.warning_id)


def _by_region(facts: Sequence[WarningFact]) -> dict[str, WarningFact]:
    """The most telling warning per region (the most severe; then the most recurrent), in first-seen order."""
    out: dict[str, WarningFact] = {}
    for fact in facts:
        current = out.get(fact.region_code)
        if current is None or _rank(fact) < _rank(current):
            out[fact.region_code] = fact
    return out


def _severity_counts(facts: Iterable[WarningFact]) -> str:
    counts: dict[str, int] = {}
    for fact in facts:
        counts[fact.severity] = counts.get(fact.severity, 0) + 1
    parts = [f"{SEVERITY_LABELS[s]}预警 {counts[s]} 个" for s in sorted(counts, key=lambda s: -SEVERITY_ORDER.get(s, 0))
             if s in SEVERITY_LABELS]
    return "、".join(parts)


def _recurrence_text(fact: WarningFact) -> str:
    earlier = "、".join(fact.earlier) if fact.earlier else "此前"
    times = f"第 {fact.recurrences + 1} 次" if fact.recurrences >= 2 else "再次"
    return f"{fact.region_name}（{earlier}预警已销号，{times}预警）"


def _ordered(chosen: dict[str, WarningFact]) -> list[WarningFact]:
    return sorted(chosen.values(), key=lambda f: (-SEVERITY_ORDER.get(f.severity, 0), f.region_code))


def _spread(facts: Sequence[WarningFact], *, period: str, min_regions: int) -> Proposal:
    chosen = _ordered(_by_region(facts))
    first = chosen[0]
    month = period_text(period)
    figures = "；".join(f"{f.region_name} {f.figure}" for f in chosen)
    severities = _severity_counts(chosen)
    recurring = [f for f in chosen if f.recurrences]
    evidence = (f"{month}，{first.indicator_name}在 {len(chosen)} 个地区同时预警（列入标准：同月至少 {min_regions} 个"
                f"地区）：{figures}。")
    if severities:
        evidence += f"其中{severities}。"
    if recurring:
        evidence += f"{len(recurring)} 个地区为销号后再次预警：{'、'.join(_recurrence_text(f) for f in recurring)}。"
    return Proposal(
        indicator_code=first.indicator_code, indicator_name=first.indicator_name, level1_code=first.level1_code,
        period=period, reason=SPREAD, regions=tuple(f.region_code for f in chosen),
        region_names=tuple(f.region_name for f in chosen), warning_ids=tuple(sorted(f.warning_id for f in facts)),
        title=f"{first.indicator_name}：{len(chosen)} 个地区同时预警", evidence=evidence)


def _recurrence(facts: Sequence[WarningFact], *, period: str) -> Proposal | None:
    recurring = [f for f in facts if f.recurrences >= 1]
    chosen = _ordered(_by_region(recurring))
    if len(chosen) < RECURRENCE_MIN_REGIONS and not any(f.recurrences >= RECURRENCE_MIN_TIMES for f in chosen):
        return None
    first = chosen[0]
    month = period_text(period)
    evidence = (f"{month}，{first.indicator_name}的问题整改销号后反复出现（列入标准：同月至少 {RECURRENCE_MIN_REGIONS} 个地区"
                f"销号后再次预警，或同一地区销号后第 {RECURRENCE_MIN_TIMES + 1} 次预警）："
                + "；".join(f"{_recurrence_text(f)}，{f.figure}" for f in chosen) + "。")
    where = f"{len(chosen)} 个地区" if len(chosen) > 1 else chosen[0].region_name
    return Proposal(
        indicator_code=first.indicator_code, indicator_name=first.indicator_name, level1_code=first.level1_code,
        period=period, reason=RECURRENCE, regions=tuple(f.region_code for f in chosen),
        region_names=tuple(f.region_name for f in chosen), warning_ids=tuple(sorted(f.warning_id for f in recurring)),
        title=f"{first.indicator_name}：{where}整改销号后反复预警", evidence=evidence)


def problems_propose(facts: Iterable[WarningFact], *, period: str,
                     min_regions: int = MIN_REGIONS_DEFAULT) -> list[Proposal]:
    """The proposals of one month (see the module's rule), the widest first. Facts of other months are ignored."""
    if min_regions < 2:
        raise ValueError("min_regions must be at least 2")
    by_indicator: dict[str, list[WarningFact]] = {}
    for fact in facts:
        if fact.period != period or fact.kind in EXCLUDED_KINDS or fact.indicator_code in EXCLUDED_INDICATORS:
            continue
        by_indicator.setdefault(fact.indicator_code, []).append(fact)
    out: list[Proposal] = []
    for group in by_indicator.values():
        if len({f.region_code for f in group}) >= min_regions:
            out.append(_spread(group, period=period, min_regions=min_regions))
            continue
        proposal = _recurrence(group, period=period)
        if proposal is not None:
            out.append(proposal)
    return sorted(out, key=lambda p: (p.reason != SPREAD, -len(p.regions), p.indicator_code))
