"""Reads of regions, departments and users, filtered by the permission policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from bizenv.organisations.models import Department, MapLayer, Region, RoleGrant, User
from bizenv.organisations.permissions import Permission, regions_for


@dataclass
class RegionNode:
    region: Region
    children: list[RegionNode] = field(default_factory=list)


def region_list(*, user) -> QuerySet[Region]:
    """Regions the user may see, in tree order."""
    return regions_for(user, Permission.VIEW_REGIONS).select_related("parent").order_by("path")


def region_tree(*, user) -> list[RegionNode]:
    """The visible regions as a forest (a county user gets a one-node tree)."""
    nodes: dict[int, RegionNode] = {}
    roots: list[RegionNode] = []
    for region in region_list(user=user).order_by("path", "sort_order"):
        node = RegionNode(region)
        nodes[region.pk] = node
        parent = nodes.get(region.parent_id)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.region.sort_order, n.region.code))
    return roots


def region_get(*, user, code: str) -> Region | None:
    return region_list(user=user).filter(code=code).first()


def department_list() -> QuerySet[Department]:
    return Department.objects.order_by("sort_order", "code")


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("grants__region").select_related("department").order_by("username")


def region_find(*, code: str) -> Region | None:
    """The region with `code`, whoever may see it (callers check the policy)."""
    return Region.objects.filter(code=code).select_related("parent").first()


def region_ancestors(*, region: Region) -> list[Region]:
    """The regions above `region`, top first."""
    codes = [c for c in region.path.strip("/").split("/")[:-1] if c]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def region_children(*, user, region: Region) -> QuerySet[Region]:
    """The visible direct children of a region, in display order."""
    return region_list(user=user).filter(parent=region).order_by("sort_order", "code")


def region_map_layer(*, region: Region) -> MapLayer | None:
    """The stored map outline of a region's children, if any."""
    return MapLayer.objects.filter(region=region).select_related("updated_by").first()


def map_missing_children(*, layer: MapLayer) -> list[str]:
    """Names of the region's children that the stored map does not draw."""
    drawn = {(f.get("properties") or {}).get("code") for f in layer.geojson.get("features", [])}
    children = layer.region.children.order_by("sort_order", "code").values_list("code", "name")
    return [name for code, name in children if code not in drawn]


def map_region_codes() -> set[str]:
    """Codes of the regions that have a map outline."""
    return set(MapLayer.objects.values_list("region__code", flat=True))


def region_departments(*, region: Region) -> QuerySet[Department]:
    return Department.objects.filter(region=region).order_by("sort_order", "code")


def region_choices() -> QuerySet[Region]:
    """Every region in tree order, for administrators choosing where a role applies."""
    return Region.objects.order_by("path")


def department_list_with_counts() -> QuerySet[Department]:
    """Departments with `user_count`, the number of active accounts in each."""
    return (
        Department.objects.select_related("region")
        .annotate(user_count=Count("users", filter=Q(users__is_active=True)))
        .order_by("sort_order", "code")
    )


def user_grants(*, user: User) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user=user).select_related("region").order_by("role", "region__path")


def access_attempt_list() -> list:
    """Failed-login records kept by django-axes, most recent first, marked when they lock the account."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    limit = settings.AXES_FAILURE_LIMIT
    cooloff = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    rows = []
    for attempt in AccessAttempt.objects.order_by("-attempt_time")[:500]:
        expired = cooloff is not None and attempt.attempt_time + cooloff <= now
        locked = attempt.failures_since_start >= limit and not expired
        attempt.is_locked = locked
        attempt.unlocks_at = attempt.attempt_time + cooloff if locked and cooloff else None
        rows.append(attempt)
    return rows


def access_log_list(*, limit: int = 50) -> list:
    """Recent successful logins recorded by django-axes."""
    from axes.models import AccessLog

    return list(AccessLog.objects.order_by("-attempt_time")[:limit])
