"""Reporting periods: a month (2026-03), a quarter (2026-Q1) or a year (2026)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bizenv.core.errors import ApplicationError


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def day_label(day: date | None, *, empty: str = "—") -> str:
    """A date as users read it: 2026年12月3日 (`empty` when there is none)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else empty


KIND_LABELS = {PeriodKind.MONTH: "月度", PeriodKind.QUARTER: "季度", PeriodKind.YEAR: "年度"}
# What an indicator's reporting cycle (indicators.Cycle) means as a period kind.
CYCLE_KINDS = {"monthly": PeriodKind.MONTH, "quarterly": PeriodKind.QUARTER, "yearly": PeriodKind.YEAR}

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; `index` is the month (1–12), quarter (1–4) or 1 for a year."""

    year: int
    kind: PeriodKind
    index: int = 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read `YYYY-MM`, `YYYY-Qn` or `YYYY`; anything else is a Chinese error."""
        value = str(text).strip()
        if m := _MONTH.match(value):
            month = int(m.group(2))
            if 1 <= month <= 12:
                return cls(int(m.group(1)), PeriodKind.MONTH, month)
        elif m := _QUARTER.match(value):
            return cls(int(m.group(1)), PeriodKind.QUARTER, int(m.group(2)))
        elif m := _YEAR.match(value):
            return cls(int(m.group(1)), PeriodKind.YEAR, 1)
        raise ApplicationError(f"时期“{value}”格式不正确，应为 2026-03（月）、2026-Q1（季度）或 2026（年）。")

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls(day.year, PeriodKind.MONTH, day.month)

    def __str__(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def label(self) -> str:
        """Chinese label, e.g. 2026年3月, 2026年第1季度, 2026年."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年"

    @property
    def _per_year(self) -> int:
        return {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}[self.kind]

    def shift(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier), of the same kind."""
        ordinal = self.year * self._per_year + (self.index - 1) + steps
        return Period(ordinal // self._per_year, self.kind, ordinal % self._per_year + 1)

    def previous(self) -> Period:
        """环比 base: the period just before."""
        return self.shift(-1)

    def year_ago(self) -> Period:
        """同比 base: the same period one year earlier."""
        return Period(self.year - 1, self.kind, self.index)

    @property
    def first_day(self) -> date:
        month = {PeriodKind.MONTH: self.index, PeriodKind.QUARTER: 3 * self.index - 2, PeriodKind.YEAR: 1}[self.kind]
        return date(self.year, month, 1)

    @property
    def last_day(self) -> date:
        nxt = self.shift(1).first_day
        return date.fromordinal(nxt.toordinal() - 1)

    def months(self) -> list[Period]:
        """The months inside this period."""
        first = Period.month_of(self.first_day)
        count = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        return [first.shift(i) for i in range(count)]

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def period_range(start: Period, end: Period) -> list[Period]:
    """Every period from `start` to `end` inclusive (same kind)."""
    if start.kind != end.kind:
        raise ApplicationError("起止时期的类型必须相同。")
    out = []
    current = start
    while current <= end:
        out.append(current)
        current = current.shift(1)
    return out


COARSENESS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 2, PeriodKind.YEAR: 3}
# How many earlier cycles a value may be carried forward when the latest one is not yet reported.
CARRY_CYCLES = 1


def source_periods(period: Period, kind: PeriodKind) -> list[Period]:
    """The periods of `kind` whose value stands for `period`, newest first.

    The same kind: the period itself. A longer cycle (a quarterly or yearly indicator in a monthly
    evaluation): the latest period of that cycle that has ended by the end of `period`, then the one before
    (a value carries forward at most CARRY_CYCLES cycles). A shorter cycle: none (values are not aggregated).
    """
    if kind == period.kind:
        return [period]
    if COARSENESS[kind] < COARSENESS[period.kind]:
        return []
    end = period.last_day
    latest = Period(end.year, kind, 1 if kind == PeriodKind.YEAR else (end.month - 1) // 3 + 1)
    if latest.last_day > end:
        latest = latest.previous()
    return [latest.shift(-i) for i in range(CARRY_CYCLES + 1)]
