"""On-time completion (按期完成率) as the issue defines it, counted by the pure `stats` module at chosen days."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.workflows.stats import ItemFact, judge, ontime_stats, ontime_total, overdue_list, rate_text

D = date
JUNE_END = D(2026, 6, 30)


def fact(code: str = "T1", *, deadline: date = JUNE_END, approved: date | None = None, cancelled=False,
         department: str = "", region: str = "", kind: str = "annual") -> ItemFact:
    return ItemFact(code=code, title=code, kind=kind, department=department, department_name=department.upper(),
                    region=region, region_name=f"区{region}" if region else "", deadline=deadline,
                    approved_on=approved, cancelled=cancelled)


@pytest.mark.parametrize(("approved", "as_of", "state", "days"), [
    # approved before the deadline: on time once the deadline has come (pending until then)
    (D(2026, 6, 20), D(2026, 6, 25), "pending", 0),
    (D(2026, 6, 20), D(2026, 6, 30), "on_time", 0),
    (D(2026, 6, 20), D(2026, 12, 31), "on_time", 0),
    # approved on the deadline day is on time
    (D(2026, 6, 30), D(2026, 6, 30), "on_time", 0),
    # still open: not late on the deadline day, overdue from the next day, counting calendar days
    (None, D(2026, 6, 1), "pending", 0),
    (None, D(2026, 6, 30), "pending", 0),
    (None, D(2026, 7, 1), "overdue", 1),
    (None, D(2026, 12, 3), "overdue", 156),
    # approved late: overdue by the days to the approval; an approval after as_of is not known yet
    (D(2026, 7, 5), D(2026, 7, 3), "overdue", 3),
    (D(2026, 7, 5), D(2026, 7, 5), "overdue", 5),
    (D(2026, 7, 5), D(2026, 12, 31), "overdue", 5),
    # an early approval not yet made on as_of: the item is simply pending
    (D(2026, 6, 20), D(2026, 6, 10), "pending", 0),
])
def test_judge(approved, as_of, state, days):
    judged = judge(fact(approved=approved), as_of=as_of)
    assert (judged.state, judged.days_overdue) == (state, days)


def test_cancelled_items_never_count():
    facts = [fact("C", cancelled=True, department="samr"), fact("A", approved=D(2026, 6, 1), department="samr")]
    assert judge(facts[0], as_of=D(2026, 12, 1)) is None
    (tally,) = ontime_stats(facts, as_of=D(2026, 12, 1), by="department")
    assert (tally.due, tally.on_time, tally.overdue, tally.pending) == (1, 1, 0, 0)


FACTS = [
    fact("A", deadline=D(2026, 3, 31), approved=D(2026, 3, 20), department="samr"),
    fact("B", deadline=D(2026, 3, 31), approved=D(2026, 4, 10), department="samr"),
    fact("C", deadline=D(2026, 5, 31), department="power"),
    fact("D", deadline=D(2026, 5, 31), approved=D(2026, 5, 31), region="990101", kind="rectification"),
    fact("E", deadline=D(2026, 8, 31), region="990101", kind="rectification"),
    fact("F", deadline=D(2026, 8, 31), region="990102", cancelled=True),
    fact("G", deadline=D(2026, 12, 31), department="power"),
]


def table(by: str, as_of: date) -> dict[str, tuple]:
    return {t.key: (t.due, t.on_time, t.overdue, t.pending, t.days_overdue, t.rate)
            for t in ontime_stats(FACTS, as_of=as_of, by=by)}


@pytest.mark.parametrize(("by", "as_of", "expected"), [
    ("department", D(2026, 4, 1), {"samr": (2, 1, 1, 0, 1, 0.5), "power": (0, 0, 0, 2, 0, None)}),
    ("department", D(2026, 6, 1), {"samr": (2, 1, 1, 0, 10, 0.5), "power": (1, 0, 1, 1, 1, 0.0)}),
    ("department", D(2026, 12, 3), {"samr": (2, 1, 1, 0, 10, 0.5), "power": (1, 0, 1, 1, 186, 0.0)}),
    ("region", D(2026, 6, 1), {"990101": (1, 1, 0, 1, 0, 1.0)}),
    ("region", D(2026, 9, 30), {"990101": (2, 1, 1, 0, 30, 0.5)}),
    ("kind", D(2026, 9, 30), {"annual": (3, 1, 2, 1, 10 + 122, 1 / 3), "rectification": (2, 1, 1, 0, 30, 0.5)}),
    ("month", D(2026, 9, 30), {"2026-03": (2, 1, 1, 0, 10, 0.5), "2026-05": (2, 1, 1, 0, 122, 0.5),
                               "2026-08": (1, 0, 1, 0, 30, 0.0), "2026-12": (0, 0, 0, 1, 0, None)}),
])
def test_ontime_stats_by_group_at_a_day(by, as_of, expected):
    assert table(by, as_of) == expected


def test_an_items_unit_is_its_department_or_its_region():
    assert set(table("unit", D(2026, 12, 3))) == {"samr", "power", "990101"}


def test_totals_averages_and_the_overdue_list():
    total = ontime_total(FACTS, as_of=D(2026, 9, 30))
    assert (total.due, total.on_time, total.overdue, total.pending) == (5, 2, 3, 1)
    assert total.rate == 0.4 and total.average_days_overdue == pytest.approx((10 + 122 + 30) / 3)
    assert sorted(total.overdue_codes) == ["B", "C", "E"]
    assert [(j.fact.code, j.days_overdue) for j in overdue_list(FACTS, as_of=D(2026, 9, 30))] == [
        ("C", 122), ("E", 30), ("B", 10)]


@pytest.mark.parametrize(("rate", "text"), [(None, "—"), (1.0, "100.0%"), (0.9875, "98.8%"), (0.0, "0.0%")])
def test_rate_text(rate, text):
    assert rate_text(rate) == text


def test_nothing_due_has_no_rate():
    (tally,) = ontime_stats([fact(deadline=D(2026, 12, 31), department="samr")], as_of=D(2026, 12, 3),
                            by="department")
    assert (tally.due, tally.pending, tally.rate, tally.average_days_overdue) == (0, 1, None, None)
