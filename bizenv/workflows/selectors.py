"""Reads of the workflows app: who sees which items and in what capacity, lists, timelines and the facts of
the on-time statistics.

Who sees an item: the office and leaders every item of their region (the item's `scope_region`: its responsible
region, or the responsible department's region); a department the items it is responsible for, co-handles or
issued; a county the items of its regions (responsible, co-handling or issuing). The administrators see none.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from bizenv.organisations.models import Department, DepartmentKind, Region, Role
from bizenv.organisations.permissions import (
    Permission,
    can,
    filter_by_region,
    has_permission,
    user_grants,
    user_roles,
)
from bizenv.workflows.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    ItemEvent,
    ItemStatus,
    WorkItem,
)
from bizenv.workflows.stats import ItemFact
from bizenv.workflows.transitions import Capacity, actions_available

# ---------------------------------------------------------------------------------------------------------
# Units


def county_region_paths(user) -> list[str]:
    """The paths of the regions where the user holds the county role (a grant covers the regions below)."""
    return [g.region.path for g in user_grants(user) if g.role == Role.COUNTY and g.region_id is not None]


def _paths_q(paths: list[str], field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def office_department() -> Department | None:
    """The coordinating office as a unit (the issuer of the items the office and the system create)."""
    return Department.objects.filter(kind=DepartmentKind.OFFICE).order_by("sort_order", "code").first()


def unit_of_user(user) -> tuple[Department | None, Region | None]:
    """The unit a user acts for: an office or department user's department, or a county user's region."""
    roles = user_roles(user)
    if {Role.OFFICE, Role.DEPARTMENT} & roles and getattr(user, "department_id", None):
        return user.department, None
    if Role.OFFICE in roles:
        return office_department(), None
    for grant in user_grants(user):
        if grant.role == Role.COUNTY and grant.region_id is not None:
            return None, grant.region
    return None, None


def unit_resolve(code: str) -> tuple[Department | None, Region | None]:
    """A department or region by its code (a department code first); (None, None) when neither exists."""
    code = (code or "").strip()
    if not code:
        return None, None
    department = Department.objects.filter(code=code).first()
    if department is not None:
        return department, None
    return None, Region.objects.filter(code=code).first()


def unit_name(department: Department | None, region: Region | None) -> str:
    unit = department or region
    return unit.name if unit else ""


def scope_region_of(department: Department | None, region: Region | None) -> Region:
    """The region an item of this unit belongs to, for who may see it: the region itself, or the department's
    region (the root region for a department without one)."""
    if region is not None:
        return region
    if department is not None and department.region_id:
        return department.region
    root = Region.objects.filter(parent=None).order_by("sort_order", "code").first()
    if root is None:
        from bizenv.core.errors import ApplicationError

        raise ApplicationError("尚未建立区域，无法创建任务。请系统管理员先导入区域。")
    return root


# ---------------------------------------------------------------------------------------------------------
# Who sees what


def item_list(*, user, status: str = "", kind: str = "", unit: str = "", indicator: str = "", source: str = "",
              overdue_on: date | None = None, q: str = "") -> QuerySet[WorkItem]:
    """The items the user may see, filtered (`unit` is a department or region code; `overdue_on` keeps the
    items open past their deadline on that day)."""
    if not has_permission(user, Permission.VIEW_WORK):
        return WorkItem.objects.none()
    roles = user_roles(user)
    visible = Q(pk__in=[])
    if {Role.OFFICE, Role.LEADER} & roles:
        scoped = filter_by_region(user, Permission.VIEW_WORK, WorkItem.objects.all(), field="scope_region")
        visible |= Q(pk__in=scoped.values("pk"))
    dept_id = getattr(user, "department_id", None)
    if Role.DEPARTMENT in roles and dept_id:
        visible |= Q(assignee_department_id=dept_id) | Q(co_departments=dept_id) | Q(issuer_department_id=dept_id)
    paths = county_region_paths(user)
    if paths:
        visible |= (_paths_q(paths, "assignee_region") | _paths_q(paths, "co_regions")
                    | _paths_q(paths, "issuer_region"))
    qs = WorkItem.objects.filter(pk__in=WorkItem.objects.filter(visible).values("pk"))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if source:
        qs = qs.filter(source=source)
    if unit:
        qs = qs.filter(Q(assignee_department__code=unit) | Q(assignee_region__code=unit))
    if indicator:
        qs = qs.filter(indicator_codes__contains=[indicator]) if _json_contains() else qs.filter(
            indicator_codes__icontains=f'"{indicator}"')
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_STATUSES, deadline__lt=overdue_on)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(description__icontains=q))
    return qs.select_related("assignee_department", "assignee_region", "assignee_user", "issuer_department",
                             "issuer_region", "scope_region")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def item_get(*, user, pk: int) -> WorkItem | None:
    """One item the user may see (None when absent or hidden: the same answer either way)."""
    return item_list(user=user).filter(pk=pk).first()


def item_capacities(*, user, item: WorkItem) -> set[Capacity]:
    """In which capacities the user stands to the item (see transitions.Capacity)."""
    out: set[Capacity] = set()
    if user is None:
        return out
    roles = user_roles(user)
    office = Role.OFFICE in roles and can(user, Permission.MANAGE_WORK, item.scope_region)
    if office:
        out.add(Capacity.OFFICE)
    dept_id = getattr(user, "department_id", None)
    acts = has_permission(user, Permission.ACT_ON_WORK)
    paths = county_region_paths(user) if acts else []

    def _holds(department_id, region) -> bool:
        if department_id is not None:
            return acts and Role.DEPARTMENT in roles and dept_id == department_id
        if region is not None:
            return any(region.path.startswith(p) for p in paths)
        return False

    issuer_office = item.issuer_region_id is None and (
        item.issuer_department_id is None or item.issuer_department.kind == DepartmentKind.OFFICE)
    if (issuer_office and office) or _holds(
            None if issuer_office else item.issuer_department_id, None if issuer_office else item.issuer_region):
        out.add(Capacity.ISSUER)
    if _holds(item.assignee_department_id, item.assignee_region):
        out.add(Capacity.ASSIGNEE)
    if acts and ((Role.DEPARTMENT in roles and dept_id and item.co_departments.filter(pk=dept_id).exists())
                 or any(r.path.startswith(p) for r in item.co_regions.all() for p in paths)):
        out.add(Capacity.CO)
    return out


def item_actions(*, user, item: WorkItem):
    """The actions the user may take on the item now."""
    return actions_available(status=item.status, capacities=item_capacities(user=user, item=item))


def item_timeline(*, item: WorkItem) -> QuerySet[ItemEvent]:
    return item.events.select_related("actor").prefetch_related("files").order_by("at", "id")


def item_children_open(*, item: WorkItem) -> list[WorkItem]:
    """Sub-items not yet approved (a parent may be submitted only when this is empty; cancelled ones count as
    settled)."""
    return list(item.children.exclude(status__in=FINISHED_STATUSES).order_by("id"))


def waiting_for(*, user) -> dict[str, QuerySet[WorkItem]]:
    """The workbench's “待我处理”: items to accept, to feed back on (in progress), to review (submitted to me)."""
    roles = user_roles(user)
    dept_id = getattr(user, "department_id", None)
    mine = Q(pk__in=[])
    if Role.DEPARTMENT in roles and dept_id:
        mine |= Q(assignee_department_id=dept_id)
    paths = county_region_paths(user)
    if paths:
        mine |= _paths_q(paths, "assignee_region")
    review = Q(pk__in=[])
    if Role.OFFICE in roles:
        review |= Q(issuer_region=None) & (Q(issuer_department=None) | Q(issuer_department__kind=DepartmentKind.OFFICE))
    if Role.DEPARTMENT in roles and dept_id:
        review |= Q(issuer_department_id=dept_id)
    if paths:
        review |= _paths_q(paths, "issuer_region")
    visible = item_list(user=user)
    return {
        "accept": visible.filter(mine, status=ItemStatus.ISSUED),
        "feedback": visible.filter(mine, status=ItemStatus.IN_PROGRESS),
        "review": visible.filter(review, status=ItemStatus.SUBMITTED),
        "returned": visible.filter(review, status=ItemStatus.RETURNED),
    }


# ---------------------------------------------------------------------------------------------------------
# Facts of the on-time statistics


def item_facts(*, items: QuerySet[WorkItem]) -> list[ItemFact]:
    """The facts `stats.ontime_stats` counts, one per item with a deadline (drafts are not yet anyone's)."""
    rows = (items.exclude(status=ItemStatus.DRAFT).exclude(deadline=None)
            .select_related("assignee_department", "assignee_region")
            .order_by("id"))
    out = []
    for item in rows:
        dept, region = item.assignee_department, item.assignee_region
        out.append(ItemFact(
            code=item.code, title=item.title, kind=item.kind,
            department=dept.code if dept else "", department_name=dept.name if dept else "",
            region=region.code if region else "", region_name=region.name if region else "",
            deadline=item.deadline, approved_on=item.approved_on if item.status == ItemStatus.APPROVED else None,
            cancelled=item.status == ItemStatus.CANCELLED))
    return out
