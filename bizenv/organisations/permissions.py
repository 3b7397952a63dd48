"""The one region-scoped permission policy used by every selector and service.

A role granted on a region covers that region and all regions below it. What a role
may do is the table `ROLE_PERMISSIONS`; anything not in it is denied.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from bizenv.core.audit import actor_user as actor_user  # the policy's name for it; core cannot import apps
from bizenv.core.errors import PermissionDenied
from bizenv.organisations.models import ADMIN_ROLES, Region, Role, RoleGrant


class Permission(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_INDICATORS = "indicators.view"
    EDIT_INDICATORS = "indicators.edit"
    PUBLISH_INDICATORS = "indicators.publish"
    VIEW_REGIONS = "regions.view"
    MANAGE_REGIONS = "regions.manage"
    VIEW_RECORDS = "records.view"
    REPORT_DATA = "data.report"
    REVIEW_DATA = "data.review"
    MANAGE_USERS = "users.manage"
    MANAGE_SECURITY = "security.manage"
    VIEW_AUDIT = "audit.view"
    VIEW_WARNINGS = "warnings.view"
    ACT_ON_WARNINGS = "warnings.act"
    MANAGE_WARNINGS = "warnings.manage"
    VIEW_WORK = "work.view"
    ACT_ON_WORK = "work.act"
    MANAGE_WORK = "work.manage"


_BUSINESS_VIEW = {
    Permission.VIEW_DASHBOARD,
    Permission.VIEW_INDICATORS,
    Permission.VIEW_REGIONS,
    Permission.VIEW_RECORDS,
    Permission.VIEW_WARNINGS,
    Permission.VIEW_WORK,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LEADER: frozenset(_BUSINESS_VIEW),
    Role.OFFICE: frozenset(
        _BUSINESS_VIEW | {Permission.EDIT_INDICATORS, Permission.PUBLISH_INDICATORS, Permission.REVIEW_DATA,
                          Permission.MANAGE_WARNINGS, Permission.MANAGE_WORK}
    ),
    Role.DEPARTMENT: frozenset(_BUSINESS_VIEW | {Permission.REPORT_DATA, Permission.ACT_ON_WARNINGS,
                                                 Permission.ACT_ON_WORK}),
    Role.COUNTY: frozenset(_BUSINESS_VIEW | {Permission.REPORT_DATA, Permission.ACT_ON_WARNINGS,
                                             Permission.ACT_ON_WORK}),
    # 三员分立: the administrators run the system but see no business data.
    Role.SYSADMIN: frozenset(
        {Permission.MANAGE_USERS, Permission.MANAGE_REGIONS, Permission.VIEW_REGIONS, Permission.VIEW_INDICATORS}
    ),
    Role.SECADMIN: frozenset({Permission.MANAGE_SECURITY}),
    Role.AUDITOR: frozenset({Permission.VIEW_AUDIT}),
}

PERMISSION_LABELS = {
    Permission.VIEW_DASHBOARD: "查看分析页面",
    Permission.VIEW_INDICATORS: "查看指标体系",
    Permission.EDIT_INDICATORS: "编辑指标体系",
    Permission.PUBLISH_INDICATORS: "发布指标体系",
    Permission.VIEW_REGIONS: "查看区域",
    Permission.MANAGE_REGIONS: "管理区域",
    Permission.VIEW_RECORDS: "查看原始办件数据",
    Permission.REPORT_DATA: "数据填报",
    Permission.REVIEW_DATA: "数据审核",
    Permission.MANAGE_USERS: "管理用户",
    Permission.MANAGE_SECURITY: "安全管理",
    Permission.VIEW_AUDIT: "查看审计日志",
    Permission.VIEW_WARNINGS: "查看监测预警",
    Permission.ACT_ON_WARNINGS: "签收预警、上报整改举措",
    Permission.MANAGE_WARNINGS: "管理预警规则、审核整改、销号",
    Permission.VIEW_WORK: "查看任务督办",
    Permission.ACT_ON_WORK: "受理、反馈、办结任务",
    Permission.MANAGE_WORK: "下发、督办、审核任务",
}


def _grants(user) -> list[RoleGrant]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_bizenv_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=user).select_related("region"))
        user._bizenv_grants = cached
    return cached


def user_grants(user) -> list[RoleGrant]:
    """The user's role grants (cached on the user object)."""
    return list(_grants(user))


def user_roles(user) -> set[Role]:
    """The roles the user holds anywhere."""
    return {Role(g.role) for g in _grants(user)}


def user_permissions(user) -> set[Permission]:
    """Every permission the user holds on at least one region."""
    perms: set[Permission] = set()
    for grant in _grants(user):
        perms |= ROLE_PERMISSIONS.get(Role(grant.role), frozenset())
    return perms


def has_permission(user, perm: Permission) -> bool:
    return perm in user_permissions(user)


def _scope_q(user, perm: Permission, prefix: str = "") -> Q | None:
    """A filter on Region paths for the regions where `perm` holds; None means nowhere."""
    q = None
    for grant in _grants(user):
        if perm not in ROLE_PERMISSIONS.get(Role(grant.role), frozenset()):
            continue
        if grant.region_id is None:
            # Only administrator roles are granted without a region; they span everything.
            return Q()
        part = Q(**{f"{prefix}path__startswith": grant.region.path})
        q = part if q is None else q | part
    return q


def regions_for(user, perm: Permission) -> QuerySet[Region]:
    """The regions on which the user holds `perm` (grants cover descendants)."""
    q = _scope_q(user, perm)
    if q is None:
        return Region.objects.none()
    return Region.objects.filter(q)


def filter_by_region(user, perm: Permission, queryset: QuerySet, *, field: str = "region") -> QuerySet:
    """Restrict any queryset with a region foreign key to what the user may see."""
    q = _scope_q(user, perm, prefix=f"{field}__")
    if q is None:
        return queryset.none()
    return queryset.filter(q)


def can(user, perm: Permission, region: Region | None = None) -> bool:
    """True when the user holds `perm` — on `region` (or an ancestor of it) if one is given."""
    for grant in _grants(user):
        if perm not in ROLE_PERMISSIONS.get(Role(grant.role), frozenset()):
            continue
        if region is None or grant.region_id is None or region.path.startswith(grant.region.path):
            return True
    return False


def require(user, perm: Permission, region: Region | None = None) -> None:
    """Raise PermissionDenied unless `can(user, perm, region)`."""
    if not can(user, perm, region):
        where = f"（区域：{region.name}）" if region is not None else ""
        raise PermissionDenied(f"您没有“{PERMISSION_LABELS[perm]}”的权限{where}。")


def require_actor(actor, perm: Permission, region: Region | None = None) -> None:
    """`require` for services: `actor=None` is the system itself (command line, jobs, token pushes, the demo)
    and may do anything; a user needs the permission (on `region`, if given)."""
    if actor is not None:
        require(actor, perm, region)


def is_admin_role(role: str) -> bool:
    return role in ADMIN_ROLES


def forget_cached_grants(user) -> None:
    if hasattr(user, "_bizenv_grants"):
        del user._bizenv_grants
