"""Background jobs of the monitoring app (django-q2); each takes a job id and is safe to run twice."""

from __future__ import annotations

from bizenv.core.errors import ApplicationError
from bizenv.core.services import JobOutcome, job_reporter, job_run


def monitoring_run_job(job_id: int) -> None:
    """Evaluate the warning rules for the job's periods (all monitored months when none)."""

    def work(job) -> JobOutcome:
        from bizenv.monitoring.services import monitoring_run

        periods = job.params.get("periods") or [""]
        report = job_reporter(job.pk)
        lines: list[str] = []
        for period in periods:
            try:
                summary = monitoring_run(actor=job.created_by, period=period, progress=report)
            except ApplicationError as exc:  # a period without monitored values: say so, go on
                lines.append(exc.message)
                continue
            lines.extend(summary.lines())
        return JobOutcome(message="；".join(lines)[:480], result={"lines": lines})

    job_run(job_id, work=work, failure="监测预警检查失败")
