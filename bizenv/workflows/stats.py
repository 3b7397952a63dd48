"""On-time completion (按期完成率): pure counting over item facts, shared by the page, the cockpit, the Excel
ledger and `bizenv workitems stats`.

Definitions (the issue's, made exact for a given day `as_of`):
- an item is due in the month its deadline falls in; cancelled items and items without a deadline never count;
- at `as_of`, an item counts as due once its deadline has passed (deadline < as_of), or on its deadline day when
  it is already approved — an item still open on its deadline day is not yet late;
- it is on time when approved on or before its deadline; overdue otherwise (approved later, or still open —
  approvals after `as_of` are not yet known on that day);
- rate = on_time / due, none when nothing is due; days overdue = (approval or `as_of`) − deadline, calendar days.
Items not yet due are counted as `pending`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class ItemFact:
    code: str
    title: str
    kind: str
    department: str
    department_name: str
    region: str
    region_name: str
    deadline: date
    approved_on: date | None
    cancelled: bool = False

    @property
    def unit(self) -> str:
        return self.department or self.region

    @property
    def unit_name(self) -> str:
        return self.department_name or self.region_name


@dataclass(frozen=True, slots=True)
class Judged:
    """One item's standing on a day: not counted (cancelled), pending, on time or overdue."""

    fact: ItemFact
    state: str  # "pending" | "on_time" | "overdue"
    days_overdue: int = 0


@dataclass(slots=True)
class Tally:
    key: str
    name: str
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    pending: int = 0
    days_overdue: int = 0
    overdue_codes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def average_days_overdue(self) -> float | None:
        return self.days_overdue / self.overdue if self.overdue else None


def judge(fact: ItemFact, *, as_of: date) -> Judged | None:
    """The item's standing at `as_of` (None for a cancelled item)."""
    if fact.cancelled:
        return None
    approved = fact.approved_on if fact.approved_on is not None and fact.approved_on <= as_of else None
    if approved is not None and approved <= fact.deadline:
        if fact.deadline <= as_of:
            return Judged(fact, "on_time")
        return Judged(fact, "pending")
    if fact.deadline >= as_of:
        return Judged(fact, "pending")
    end = approved or as_of
    return Judged(fact, "overdue", (end - fact.deadline).days)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


KEYS: dict[str, Callable[[ItemFact], tuple[str, str]]] = {
    "unit": lambda f: (f.unit, f.unit_name),
    "department": lambda f: (f.department, f.department_name),
    "region": lambda f: (f.region, f.region_name),
    "kind": lambda f: (f.kind, f.kind),
    "month": lambda f: (month_of(f.deadline), month_of(f.deadline)),
}


def ontime_stats(facts: Iterable[ItemFact], *, as_of: date, by: str) -> list[Tally]:
    """Counts per group (`by`: unit, department, region, kind or month), in first-seen order of the facts; items
    whose group key is empty (a region's item grouped by department) are left out of that grouping."""
    key_of = KEYS[by]
    tallies: dict[str, Tally] = {}
    for fact in facts:
        judged = judge(fact, as_of=as_of)
        if judged is None:
            continue
        key, name = key_of(fact)
        if not key:
            continue
        tally = tallies.setdefault(key, Tally(key=key, name=name))
        if judged.state == "pending":
            tally.pending += 1
            continue
        tally.due += 1
        if judged.state == "on_time":
            tally.on_time += 1
        else:
            tally.overdue += 1
            tally.days_overdue += judged.days_overdue
            tally.overdue_codes.append(fact.code)
    return list(tallies.values())


def tally_sum(tallies: Iterable[Tally], *, name: str = "合计") -> Tally:
    """The sum of some groups' counts (a table's 合计 row: exactly the rows above it)."""
    total = Tally(key="", name=name)
    for tally in tallies:
        total.due += tally.due
        total.on_time += tally.on_time
        total.overdue += tally.overdue
        total.pending += tally.pending
        total.days_overdue += tally.days_overdue
        total.overdue_codes.extend(tally.overdue_codes)
    return total


def ontime_total(facts: Iterable[ItemFact], *, as_of: date) -> Tally:
    """All items together."""
    return tally_sum(ontime_stats(facts, as_of=as_of, by="unit"))


def overdue_list(facts: Iterable[ItemFact], *, as_of: date) -> list[Judged]:
    """The overdue items at `as_of`, longest overdue first."""
    out = [j for f in facts if (j := judge(f, as_of=as_of)) is not None and j.state == "overdue"]
    return sorted(out, key=lambda j: (-j.days_overdue, j.fact.code))


def rate_text(rate: float | None) -> str:
    """The rate as a page shows it: one decimal percent, or “—” when nothing is due."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
