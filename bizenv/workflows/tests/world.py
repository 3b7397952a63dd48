"""Fixtures of the workflows tests: the monitoring tests' small city (four counties, office, samr and power
departments, users per role, a published system) plus helpers that make and walk work items. Import into a
test module with `from bizenv.workflows.tests.world import *`."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.monitoring.tests.world import *  # noqa: F403
from bizenv.monitoring.tests.world import COUNTIES, PASSWORD  # noqa: F401
from bizenv.organisations.models import Department, Region
from bizenv.workflows.services import ActionInput, ItemSpec, item_act, item_create

TODAY = date(2026, 12, 3)  # the suite's fixed BIZENV_TODAY


@pytest.fixture
def leader(make_user):
    from bizenv.organisations.models import Role

    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def make_item(version, office):
    """make_item(assignee="990101" | "samr", issue=True, deadline=date, **spec fields) → WorkItem (by office)."""

    def make(*, assignee: str = "990101", issue: bool = True, deadline: date | None = date(2026, 12, 20),
             title: str = "压缩开办企业时间", actor=None, **fields):
        department = Department.objects.filter(code=assignee).first()
        region = None if department else Region.objects.get(code=assignee)
        spec = ItemSpec(title=title, assignee_department=department, assignee_region=region, deadline=deadline,
                        **fields)
        return item_create(actor=actor or office, spec=spec, issue=issue)

    return make


def act(item, action: str, actor, **data):
    """Take one action and return the item as saved."""
    item_act(actor=actor, item=item, action=action, data=ActionInput(**data))
    item.refresh_from_db()
    return item
