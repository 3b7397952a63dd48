"""Pure rules of reporting rounds: which indicator periods a round asks for, and when it is due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bizenv.core.periods import CYCLE_KINDS, KIND_LABELS, Period, PeriodKind

# Working days after the end of the round's period by which departments must have submitted.
WORKING_DAYS_AFTER = {PeriodKind.MONTH: 10, PeriodKind.QUARTER: 15, PeriodKind.YEAR: 20}
_COARSENESS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 2, PeriodKind.YEAR: 3}
REPORTED_SOURCES = ("report", "survey", "external")


@dataclass(frozen=True)
class Deadline:
    day: date
    rule: str


def deadline_for(period: Period, *, is_workday: Callable[[date], bool], guessed_years: set[int] | None = None
                 ) -> Deadline:
    """The Nth working day after the period ends (N = 10 monthly, 15 quarterly, 20 yearly)."""
    needed = WORKING_DAYS_AFTER[period.kind]
    day = period.last_day
    counted = 0
    while counted < needed:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    rule = f"{KIND_LABELS[period.kind]}批次：{period.label}结束后第 {needed} 个工作日"
    if guessed_years:
        years = "、".join(str(y) for y in sorted(guessed_years))
        rule += f"（{years} 年的法定节假日安排尚未录入工作日历，按周一至周五计算，请核对）"
    return Deadline(day, rule)


def cycle_kind(cycle: str) -> PeriodKind:
    """An indicator's period kind; an indicator without a cycle is reported once a year."""
    return CYCLE_KINDS.get(cycle or "", PeriodKind.YEAR)


def owed_period(round_period: Period, cycle: str) -> Period | None:
    """The period of an indicator with `cycle` that a round for `round_period` asks for, if any.

    The same cycle: the round's own period. A longer cycle: its period, when that period ends with
    the round's period (the yearly value is owed in the December or Q4 round). A shorter cycle: none.
    """
    kind = cycle_kind(cycle)
    if kind == round_period.kind:
        return round_period
    if _COARSENESS[kind] < _COARSENESS[round_period.kind]:
        return None
    month = round_period.last_day.month
    candidate = Period(round_period.year, kind, 1 if kind == PeriodKind.YEAR else (month - 1) // 3 + 1)
    return candidate if candidate.last_day == round_period.last_day else None


@dataclass(frozen=True)
class ItemState:
    """One owed (indicator, region, period) reduced to what completeness needs."""

    department_codes: tuple[str, ...]
    region_code: str
    status: str  # "missing" or an ObservationStatus value


DONE_STATUSES = frozenset({"submitted", "approved", "locked"})


@dataclass
class Tally:
    key: str
    label: str
    owed: int = 0
    missing: int = 0
    draft: int = 0
    returned: int = 0
    submitted: int = 0
    approved: int = 0
    locked: int = 0
    overdue: int = 0

    @property
    def done(self) -> int:
        return self.submitted + self.approved + self.locked

    @property
    def rate(self) -> float:
        return round(self.done * 100 / self.owed, 1) if self.owed else 100.0


def tally(items: list[ItemState], *, by: str, labels: dict[str, str], overdue: bool) -> list[Tally]:
    """Counts per department (`by="department"`) or region (`by="region"`), in the order of `labels`."""
    rows = {key: Tally(key, label) for key, label in labels.items()}
    for item in items:
        keys = item.department_codes if by == "department" else (item.region_code,)
        for key in keys:
            row = rows.setdefault(key, Tally(key, labels.get(key, key)))
            row.owed += 1
            setattr(row, item.status, getattr(row, item.status) + 1)
            if overdue and item.status not in DONE_STATUSES:
                row.overdue += 1
    return [row for row in rows.values() if row.owed]
