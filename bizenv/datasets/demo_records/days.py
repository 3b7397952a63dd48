"""The demo's calendar: working days (chinese-calendar, 调休 included) and office hours for the months drawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import chinese_calendar
import numpy as np

# ---------------------------------------------------------------------------------------------------
# Calendar


def _month_start(month: str) -> dt.date:
    year, mon = month.split("-")
    return dt.date(int(year), int(mon), 1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 7, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class _Calendar:
    """Working days from the first month up to `as_of` (exclusive); an index past the end is 'not yet'."""

    days: np.ndarray  # datetime64[D]
    epoch: np.ndarray  # seconds of each working day's midnight
    slow: np.ndarray  # how much slower a case applied on that day goes (春节, 国庆 backlogs)
    month_first: np.ndarray  # index of each month's first working day
    month_count: np.ndarray  # working days in each month
    month_of_year: np.ndarray  # 0–11 for each month

    @property
    def horizon(self) -> int:
        return len(self.days)


def _calendar(months: Sequence[str], as_of: dt.date) -> _Calendar:
    first = _month_start(months[0])
    for year in range(first.year, _month_start(months[-1]).year + 1):
        if not _covered(year):
            raise ValueError(f"chinese-calendar 不含 {year} 年的节假日安排，无法按工作日生成示范数据")
    span = [first + dt.timedelta(days=i) for i in range((as_of - first).days)]
    workdays = np.array([d for d in span if chinese_calendar.is_workday(d)], dtype="datetime64[D]")

    # Backlog windows around the long holidays, from the holiday days the calendar names.
    holidays: dict[tuple[str, int], list[dt.date]] = {}
    margin = dt.timedelta(days=40)
    day = first - margin
    while day < as_of + margin and _covered(day.year):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name in ("Spring Festival", "National Day"):
            holidays.setdefault((name, day.year), []).append(day)
        day += dt.timedelta(days=1)
    slow = np.ones(len(workdays))
    for (name, _year), days in holidays.items():
        before, after, factor = (18, 16, 1.7) if name == "Spring Festival" else (6, 10, 1.4)
        lo = np.datetime64(min(days) - dt.timedelta(days=before))
        hi = np.datetime64(max(days) + dt.timedelta(days=after))
        slow[(workdays >= lo) & (workdays <= hi)] = factor

    starts = np.array([_month_start(m) for m in months], dtype="datetime64[D]")
    ends = np.array([_next_month(_month_start(m)) for m in months], dtype="datetime64[D]")
    month_first = np.searchsorted(workdays, starts)
    month_count = np.searchsorted(workdays, ends) - month_first
    return _Calendar(
        days=workdays,
        epoch=workdays.astype("datetime64[s]").astype(np.int64),
        slow=slow,
        month_first=month_first,
        month_count=month_count,
        month_of_year=np.array([_month_start(m).month - 1 for m in months]),
    )
