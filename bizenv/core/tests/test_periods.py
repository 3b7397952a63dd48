from datetime import date

import pytest

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, PeriodKind, period_range, source_periods


@pytest.mark.parametrize("text,kind,expected", [
    ("2026-03", PeriodKind.MONTH, "2026-03"),
    ("2026-3", PeriodKind.MONTH, "2026-03"),
    ("2026-Q2", PeriodKind.QUARTER, "2026-Q2"),
    ("2026q4", PeriodKind.QUARTER, "2026-Q4"),
    ("2026", PeriodKind.YEAR, "2026"),
])
def test_parse_and_format(text, kind, expected):
    period = Period.parse(text)
    assert period.kind == kind and str(period) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-01", "二〇二六", ""])
def test_bad_periods_are_refused_in_chinese(text):
    with pytest.raises(ApplicationError) as exc:
        Period.parse(text)
    assert "格式不正确" in exc.value.message


def test_previous_and_year_ago_cross_year_boundaries():
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert str(Period.parse("2026-03").year_ago()) == "2025-03"
    assert str(Period.parse("2026").previous()) == "2025"


def test_days_and_months_of_a_period():
    q = Period.parse("2024-Q1")
    assert q.first_day == date(2024, 1, 1) and q.last_day == date(2024, 3, 31)
    assert [str(m) for m in q.months()] == ["2024-01", "2024-02", "2024-03"]
    assert Period.parse("2024-02").last_day == date(2024, 2, 29)
    assert Period.parse("2024-02").label == "2024年2月"
    assert [str(p) for p in period_range(Period.parse("2025-11"), Period.parse("2026-02"))] == [
        "2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize(("period", "kind", "expected"), [
    ("2026-10", "month", ["2026-10"]),
    ("2026-10", "quarter", ["2026-Q3", "2026-Q2"]),   # Q4 has not ended in October
    ("2026-09", "quarter", ["2026-Q3", "2026-Q2"]),   # Q3 ends with September
    ("2026-08", "quarter", ["2026-Q2", "2026-Q1"]),
    ("2026-01", "quarter", ["2025-Q4", "2025-Q3"]),
    ("2026-10", "year", ["2025", "2024"]),
    ("2026-12", "year", ["2026", "2025"]),
    ("2026-Q2", "year", ["2025", "2024"]),
    ("2026-Q4", "year", ["2026", "2025"]),
    ("2026-Q2", "month", []),                          # monthly values are not aggregated into a quarter
    ("2026", "quarter", []),
])
def test_source_periods_carry_longer_cycles_forward_from_the_latest_ended_one(period, kind, expected):
    assert [str(p) for p in source_periods(Period.parse(period), PeriodKind(kind))] == expected
