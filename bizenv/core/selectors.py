"""Reads of the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from bizenv.core.models import AuditLog, Job, JobStatus


def audit_log_list(
    *, action: str = "", actor: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet[AuditLog]:
    """Audit entries, newest first, filtered by action, actor account or name, and local dates (inclusive)."""
    entries = AuditLog.objects.select_related("actor").order_by("-id")
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_username__icontains=actor) | entries.filter(
            actor__full_name__icontains=actor
        )
    zone = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        entries = entries.filter(
            created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        )
    return entries


def audit_actions() -> list[str]:
    """Every action name that occurs in the log, sorted."""
    # order_by() first: the model's default ordering (by id) would make every row distinct.
    return sorted(AuditLog.objects.order_by().values_list("action", flat=True).distinct())


def job_waiting_for_worker(job: Job, *, grace_seconds: int = 5) -> bool:
    """True when the job has sat queued longer than a worker would leave it: no worker is running."""
    return job.status == JobStatus.QUEUED and (timezone.now() - job.created_at).total_seconds() > grace_seconds
