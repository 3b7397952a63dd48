"""The 问题整治清单 proposal rule, pure: which indicators of a month are proposed, for which reason, and the evidence
a person reads."""

from __future__ import annotations

import re

import pytest

from bizenv.workflows.problems import RECURRENCE, SPREAD, WarningFact, problems_propose

NAMES = {"990101": "东湖县", "990102": "西山县", "990103": "南河区", "990104": "北岭县"}
_ids = iter(range(1, 10_000))


def fact(region: str, *, indicator: str = "starting.time", name: str = "开办企业时间", period: str = "2026-10",
         severity: str = "yellow", kind: str = "threshold", figure: str = "", recurrences: int = 0,
         earlier: tuple[str, ...] = ()) -> WarningFact:
    return WarningFact(warning_id=next(_ids), indicator_code=indicator, indicator_name=name, level1_code="starting",
                       region_code=region, region_name=NAMES[region], period=period, severity=severity, kind=kind,
                       figure=figure or f"{len(region)}工作日（预警线 4工作日）", recurrences=recurrences,
                       earlier=earlier)


def test_an_indicator_in_warning_in_three_regions_of_the_month_is_proposed_with_its_figures():
    facts = [fact("990101", severity="red", figure="12工作日（预警线 10工作日）"),
             fact("990102", figure="11工作日（预警线 10工作日）"),
             fact("990103", severity="orange", figure="10.5工作日（预警线 10工作日）")]
    [proposal] = problems_propose(facts, period="2026-10", min_regions=3)
    assert proposal.reason == SPREAD and proposal.indicator_code == "starting.time"
    assert proposal.title == "开办企业时间：3 个地区同时预警"
    # the most severe first, then by region code
    assert proposal.regions == ("990101", "990103", "990102")
    assert proposal.region_names == ("东湖县", "南河区", "西山县")
    assert proposal.evidence.startswith("2026年10月，开办企业时间在 3 个地区同时预警（列入标准：同月至少 3 个地区）：")
    assert "东湖县 12工作日（预警线 10工作日）；南河区 10.5工作日（预警线 10工作日）；西山县 11工作日" in proposal.evidence
    assert "其中红色预警 1 个、橙色预警 1 个、黄色预警 1 个。" in proposal.evidence
    assert not re.search(r"starting|threshold|yellow|990", proposal.evidence)
    assert sorted(proposal.warning_ids) == sorted(f.warning_id for f in facts)


def test_two_regions_are_not_enough_unless_k_is_two():
    facts = [fact("990101"), fact("990102")]
    assert problems_propose(facts, period="2026-10", min_regions=3) == []
    [proposal] = problems_propose(facts, period="2026-10", min_regions=2)
    assert proposal.regions == ("990101", "990102") and "同月至少 2 个地区" in proposal.evidence


def test_several_rules_on_one_region_count_once_and_the_most_severe_figure_is_shown():
    facts = [fact("990101", kind="threshold", severity="red", figure="12工作日（预警线 10工作日）"),
             fact("990101", kind="lag_benchmark", figure="12工作日（预警界限 3工作日）"),
             fact("990102"), fact("990102", kind="fluctuation")]
    assert problems_propose(facts, period="2026-10", min_regions=3) == []
    [proposal] = problems_propose(facts, period="2026-10", min_regions=2)
    assert proposal.regions == ("990101", "990102")
    assert "东湖县 12工作日（预警线 10工作日）" in proposal.evidence and "预警界限" not in proposal.evidence
    assert len(proposal.warning_ids) == 4  # every warning behind it is linked


def test_other_months_missing_reports_and_the_composite_are_left_out():
    facts = [fact("990101"), fact("990102"), fact("990103", period="2026-09"),
             *(fact(r, kind="missing_report") for r in ("990103", "990104")),
             *(fact(r, indicator="TOTAL", name="综合得分", kind="bottom_rank") for r in NAMES)]
    assert problems_propose(facts, period="2026-10", min_regions=3) == []


@pytest.mark.parametrize("recurring, expected", [
    ({"990101": 1}, False),  # one region, back once: not yet a pattern
    ({"990101": 1, "990102": 1}, True),  # back after 销号 in two regions
    ({"990101": 2}, True),  # one region, back for the second time
])
def test_a_problem_that_comes_back_after_being_resolved(recurring, expected):
    facts = [fact(region, recurrences=times, earlier=("2026年3月",) * times) for region, times in recurring.items()]
    proposals = problems_propose(facts, period="2026-10", min_regions=3)
    assert bool(proposals) is expected
    if expected:
        [proposal] = proposals
        assert proposal.reason == RECURRENCE and set(proposal.regions) == set(recurring)
        assert "整改销号后反复预警" in proposal.title
        assert "2026年3月预警已销号" in proposal.evidence


def test_a_second_recurrence_in_one_region_is_counted_and_named():
    [proposal] = problems_propose([fact("990104", recurrences=2, earlier=("2025年12月", "2026年3月—2026年5月"))],
                                  period="2026-10")
    assert proposal.title == "开办企业时间：北岭县整改销号后反复预警"
    assert "北岭县（2025年12月、2026年3月—2026年5月预警已销号，第 3 次预警）" in proposal.evidence


def test_an_indicator_both_widespread_and_recurring_is_proposed_once_as_spread_naming_the_recurrences():
    facts = [fact("990101", recurrences=1, earlier=("2026年2月",)), fact("990102", recurrences=1,
                                                                          earlier=("2026年4月",)),
             fact("990103")]
    [proposal] = problems_propose(facts, period="2026-10", min_regions=3)
    assert proposal.reason == SPREAD
    assert "2 个地区为销号后再次预警：东湖县（2026年2月预警已销号，再次预警）、西山县（2026年4月预警已销号，再次预警）" \
        in proposal.evidence


def test_proposals_come_widest_first_spread_before_recurrence():
    facts = [*(fact(r) for r in ("990101", "990102", "990103")),
             *(fact(r, indicator="power.time", name="办电时间") for r in NAMES),
             *(fact(r, indicator="starting.cost", name="开办企业费用", recurrences=1) for r in ("990101", "990102"))]
    proposals = problems_propose(facts, period="2026-10", min_regions=3)
    assert [(p.indicator_name, p.reason, len(p.regions)) for p in proposals] == [
        ("办电时间", SPREAD, 4), ("开办企业时间", SPREAD, 3), ("开办企业费用", RECURRENCE, 2)]


def test_k_below_two_is_refused():
    with pytest.raises(ValueError):
        problems_propose([], period="2026-10", min_regions=1)
