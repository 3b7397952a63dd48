"""Reads of the web shell: a job as its page shows it, to whom it may be shown."""

from __future__ import annotations

from bizenv.core.models import Job
from bizenv.organisations.permissions import Permission, has_permission


def job_get(*, pk: int, user) -> Job | None:
    """The job when `user` may see it: its creator, or the office for office jobs."""

    job = Job.objects.select_related("created_by").filter(pk=pk).first()
    if job is None:
        return None
    if job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None):
        return job
    if job.for_office and has_permission(user, Permission.REVIEW_DATA):
        return job
    return None
