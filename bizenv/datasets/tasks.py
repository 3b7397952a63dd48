"""Background jobs of data docking (django-q2): scheduled pulls and keeping their schedules in step."""

from __future__ import annotations

import logging
from pathlib import Path

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
    return batch.pk if batch is not None else None  # None also when nothing new was found


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


def upload_dir() -> Path:
    """Where uploaded files wait for their ingest job (under BIZENV_DATA_DIR)."""
    from django.conf import settings

    return Path(getattr(settings, "BIZENV_UPLOAD_DIR", settings.DATA_DIR / "uploads"))


def records_file_ingest_job(job_id: int) -> None:
    """Ingest the uploaded file of a job, reporting progress; safe to run twice (a finished job is left alone,
    and the batch is keyed by the job so a rerun after a crash finds it instead of landing it again)."""
    from bizenv.core.services import job_finish, job_reporter, job_start
    from bizenv.datasets import services

    job = job_start(job_id=job_id)
    if job is None:
        return
    path = upload_dir() / job.params["stored_name"]
    try:
        if not path.exists():
            raise ApplicationError("上传的文件已不在服务器上（可能已被清理），请重新上传。")
        batch = services.records_file_ingest(
            actor=job.created_by, dataset=job.params["dataset"], content=path.read_bytes(),
            filename=job.params["filename"], idempotency_key=f"job:{job.pk}", progress=job_reporter(job.pk),
        )
    except ApplicationError as exc:
        job_finish(job_id=job.pk, error="\n".join([exc.message, *map(str, exc.details)]))
    except Exception as exc:  # the job must end, whatever broke; the log keeps the traceback
        log.exception("后台任务 #%s 失败", job.pk)
        job_finish(job_id=job.pk, error=f"入库失败，本批次未保存任何记录：{type(exc).__name__}: {exc}")
    else:
        summary = (f"批次 #{batch.pk} 已入库：共 {batch.rows_total} 条，入库 {batch.rows_accepted} 条，"
                   f"重复 {batch.rows_duplicate} 条，隔离 {batch.rows_quarantined} 条。")
        job_finish(job_id=job.pk, message="已入库", related_type="datasets.recordbatch", related_id=str(batch.pk),
                   result={"summary": summary, "batch_id": batch.pk, "rows_total": batch.rows_total,
                           "rows_accepted": batch.rows_accepted, "rows_duplicate": batch.rows_duplicate,
                           "rows_quarantined": batch.rows_quarantined})
    path.unlink(missing_ok=True)


_RUN_STEPS = (10, 70, 95)


def metric_run_job(job_id: int) -> None:
    """Run the metric engine for a job; the engine's step messages become the progress. Safe to run twice:
    a finished job is left alone, and a rerun of the same inputs is recognised by the run's fingerprint."""
    from bizenv.core.services import job_finish, job_progress, job_start
    from bizenv.datasets.metric_services import metric_run

    job = job_start(job_id=job_id)
    if job is None:
        return
    steps = iter(_RUN_STEPS)

    def progress(message: str) -> None:
        job_progress(job_id=job.pk, percent=next(steps, _RUN_STEPS[-1]), message=message)

    try:
        outcome = metric_run(actor=job.created_by, engine=job.params.get("engine", "duckdb"),
                             periods=job.params.get("periods") or None, progress=progress)
    except ApplicationError as exc:
        job_finish(job_id=job.pk, error="\n".join([exc.message, *map(str, exc.details)]))
    except Exception as exc:  # the job must end, whatever broke; the log keeps the traceback
        log.exception("后台任务 #%s 失败", job.pk)
        job_finish(job_id=job.pk, error=f"计算失败：{type(exc).__name__}: {exc}")
    else:
        job_finish(job_id=job.pk, message="计算完成", related_type="datasets.metricrun",
                   related_id=str(outcome.run.pk),
                   result={"summary": str(outcome), "run_id": outcome.run.pk, "reused": outcome.reused,
                           "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
                           "skipped": len(outcome.skipped), "step_rows": outcome.step_rows})
