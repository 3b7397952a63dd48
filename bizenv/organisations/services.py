"""Writes to regions, departments, users and role grants; every change audited."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.organisations.models import ADMIN_ROLES, Department, Region, RegionLevel, Role, RoleGrant, User
from bizenv.organisations.permissions import Permission, forget_cached_grants, require

REGION_FIELDS = ("code", "name", "level", "sort_order", "population", "gdp", "area_km2", "has_pipeline_gas",
                 "peer_group", "attributes")

_CHILD_LEVELS = {
    None: {RegionLevel.PROVINCE, RegionLevel.CITY},
    RegionLevel.PROVINCE: {RegionLevel.CITY},
    RegionLevel.CITY: {RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE},
    RegionLevel.COUNTY: set(),
    RegionLevel.DISTRICT: set(),
    RegionLevel.ZONE: set(),
}


def _region_snapshot(region: Region) -> dict:
    data = {f: getattr(region, f) for f in REGION_FIELDS}
    data["parent"] = region.parent.code if region.parent_id else None
    if isinstance(data["gdp"], Decimal):
        data["gdp"] = str(data["gdp"])
    if isinstance(data["area_km2"], Decimal):
        data["area_km2"] = str(data["area_km2"])
    return data


def _check_region_placement(*, level: str, parent: Region | None) -> None:
    parent_level = RegionLevel(parent.level) if parent else None
    if RegionLevel(level) not in _CHILD_LEVELS[parent_level]:
        above = parent.get_level_display() if parent else "顶层"
        raise ApplicationError(
            f"区域层级不合理：{above}之下不能设置“{RegionLevel(level).label}”。", code=ErrorCode.INVALID
        )


@transaction.atomic
def region_create(*, actor, code: str, name: str, level: str, parent: Region | None = None, **attrs) -> Region:
    """Create a region under `parent` (a province or city, or a top-level one)."""
    if actor is not None:
        require(actor, Permission.MANAGE_REGIONS, parent)
    code = code.strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ApplicationError(f"行政区划代码“{code}”应为 6、9 或 12 位数字。")
    if Region.objects.filter(code=code).exists():
        raise ApplicationError(f"行政区划代码“{code}”已存在。", code=ErrorCode.CONFLICT)
    _check_region_placement(level=level, parent=parent)
    unknown = set(attrs) - set(REGION_FIELDS)
    if unknown:
        raise ApplicationError(f"未知的区域属性：{'、'.join(sorted(unknown))}")
    path = (parent.path if parent else "/") + code + "/"
    region = Region.objects.create(code=code, name=name.strip(), level=level, parent=parent, path=path, **attrs)
    audit_record(actor=actor, action="region.create", obj=region, new=_region_snapshot(region))
    return region


@transaction.atomic
def region_update(*, actor, region: Region, **changes) -> Region:
    """Change a region's name or attributes (the code and place in the tree stay)."""
    if actor is not None:
        require(actor, Permission.MANAGE_REGIONS, region)
    forbidden = set(changes) & {"code", "parent", "path", "level"}
    if forbidden:
        raise ApplicationError("区域的代码、层级和上级不能修改；如需调整请新建区域。")
    unknown = set(changes) - set(REGION_FIELDS)
    if unknown:
        raise ApplicationError(f"未知的区域属性：{'、'.join(sorted(unknown))}")
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = _region_snapshot(region)
    for field, value in changes.items():
        setattr(region, field, value)
    region.full_clean(exclude=["path", "parent"])
    after = _region_snapshot(region)
    old, new = changed_values(before, after)
    if not new:
        return region
    region.save()
    audit_record(actor=actor, action="region.update", obj=region, old=old, new=new)
    return region


@transaction.atomic
def department_upsert(*, actor, code: str, name: str, kind: str, sort_order: int = 0,
                      region: Region | None = None) -> Department:
    """Create a department, or update its name and kind; a no-op writes nothing."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        dept = Department.objects.create(code=code, name=name, kind=kind, sort_order=sort_order, region=region)
        audit_record(actor=actor, action="department.create", obj=dept,
                     new={"code": code, "name": name, "kind": kind})
        return dept
    before = {"name": dept.name, "kind": dept.kind, "sort_order": dept.sort_order}
    after = {"name": name, "kind": kind, "sort_order": sort_order}
    old, new = changed_values(before, after)
    if new:
        for field, value in after.items():
            setattr(dept, field, value)
        dept.save()
        audit_record(actor=actor, action="department.update", obj=dept, old=old, new=new)
    return dept


@transaction.atomic
def user_create(*, actor, username: str, password: str, full_name: str = "",
                department: Department | None = None) -> User:
    """Create a login account; the password must pass the password policy."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    username = username.strip()
    if not username:
        raise ApplicationError("账号不能为空。")
    if User.objects.filter(username=username).exists():
        raise ApplicationError(f"账号“{username}”已存在。", code=ErrorCode.CONFLICT)
    user = User(username=username, full_name=full_name, department=department)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("密码不符合要求：" + "；".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user,
                 new={"username": username, "full_name": full_name,
                      "department": department.code if department else None})
    return user


@transaction.atomic
def role_grant_add(*, actor, user: User, role: str, region: Region | None) -> RoleGrant:
    """Grant `role` on `region`; administrator roles are exclusive (三员分立)."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
        if actor.pk == user.pk:
            raise ApplicationError("不能给自己授权。", code=ErrorCode.PERMISSION_DENIED)
    role = Role(role)
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if role in ADMIN_ROLES:
        if region is not None:
            raise ApplicationError(f"“{role.label}”为全局角色，不能限定区域。")
        others = existing - {role}
        if others:
            held = "、".join(Role(r).label for r in sorted(others))
            raise ApplicationError(
                f"三员分立：账号“{user.username}”已担任{held}，不能再授予“{role.label}”。",
                code=ErrorCode.ROLE_CONFLICT,
            )
    else:
        if region is None:
            raise ApplicationError(f"“{role.label}”角色必须指定授权区域。")
        admins = existing & ADMIN_ROLES
        if admins:
            held = "、".join(Role(r).label for r in sorted(admins))
            raise ApplicationError(
                f"三员分立：账号“{user.username}”是{held}，不能再授予业务角色。", code=ErrorCode.ROLE_CONFLICT
            )
        if role == Role.DEPARTMENT and user.department_id is None:
            raise ApplicationError("部门用户必须先设置所属部门。")
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, region=region)
    if created:
        audit_record(actor=actor, action="role.grant", obj=user,
                     new={"role": role.value, "region": region.code if region else None})
    forget_cached_grants(user)
    return grant


@transaction.atomic
def role_grant_remove(*, actor, grant: RoleGrant) -> None:
    """Withdraw a role grant."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    user = grant.user
    old = {"role": grant.role, "region": grant.region.code if grant.region_id else None}
    grant.delete()
    audit_record(actor=actor, action="role.revoke", obj=user, old=old)
    forget_cached_grants(user)
