"""Background jobs of data docking (django-q2): thin functions that run a service under core.services.job_run
(scheduled pulls, the ingest of an uploaded file, a metric run). Their schedules and queueing are services."""

from __future__ import annotations

import logging

from bizenv.core.errors import ApplicationError
from bizenv.core.services import JobOutcome, job_progress, job_reporter, job_run

log = logging.getLogger(__name__)


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


def records_file_ingest_job(job_id: int) -> None:
    """Ingest the uploaded file of a job, reporting progress; safe to run twice (a finished job is left alone,
    and the batch is keyed by the job so a rerun after a crash finds it instead of landing it again)."""
    from bizenv.datasets import services
    from bizenv.datasets.lake import upload_dir

    def work(job) -> JobOutcome:
        path = upload_dir() / job.params["stored_name"]
        try:
            if not path.exists():
                raise ApplicationError("上传的文件已不在服务器上（可能已被清理），请重新上传。")
            batch = services.records_file_ingest(
                actor=job.created_by, dataset=job.params["dataset"], content=path.read_bytes(),
                filename=job.params["filename"], idempotency_key=f"job:{job.pk}", progress=job_reporter(job.pk),
            )
        finally:
            path.unlink(missing_ok=True)
        summary = (f"批次 #{batch.pk} 已入库：共 {batch.rows_total} 条，入库 {batch.rows_accepted} 条，"
                   f"重复 {batch.rows_duplicate} 条，隔离 {batch.rows_quarantined} 条。")
        return JobOutcome(message="已入库", related_type="datasets.recordbatch", related_id=str(batch.pk),
                          result={"summary": summary, "batch_id": batch.pk, "rows_total": batch.rows_total,
                                  "rows_accepted": batch.rows_accepted, "rows_duplicate": batch.rows_duplicate,
                                  "rows_quarantined": batch.rows_quarantined})

    job_run(job_id, work=work, failure="入库失败，本批次未保存任何记录")


_RUN_STEPS = (10, 70, 95)


def metric_run_job(job_id: int) -> None:
    """Run the metric engine for a job; the engine's step messages become the progress. Safe to run twice:
    a finished job is left alone, and a rerun of the same inputs is recognised by the run's fingerprint."""
    from bizenv.datasets.metric_services import metric_run

    def work(job) -> JobOutcome:
        steps = iter(_RUN_STEPS)

        def progress(message: str) -> None:
            job_progress(job_id=job.pk, percent=next(steps, _RUN_STEPS[-1]), message=message)

        outcome = metric_run(actor=job.created_by, engine=job.params.get("engine", "duckdb"),
                             periods=job.params.get("periods") or None, progress=progress)
        return JobOutcome(message="计算完成", related_type="datasets.metricrun", related_id=str(outcome.run.pk),
                          result={"summary": str(outcome), "run_id": outcome.run.pk, "reused": outcome.reused,
                                  "created": outcome.created, "updated": outcome.updated,
                                  "unchanged": outcome.unchanged, "skipped": len(outcome.skipped),
                                  "step_rows": outcome.step_rows})

    job_run(job_id, work=work, failure="计算失败")
