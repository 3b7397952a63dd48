"""Where a finished job's result is shown: each job kind names the page of the object it produced."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from bizenv.core.models import Job

# related_type → (URL name, label of the link)
RESULT_PAGES = {
    "datasets.recordbatch": ("datasets:batch_detail", "查看批次"),
    "datasets.metricrun": ("metrics:list", "查看计算记录"),
}


def job_result_url(job: Job) -> tuple[str, str] | None:
    """(url, label) of the page showing what the job produced, or None."""
    page = RESULT_PAGES.get(job.related_type)
    if page is None or not job.related_id:
        return None
    name, label = page
    try:
        url = reverse(name, kwargs={"pk": int(job.related_id)})
    except (NoReverseMatch, ValueError):
        url = reverse(name)
    return url, label
