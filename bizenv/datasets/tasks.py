"""Background jobs of data docking (django-q2): scheduled pulls and keeping their schedules in step."""

from __future__ import annotations

import logging

from bizenv.core.errors import ApplicationError

log = logging.getLogger(__name__)

SCHEDULE_PREFIX = "datasets.source_pull:"


def source_pull(source_id: int) -> int | None:
    """Pull one source now; safe to run twice (the cursor and the natural keys make a rerun land nothing new)."""
    from bizenv.datasets import selectors, services

    source = selectors.source_get(pk=source_id)
    if source is None or not source.enabled or source.kind not in selectors.PULL_KINDS:
        return None
    try:
        batch = services.source_pull_run(actor=None, source=source)
    except ApplicationError as exc:
        # The failure is recorded as a failed batch; the next scheduled run tries again.
        log.warning("数据源 %s 拉取失败：%s", source.code, exc.message)
        return None
    return batch.pk


def source_schedules_sync() -> int:
    """Create, update or delete the django-q schedule of every pull source; returns how many are active."""
    from django_q.models import Schedule

    from bizenv.datasets import selectors

    wanted = {}
    for source in selectors.pull_sources().filter(enabled=True, schedule_minutes__isnull=False):
        wanted[f"{SCHEDULE_PREFIX}{source.code}"] = source
    for name, source in wanted.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": "bizenv.datasets.tasks.source_pull", "args": repr((source.pk,)),
                      "schedule_type": Schedule.MINUTES, "minutes": source.schedule_minutes, "repeats": -1},
        )
    Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=list(wanted)).delete()
    return len(wanted)
