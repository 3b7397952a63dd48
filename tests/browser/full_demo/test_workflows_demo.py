"""The workflows part of the demo, read on the full demo this package builds once: a year of work items in every
state with an on-time rate that is high but not perfect, items waiting for the demo's county, department and
office users, the 问题整治清单 in every state, letters and an interview — and a second run that changes nothing.

It drives no browser; it lives here to share the package's demo build (about two minutes) instead of building
the demo again."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.core.clock import today
from bizenv.workflows.models import ItemKind, ItemSource, ItemStatus, ProblemStatus

pytestmark = pytest.mark.browser  # runs with the package that builds the full demo


def _counts() -> dict[str, int]:
    from bizenv.core.models import AuditLog
    from bizenv.monitoring.models import Notification
    from bizenv.organisations.models import User
    from bizenv.workflows.models import (
        Escalation,
        Interview,
        ItemEvent,
        ItemFile,
        Letter,
        ProblemListItem,
        WorkItem,
    )

    return {model.__name__: model.objects.count() for model in (
        WorkItem, ItemEvent, ItemFile, ProblemListItem, Letter, Interview, Escalation, Notification, AuditLog, User)}


def test_the_demo_holds_a_year_of_work_in_every_state_and_a_rerun_changes_nothing(full_demo):
    from bizenv.demo.workflows import demo_step
    from bizenv.organisations.models import User
    from bizenv.workflows.models import ProblemListItem, WorkItem
    from bizenv.workflows.selectors import item_facts, waiting_for
    from bizenv.workflows.stats import ontime_stats, ontime_total

    items = WorkItem.objects.all()
    assert 120 <= items.count() <= 200
    assert set(items.values_list("status", flat=True)) == set(ItemStatus.values)
    assert set(items.values_list("kind", flat=True)) == set(ItemKind.values)
    assert {ItemSource.PLAN, ItemSource.WARNING, ItemSource.PROBLEM, ItemSource.SPLIT, ItemSource.MANUAL} <= \
        set(items.values_list("source", flat=True))
    assert items.filter(transfer_count__gt=0).exists() and items.filter(supervise_count__gt=0).exists()
    assert items.filter(events__action="reject", status=ItemStatus.APPROVED).exists()
    assert items.filter(children__isnull=False).exists()
    assert items.filter(events__action="return", status=ItemStatus.APPROVED).exists()  # returned, re-issued, done
    assert items.filter(warning__isnull=False, source=ItemSource.WARNING).count() >= 20
    # every deadline within the calendar's years; the history spans the year
    assert not items.filter(deadline__gt=date(2026, 12, 31)).exists()
    assert min(items.exclude(issued_on=None).values_list("issued_on", flat=True)) < date(2026, 1, 1)

    facts = item_facts(items=items)
    total = ontime_total(facts, as_of=today())
    assert total.due >= 80 and 0.85 <= total.rate <= 0.995
    assert sum(1 for f in facts if f.approved_on and f.approved_on > f.deadline) >= 2  # approved late
    assert any(f.approved_on is None and not f.cancelled and f.deadline < today() for f in facts)  # overdue, open
    months = [t for t in ontime_stats(facts, as_of=today(), by="month") if t.due]
    assert len(months) >= 10

    for username in ("county", "dept"):
        waiting = waiting_for(user=User.objects.get(username=username))
        assert waiting["accept"].exists() and waiting["feedback"].exists(), username
    assert waiting_for(user=User.objects.get(username="dept"))["review"].exists()  # its split's sub-items
    office = waiting_for(user=User.objects.get(username="office"))
    assert office["review"].exists() and office["returned"].exists()

    statuses = set(ProblemListItem.objects.values_list("status", flat=True))
    assert statuses == set(ProblemStatus.values)
    done = ProblemListItem.objects.filter(status=ProblemStatus.DONE)
    assert all(p.work_items.exclude(status=ItemStatus.APPROVED).count() == 0 for p in done)

    from bizenv.workflows.models import Interview, Letter

    assert Letter.objects.count() >= 3 and Interview.objects.filter(work_items__isnull=False).exists()

    before = _counts()
    demo_step(scale="small", progress=lambda _message: None)
    assert _counts() == before
