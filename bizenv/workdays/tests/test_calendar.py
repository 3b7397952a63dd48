"""WorkCalendar: chinese-calendar with overrides, the seed 004 step duration, coverage errors."""

from datetime import date, datetime

import chinese_calendar
import numpy as np
import pytest

from bizenv.core.errors import ApplicationError
from bizenv.workdays.calendar import WorkCalendar


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-03-02", "2026-03-02", 0.5),  # applied and finished the same working day
        ("2026-03-02", "2026-03-03", 1),  # finished on the next working day
        ("2026-03-02", "2026-03-06", 4),
        ("2026-03-06", "2026-03-09", 1),  # Friday → Monday: the weekend does not count
        ("2026-03-07", "2026-03-07", 0.5),  # a Saturday application finished the same day is still 0.5
        ("2026-03-07", "2026-03-09", 1),  # Saturday → Monday
        ("2025-09-30", "2025-10-09", 1),  # 国庆/中秋 2025: 10-01 … 10-08 off
        ("2026-02-13", "2026-02-24", 2),  # 春节 2026: Saturday 02-14 is a 调休 working day
        ("2026-03-02 09:00", "2026-03-02 17:30", 0.5),  # times within a day do not matter
    ],
)
def test_step_duration_follows_seed_004(start, end, days):
    assert WorkCalendar().step_duration(start, end) == days


def test_step_duration_accepts_datetimes():
    assert WorkCalendar().step_duration(datetime(2026, 3, 2, 9), datetime(2026, 3, 3, 8)) == 1


def test_adjusted_saturday_is_a_working_day_and_holiday_is_not():
    cal = WorkCalendar()
    assert cal.is_workday(date(2026, 2, 14))  # 调休
    assert not cal.is_workday(date(2026, 2, 16))  # 春节
    assert not cal.is_workday(date(2026, 3, 7))  # ordinary Saturday


def test_override_beats_the_library():
    cal = WorkCalendar(overrides={date(2026, 3, 4): False})
    assert not cal.is_workday(date(2026, 3, 4))
    assert cal.step_duration("2026-03-03", "2026-03-05") == 1


def test_year_outside_the_library_is_an_error_not_a_guess():
    with pytest.raises(ApplicationError) as exc:
        WorkCalendar().step_duration("2027-01-04", "2027-01-05")
    assert "2027" in exc.value.message and "未覆盖" in exc.value.message
    with pytest.raises(ApplicationError):
        WorkCalendar().is_workday(date(2003, 12, 31))


def test_year_marked_complete_uses_its_overrides_and_weekdays():
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, complete_years=frozenset({2027}))
    assert not cal.is_workday(date(2027, 1, 1))  # entered as a holiday (a Friday)
    assert cal.is_workday(date(2027, 1, 4))
    assert cal.step_duration("2026-12-31", "2027-01-04") == 1  # across the year boundary


def test_a_gap_year_between_covered_years_is_an_error():
    cal = WorkCalendar(complete_years=frozenset({2028}))
    with pytest.raises(ApplicationError) as exc:
        cal.durations(np.array(["2026-12-30"], dtype="datetime64[D]"), np.array(["2028-01-05"], dtype="datetime64[D]"))
    assert "2027" in exc.value.message


def test_end_before_start_is_an_error():
    with pytest.raises(ApplicationError, match="早于"):
        WorkCalendar().step_duration("2026-03-05", "2026-03-04")


def test_bad_date_text_is_a_chinese_error():
    with pytest.raises(ApplicationError, match="格式不正确"):
        WorkCalendar().step_duration("2026/13/01", "2026-03-04")


def test_vectorised_durations_equal_the_scalar_rule():
    cal = WorkCalendar(overrides={date(2025, 5, 6): False})
    rng = np.random.default_rng(4)
    starts = np.datetime64("2024-12-01") + rng.integers(0, 500, 300).astype("timedelta64[D]")
    ends = starts + rng.integers(0, 40, 300).astype("timedelta64[D]")
    ends[::17] = np.datetime64("NaT")
    got = cal.durations(starts, ends)
    for s, e, g in zip(starts, ends, got, strict=True):
        if np.isnat(e):
            assert np.isnan(g)
        else:
            assert g == cal.step_duration(s.astype(date), e.astype(date))


def test_vectorised_durations_raise_for_uncovered_years():
    with pytest.raises(ApplicationError, match="2027"):
        WorkCalendar().durations(np.array(["2026-12-30"], dtype="datetime64[D]"),
                                 np.array(["2027-01-05"], dtype="datetime64[D]"))


def test_workday_table_counts_working_days_in_a_year():
    table = WorkCalendar().table().to_arrow()
    days = table.column("day").to_pylist()
    cum = table.column("cum").to_pylist()
    i, j = days.index(date(2025, 1, 1)), days.index(date(2025, 12, 31))
    expected = len(chinese_calendar.get_workdays(date(2025, 1, 1), date(2025, 12, 31)))
    assert cum[j] - cum[i - 1] == expected == 248
