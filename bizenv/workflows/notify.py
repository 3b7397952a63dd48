"""Inbox messages about work items, through the monitoring app's inbox (站内消息) and mail."""

from __future__ import annotations

from django.urls import reverse

from bizenv.core.periods import day_label
from bizenv.monitoring.notify import notification_send, users_granted
from bizenv.organisations.models import DepartmentKind, Role, User
from bizenv.workflows.transitions import ACTION_LABELS, Action


def item_url(item) -> str:
    return reverse("workflows:item", args=[item.pk])


def _unit_users(department, region) -> set[int]:
    if department is not None:
        if department.kind == DepartmentKind.OFFICE:
            root = region or department.region
            if root is None:
                from bizenv.organisations.models import Region

                root = Region.objects.filter(parent=None).order_by("sort_order").first()
            return users_granted(roles={Role.OFFICE}, region=root) if root else set()
        return set(User.objects.filter(department=department, is_active=True).values_list("pk", flat=True)) & \
            _department_role_users()
    if region is not None:
        return users_granted(roles={Role.COUNTY}, region=region)
    return set()


def _department_role_users() -> set[int]:
    from bizenv.organisations.models import RoleGrant

    return set(RoleGrant.objects.filter(role=Role.DEPARTMENT).values_list("user_id", flat=True))


def assignee_users(item) -> set[int]:
    if item.assignee_user_id:
        return {item.assignee_user_id}
    return _unit_users(item.assignee_department, item.assignee_region)


def issuer_users(item) -> set[int]:
    if item.issuer_department is None and item.issuer_region is None:
        return users_granted(roles={Role.OFFICE}, region=item.scope_region)
    return _unit_users(item.issuer_department, item.issuer_region)


def item_issued(*, item, transferred_from: str = "") -> int:
    """A new (or transferred) item reaches its responsible unit."""
    what = f"（由{transferred_from}转办）" if transferred_from else ""
    title = f"新任务{what}：{item.title}"
    body = f"{item.issuer_name}下发，完成时限 {day_label(item.deadline, empty='未定')}。{item.description[:200]}"
    key = f"item.issue:{item.pk}:{item.transfer_count}"
    return notification_send(user_ids=assignee_users(item), event=key, kind="work_item", title=title, body=body,
                             url=item_url(item))


def item_changed(*, item, action: Action, text: str = "") -> int:
    """Tell the other side: the issuer hears of accept/return/feedback/submit, the assignee of the rest."""
    to_issuer = action in (Action.ACCEPT, Action.RETURN, Action.FEEDBACK, Action.SUBMIT, Action.TRANSFER)
    users = issuer_users(item) if to_issuer else assignee_users(item)
    label = ACTION_LABELS[action]
    title = f"任务{label}：{item.title}"
    body = f"{item.code}（{item.assignee_name}）{label}。" + (f"{text[:300]}" if text else "")
    count = item.events.filter(action=action).count()
    return notification_send(user_ids=users, event=f"item.{action.value}:{item.pk}:{count}", kind="work_item",
                             title=title, body=body, url=item_url(item))
