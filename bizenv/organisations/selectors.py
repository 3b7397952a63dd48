"""Reads of regions, departments and users, filtered by the permission policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from bizenv.organisations.models import Department, Region, User
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
