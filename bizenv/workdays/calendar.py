"""Working days (工作日): chinese-calendar plus the administrators' override table.

The seed 004 duration rule (`step_duration`): a step takes at least 0.5 working day; applied and
finished on the same day counts 0.5; finished on the next working day counts 1; and so on,
counting working days only. Equivalently: the number of working days after the start date up to
and including the end date, but never less than 0.5.

A date in a year that chinese-calendar does not cover (it covers 2004–2026) and that no
administrator has marked as fully entered is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar
import numpy as np
import pyarrow as pa

from bizenv.core.errors import ApplicationError

MIN_STEP_DAYS = 0.5


def _library_years() -> frozenset[int]:
    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return frozenset(range(min(days).year, max(days).year + 1))


LIBRARY_YEARS = _library_years()


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ApplicationError(f"日期“{text}”格式不正确，应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM[:SS]。") from None


def uncovered_message(years: Iterable[int]) -> str:
    listed = "、".join(str(y) for y in sorted(set(years)))
    first, last = min(LIBRARY_YEARS), max(LIBRARY_YEARS)
    return (
        f"工作日历未覆盖 {listed} 年：内置节假日数据只到 {first}–{last} 年，且该年度尚未由系统管理员在"
        f"“工作日历”中维护完整并标记为已维护。请先录入该年的法定节假日和调休安排，再计算工作日。"
    )


@dataclass(frozen=True)
class WorkdayTable:
    """Every covered day with the running count of working days; `segment` numbers runs of contiguous years.

    duration(start, end) = max(cum[end] − cum[start], 0.5) when both days lie in the same segment.
    """

    first_day: date
    cum: np.ndarray  # int64, index = days since first_day
    segment: np.ndarray  # int32, −1 where the day is not covered
    workday: np.ndarray  # bool

    def to_arrow(self) -> pa.Table:
        """The covered days as an Arrow table (day, cum, segment) for registering in a query engine."""
        covered = self.segment >= 0
        days = np.datetime64(self.first_day, "D") + np.nonzero(covered)[0].astype("timedelta64[D]")
        return pa.table({
            "day": pa.array(days, type=pa.date32()),
            "cum": pa.array(self.cum[covered], type=pa.int64()),
            "segment": pa.array(self.segment[covered], type=pa.int64()),
        })


@dataclass
class WorkCalendar:
    """Working-day lookups: overrides first, then chinese-calendar, then (for fully entered years) weekdays."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    _table: WorkdayTable | None = field(default=None, init=False, repr=False)

    @classmethod
    def load(cls) -> WorkCalendar:
        """The calendar as the administrators have set it (CalendarOverride and CalendarYear rows)."""
        from bizenv.workdays.models import CalendarOverride, CalendarYear

        overrides = dict(CalendarOverride.objects.values_list("day", "is_workday"))
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return cls(overrides=overrides, complete_years=years)

    # -- single days ---------------------------------------------------------------------------
    @property
    def covered_years(self) -> frozenset[int]:
        return LIBRARY_YEARS | self.complete_years

    def covers(self, year: int) -> bool:
        return year in self.covered_years

    def require(self, years: Iterable[int]) -> None:
        """Raise the Chinese coverage error if any of `years` is not covered."""
        missing = [y for y in set(years) if not self.covers(y)]
        if missing:
            raise ApplicationError(uncovered_message(missing))

    def is_workday(self, day: date | datetime | str) -> bool:
        """Whether `day` is a working day (调休 included)."""
        day = _as_date(day)
        if day in self.overrides:
            return bool(self.overrides[day])
        if day.year in LIBRARY_YEARS:
            return chinese_calendar.is_workday(day)
        if day.year in self.complete_years:
            return day.weekday() < 5
        raise ApplicationError(uncovered_message([day.year]))

    def workdays_between(self, start: date | datetime | str, end: date | datetime | str) -> int:
        """Working days after `start` up to and including `end` (negative when end is before start)."""
        s, e = _as_date(start), _as_date(end)
        if e < s:
            return -self.workdays_between(e, s)
        self.require(range(s.year, e.year + 1))
        return sum(self.is_workday(s + timedelta(days=i)) for i in range(1, (e - s).days + 1))

    def workday_add(self, start: date | datetime | str, days: int) -> date:
        """The `days`-th working day after `start` (a deadline of N working days from an issue date)."""
        day = _as_date(start)
        if days < 1:
            raise ApplicationError("工作日天数至少为 1。")
        left = days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def step_duration(self, start: date | datetime | str, end: date | datetime | str) -> float:
        """Seed 004: duration of one step in working days (at least 0.5)."""
        s, e = _as_date(start), _as_date(end)
        if e < s:
            raise ApplicationError(f"结束日期 {e.isoformat()} 早于开始日期 {s.isoformat()}。")
        return max(float(self.workdays_between(s, e)), MIN_STEP_DAYS)

    # -- vectorised ----------------------------------------------------------------------------
    def table(self) -> WorkdayTable:
        """The precomputed table over every covered year (built once per calendar)."""
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> WorkdayTable:
        years = sorted(self.covered_years)
        first, last = date(years[0], 1, 1), date(years[-1], 12, 31)
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        year_of = days.astype("datetime64[Y]").astype(int) + 1970
        covered = np.isin(year_of, years)
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        workday = covered & (weekday < 5)
        for source, value in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
            index = np.array([(d - first).days for d in source if first <= d <= last], dtype=np.int64)
            if index.size:
                workday[index] = value
        for day, value in self.overrides.items():
            if first <= day <= last:
                workday[(day - first).days] = bool(value)
        workday &= covered
        # A new segment starts at every covered year that does not follow a covered year.
        starts = covered & ~np.concatenate([[False], covered[:-1]])
        segment = np.where(covered, np.cumsum(starts) - 1, -1).astype(np.int32)
        cum = np.cumsum(workday).astype(np.int64)
        return WorkdayTable(first_day=first, cum=cum, segment=segment, workday=workday)

    def durations(self, starts, ends) -> np.ndarray:
        """Seed 004 durations for arrays of dates/datetimes; NaN where the end is missing (NaT).

        Raises the coverage error if any present date lies outside the covered years.
        """
        table = self.table()
        s = np.asarray(starts, dtype="datetime64[D]")
        e = np.asarray(ends, dtype="datetime64[D]")
        base = np.datetime64(table.first_day, "D")
        present = ~np.isnat(s) & ~np.isnat(e)
        si = np.where(present, (s - base).astype(np.int64, copy=False), 0)
        ei = np.where(present, (e - base).astype(np.int64, copy=False), 0)
        n = table.cum.size
        inside = (si >= 0) & (si < n) & (ei >= 0) & (ei < n)
        ok_index = np.where(inside, si, 0), np.where(inside, ei, 0)
        same_segment = inside & (table.segment[ok_index[0]] >= 0) & (table.segment[ok_index[0]] == table.segment[ok_index[1]])
        bad = present & ~same_segment
        if bad.any():
            years = [int(str(x)[:4]) for x in np.concatenate([s[bad], e[bad]])]
            missing = [y for y in range(min(years), max(years) + 1) if not self.covers(y)]
            raise ApplicationError(uncovered_message(missing))
        diff = (table.cum[ok_index[1]] - table.cum[ok_index[0]]).astype(np.float64)
        out = np.maximum(diff, MIN_STEP_DAYS)
        return np.where(present, out, np.nan)
