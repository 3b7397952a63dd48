"""Background jobs of the workflows app (django-q2): the daily escalation of warnings and items left unattended.

`escalation_schedule_ensure()` creates (or corrects) the django-q Schedule "workflows.escalation_daily" that runs
`escalation_daily` every day at 07:00 China time; `bizenv worker` (qcluster) then runs it. The job records itself
on the 后台任务 page, and is safe to run twice: a second run on the same day finds nothing due.
"""

from __future__ import annotations

import datetime as dt

SCHEDULE_NAME = "workflows.escalation_daily"
SCHEDULE_FUNC = "bizenv.workflows.tasks.escalation_daily"
RUN_AT = dt.time(7, 0)  # China time: before the working day starts


def escalation_daily() -> int:
    """The scheduled run: a 后台任务 row for the office, then today's escalation. Returns the job's id."""
    from bizenv.core.services import JobOutcome, job_create, job_run

    job = job_create(actor=None, kind="workflows.escalation", title="升级督办：每日检查无人办理的预警和任务",
                     for_office=True)

    def work(_job) -> JobOutcome:
        from bizenv.workflows.escalation_services import escalation_advance
        from bizenv.workflows.problem_services import problems_settle

        summary = escalation_advance(actor=None)
        problems_settle(actor=None)  # a list item whose work items are all approved is finished
        return JobOutcome(message=summary.message(), result={"lines": summary.lines(), "counts": summary.counts()})

    job_run(job.pk, work=work, failure="升级督办检查失败")
    return job.pk


def _next_run(now: dt.datetime) -> dt.datetime:
    from bizenv.core.clock import CHINA

    local = now.astimezone(CHINA)
    run = local.replace(hour=RUN_AT.hour, minute=RUN_AT.minute, second=0, microsecond=0)
    if run <= local:
        run += dt.timedelta(days=1)
    return run


def escalation_schedule_ensure() -> bool:
    """Create the daily schedule if it is missing or wrong; True when something was written."""
    from django.utils import timezone
    from django_q.models import Schedule

    wanted = {"func": SCHEDULE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1, "args": None, "kwargs": None}
    found = Schedule.objects.filter(name=SCHEDULE_NAME).order_by("id")
    schedule = found.first()
    if schedule is not None and all(getattr(schedule, k) == v for k, v in wanted.items()) and found.count() == 1:
        return False
    found.delete()
    Schedule.objects.create(name=SCHEDULE_NAME, next_run=_next_run(timezone.now()), **wanted)
    return True
