"""同比 / 环比: the arithmetic, the base periods, and the strengths and weaknesses of a region."""

from __future__ import annotations

import pytest

from bizenv.analysis.changes import ChangeKind, base_period, change_report, delta, pct_change, rank_change
from bizenv.core.errors import ApplicationError


@pytest.mark.parametrize(("period", "kind", "base"), [
    ("2026-03", "yoy", "2025-03"),
    ("2026-01", "pop", "2025-12"),
    ("2026-3", "pop", "2026-02"),
    ("2026-Q1", "pop", "2025-Q4"),
    ("2026-Q2", "yoy", "2025-Q2"),
    ("2026", "yoy", "2025"),
    ("2026", "pop", "2025"),
])
def test_base_period(period, kind, base):
    assert base_period(period, kind) == base


@pytest.mark.parametrize(("now", "base", "diff", "pct"), [
    (12.0, 10.0, 2.0, 20.0),
    (8.0, 10.0, -2.0, -20.0),
    (-5.0, -10.0, 5.0, 50.0),  # relative to |base|: a rise from −10 to −5 is +50%
    (3.0, 0.0, 3.0, None),  # no percentage from a zero base
    (None, 10.0, None, None),
    (10.0, None, None, None),
])
def test_delta_and_percentage(now, base, diff, pct):
    assert delta(now, base) == diff
    assert pct_change(now, base) == (pytest.approx(pct) if pct is not None else None)


@pytest.mark.parametrize(("now", "base", "gained"), [(2, 5, 3), (5, 2, -3), (1, 1, 0), (0, 3, None), (3, 0, None)])
def test_rank_change_counts_places_gained(now, base, gained):
    assert rank_change(now, base) == gained


def test_bad_kind_and_period_are_chinese_errors():
    with pytest.raises(ApplicationError, match="同比"):
        base_period("2026-03", "mom")
    with pytest.raises(ApplicationError, match="格式不正确"):
        base_period("2026-13", "pop")


@pytest.fixture
def two_months(make_cube):
    # start.time 5.5 → 3.0 (score 50 → 75); power.time 7 → 9 (score 50 → 30); the rest unchanged.
    return make_cube({
        "A": {"2026-01": (5.5, 500, 7, 50), "2026-02": (3.0, 500, 9, 50)},
        "B": {"2026-01": (3.0, 400, 5, 60), "2026-02": (3.0, 400, 5, 60)},
    }, names={"A": "东湖县", "B": "西山县"})


def test_pop_values_scores_ranks_and_contributions(two_months):
    report = change_report(two_months, region="A", period="2026-02", kind=ChangeKind.POP)
    assert report.base_period == "2026-01" and report.region_name == "东湖县"
    time = report.row("start.time")
    assert (time.value, time.base_value, time.value_delta) == (3.0, 5.5, -2.5)
    assert time.value_pct == pytest.approx(-2.5 / 5.5 * 100)
    assert (time.base_score, time.score, time.score_delta) == (pytest.approx(50), pytest.approx(75),
                                                               pytest.approx(25))
    assert time.share == pytest.approx(0.25) and time.contribution == pytest.approx(6.25)
    assert time.rank == 1 and time.base_rank == 2 and time.rank_delta == 1 and time.improved
    power = report.row("power.time")
    assert power.score_delta == pytest.approx(-20) and power.contribution == pytest.approx(-5)
    start = report.row("start")
    assert start.value is None and start.score_delta == pytest.approx(12.5)
    assert report.total.score_delta == pytest.approx(6.25 - 5)


def test_composite_change_is_the_sum_of_leaf_contributions(two_months):
    report = change_report(two_months, region="A", period="2026-02", kind="pop")
    leaves = [r for r in report.rows if r.code in {"start.time", "start.cost", "power.time", "service.online"}]
    assert sum(r.contribution for r in leaves) == pytest.approx(report.total.score_delta)


def test_strengths_and_weaknesses(two_months):
    report = change_report(two_months, region="A", period="2026-02", kind="pop")
    assert [r.code for r in report.strengths] == ["start.time"]
    assert [r.code for r in report.weaknesses] == ["power.time"]
    assert [r.code for r in report.children("TOTAL")] == ["start", "service", "power"]
    unchanged = change_report(two_months, region="B", period="2026-02", kind="pop")
    assert unchanged.strengths == () and unchanged.weaknesses == ()


def test_yoy_needs_the_base_year(two_months):
    with pytest.raises(ApplicationError, match="2025-02"):
        change_report(two_months, region="A", period="2026-02", kind="yoy")


def test_missing_base_values_give_no_change_not_zero(make_cube):
    cube = make_cube({"A": {"2026-01": (None, 500, 7, 50), "2026-02": (3.0, 500, 7, 50)}})
    row = change_report(cube, region="A", period="2026-02", kind="pop").row("start.time")
    assert row.base_value is None and row.score_delta is None and row.contribution is None
