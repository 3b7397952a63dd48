"""In-app notifications (站内消息) for warnings and measures, written inside the caller's transaction and
mailed after commit when SMTP is configured. One event notifies each person once (a unique event key)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from bizenv.core.periods import Period
from bizenv.monitoring.models import Notification
from bizenv.monitoring.selectors import owed_by_departments
from bizenv.monitoring.specs import RULE_KIND_LABELS, SEVERITY_LABELS
from bizenv.organisations.models import Region, Role, RoleGrant, User

log = logging.getLogger(__name__)


def _granted(roles: set[str], region: Region) -> set[int]:
    """Users holding one of `roles` on the region or a region above it (or on no region: everywhere)."""
    ids = set()
    for grant in RoleGrant.objects.filter(role__in=roles).select_related("region"):
        if grant.region_id is None or region.path.startswith(grant.region.path):
            ids.add(grant.user_id)
    return ids


def _department_users(warning) -> set[int]:
    from bizenv.indicators.models import Indicator

    codes = {warning.indicator_code, warning.level1_code} - {""}
    indicators = Indicator.objects.filter(version=warning.system_version, code__in=codes)
    dept_ids = set()
    for indicator in indicators.prefetch_related("lead_departments", "responsible_departments"):
        dept_ids |= {d.pk for d in indicator.lead_departments.all()}
        dept_ids |= {d.pk for d in indicator.responsible_departments.all()}
    if not dept_ids:
        return set()
    users = set(User.objects.filter(department_id__in=dept_ids, is_active=True).values_list("pk", flat=True))
    return users & _granted({Role.DEPARTMENT}, warning.region)


def _send(*, user_ids: set[int], event: str, kind: str, title: str, body: str, url: str) -> int:
    """One notification per user for the event; a user already told of it is skipped. Returns how many."""
    made = 0
    users = User.objects.filter(pk__in=user_ids, is_active=True)
    for user in users:
        if Notification.objects.filter(recipient=user, event=event).exists():
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(recipient=user, event=event, kind=kind, title=title[:200],
                                                   body=body, url=url[:300])
        except IntegrityError:  # told concurrently
            continue
        made += 1
        if user.email and getattr(settings, "BIZENV_EMAIL_ENABLED", False):
            transaction.on_commit(lambda note_id=note.pk: _mail(note_id))
    return made


def notification_send(*, user_ids: set[int], event: str, kind: str, title: str, body: str, url: str) -> int:
    """Notify users of an event of another app (work items, letters) through the same inbox and mail."""
    return _send(user_ids=user_ids, event=event, kind=kind, title=title, body=body, url=url)


def users_granted(*, roles: set[str], region: Region) -> set[int]:
    """Users holding one of `roles` on the region or above it."""
    return _granted(roles, region)


def _mail(note_id: int) -> None:
    """Mail one notification once (emailed_at marks it sent); failures are logged, the inbox still has it."""
    from django.core.mail import send_mail
    from django.utils import timezone

    claimed = Notification.objects.filter(pk=note_id, emailed_at=None).update(emailed_at=timezone.now())
    if not claimed:
        return
    note = Notification.objects.select_related("recipient").get(pk=note_id)
    try:
        send_mail(subject=f"【营商环境平台】{note.title}", message=f"{note.body}\n\n{note.url}",
                  from_email=None, recipient_list=[note.recipient.email])
    except Exception:  # noqa: BLE001 — a mail server problem must not break anything else
        log.exception("站内消息 #%s 的邮件发送失败", note_id)
        Notification.objects.filter(pk=note_id).update(emailed_at=None)


def warning_url(warning) -> str:
    return reverse("monitoring:warning", args=[warning.pk])


def warning_opened(*, warning) -> int:
    """A new warning: the county of the region, the departments of the indicator and the office are told."""
    # The office follows every warning on its pages; its inbox gets the red ones (and the measures to review).
    roles = {Role.COUNTY, Role.OFFICE} if warning.severity == "red" else {Role.COUNTY}
    if warning.kind == "missing_report" and owed_by_departments(warning):
        roles.discard(Role.COUNTY)  # the owing department reports it
    users = _granted(roles, warning.region) | _department_users(warning)
    severity = SEVERITY_LABELS.get(warning.severity, "")
    title = f"{severity}预警：{warning.region.name} · {warning.indicator_name}"
    body = f"{RULE_KIND_LABELS.get(warning.kind, '')}（{Period.parse(warning.first_period).label}）。{warning.explanation}"
    return _send(user_ids=users, event=f"warning.open:{warning.pk}", kind="warning", title=title, body=body,
                 url=warning_url(warning))


def warning_finished(*, warning) -> int:
    users = _granted({Role.COUNTY}, warning.region) | _department_users(warning)
    label = warning.get_status_display()
    title = f"预警{label}：{warning.region.name} · {warning.indicator_name}"
    if warning.status == "closed":
        body = f"关闭理由：{warning.close_reason}"
    else:
        body = warning.close_reason or "预警条件已消除，营商办已销号。"
    return _send(user_ids=users, event=f"warning.{warning.status}:{warning.pk}", kind="warning", title=title,
                 body=body, url=warning_url(warning))


def measure_submitted(*, measure) -> int:
    warning = measure.warning
    users = _granted({Role.OFFICE}, warning.region)
    users.discard(measure.created_by_id)
    title = f"待审核整改举措：{warning.region.name} · {warning.indicator_name}"
    body = f"整改方式：{measure.method.name}。{measure.description[:200]}"
    return _send(user_ids=users, event=f"measure.submit:{measure.pk}", kind="measure", title=title, body=body,
                 url=warning_url(warning))


def measure_reviewed(*, measure) -> int:
    warning = measure.warning
    users = {measure.created_by_id} if measure.created_by_id else set()
    title = f"整改举措{measure.get_status_display()}：{warning.region.name} · {warning.indicator_name}"
    body = f"审核意见：{measure.review_comment}" if measure.review_comment else "营商办已审核通过。"
    return _send(user_ids=users, event=f"measure.review:{measure.pk}", kind="measure", title=title, body=body,
                 url=warning_url(warning))


def notification_read(*, user, pk: int | None = None) -> int:
    """Mark one (or, without pk, every) unread notification of the user read; returns how many."""
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at=None)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


__all__ = ["measure_reviewed", "measure_submitted", "notification_read", "notification_send", "users_granted",
           "warning_opened", "warning_finished"]
