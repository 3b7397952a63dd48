"""Writes of background jobs (后台任务): create, report progress, finish."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import actor_user, audit_record, jsonable
from bizenv.core.errors import ApplicationError
from bizenv.core.models import Job, JobStatus
from bizenv.core.transitions import JOB_TRANSITIONS, transition_check

log = logging.getLogger(__name__)


def _what(job: Job) -> str:
    return f"后台任务 #{job.pk}"


def job_create(*, actor, kind: str, title: str = "", params: dict | None = None, for_office: bool = False,
               related_type: str = "", related_id: str = "") -> Job:
    """A queued job; the caller enqueues its task with transaction.on_commit."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title[:200], params=jsonable(params or {}), for_office=for_office,
            created_by=actor_user(actor), message="排队等待后台任务进程……",
            related_type=related_type, related_id=str(related_id),
        )
        audit_record(actor=actor, action="job.create", obj=job, new={"kind": kind, "title": job.title,
                                                                     "params": job.params})
    return job


def job_start(*, job_id: int) -> Job | None:
    """Mark a queued (or interrupted) job running; None when it has already finished (a rerun does nothing)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        transition_check(table=JOB_TRANSITIONS, current=job.status, target=JobStatus.RUNNING, what=_what(job))
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.message = "开始执行……"
        job.save(update_fields=["status", "started_at", "message"])
    return job


def job_progress(*, job_id: int, percent: int, message: str) -> None:
    """Record how far a running job is; its own short transaction, so call it outside the work's atomic block."""
    percent = max(0, min(100, int(percent)))
    with transaction.atomic():
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress=percent, message=message[:500])


def job_reporter(job_id: int) -> Callable[[int, str], None]:
    """A `progress(percent, message)` callback for services that report their steps."""
    return lambda percent, message: job_progress(job_id=job_id, percent=percent, message=message)


def job_finish(*, job_id: int, result: Any = None, error: str = "", message: str = "",
               related_type: str = "", related_id: str = "") -> Job:
    """End a job: succeeded with its result, or failed with a Chinese error; audited."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        target = JobStatus.FAILED if error else JobStatus.SUCCEEDED
        transition_check(table=JOB_TRANSITIONS, current=job.status, target=target, what=_what(job))
        job.status = target
        job.finished_at = timezone.now()
        job.error = error
        job.result = jsonable(result) if result is not None else None
        if not error:
            job.progress = 100
        job.message = (message or ("失败：" + error.splitlines()[0] if error else "已完成"))[:500]
        if related_type:
            job.related_type, job.related_id = related_type, str(related_id)
        job.save()
        audit_record(actor=job.created_by, action="job.fail" if error else "job.succeed", obj=job,
                     new={"status": job.status, "result": job.result, "error": error[:2000]})
    return job


def job_enqueue(*, func: str, job_id: int) -> None:
    """Queue the task `func(job_id)` once the surrounding transaction commits, so a job whose creation is
    rolled back never runs and a task never starts before its job row is visible. Call it right after
    `job_create`, inside or outside a transaction."""
    def send() -> None:
        from django_q.tasks import async_task

        async_task(func, job_id, task_name=f"后台任务 #{job_id}", group=func.rsplit(".", 1)[-1])

    transaction.on_commit(send)


@dataclass
class JobOutcome:
    """What a job's work returns: the short message, the result shown on the job page, and the record made."""

    message: str = "已完成"
    result: Any = None
    related_type: str = ""
    related_id: str = ""


def job_run(job_id: int, *, work: Callable[[Job], JobOutcome], failure: str = "执行失败") -> None:
    """The body of every background job: start it (a finished job is left alone, so a rerun does nothing),
    do the work, and finish it with the outcome, a Chinese error, or — for an unexpected exception — the
    `failure` words and the exception (the log keeps the traceback). The job always ends."""
    job = job_start(job_id=job_id)
    if job is None:
        return
    try:
        outcome = work(job)
    except ApplicationError as exc:
        job_finish(job_id=job.pk, error="\n".join([exc.message, *map(str, exc.details)]))
    except Exception as exc:  # noqa: BLE001 — the job must end, whatever broke
        log.exception("后台任务 #%s 失败", job.pk)
        job_finish(job_id=job.pk, error=f"{failure}：{type(exc).__name__}: {exc}")
    else:
        job_finish(job_id=job.pk, message=outcome.message, result=outcome.result,
                   related_type=outcome.related_type, related_id=str(outcome.related_id))
