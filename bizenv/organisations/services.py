"""Writes to regions, departments, users and role grants; every change audited."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.organisations import geometry
from bizenv.organisations.models import (
    ADMIN_ROLES,
    Department,
    MapLayer,
    MapSource,
    Region,
    RegionLevel,
    Role,
    RoleGrant,
    User,
)
from bizenv.organisations.permissions import (
    Permission,
    actor_user,
    forget_cached_grants,
    has_permission,
    require,
    require_actor,
)

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
    # Fixed places, so that 812.5 typed into a form equals the stored 812.50 (no spurious change).
    if data["gdp"] is not None:
        data["gdp"] = f"{Decimal(data['gdp']):.2f}"
    if data["area_km2"] is not None:
        data["area_km2"] = f"{Decimal(data['area_km2']):.1f}"
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
    require_actor(actor, Permission.MANAGE_REGIONS, parent)
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
    require_actor(actor, Permission.MANAGE_REGIONS, region)
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
    require_actor(actor, Permission.MANAGE_USERS)
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
    require_actor(actor, Permission.MANAGE_USERS)
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
    # An account made by a person starts with a password that person knows: it is changed at the first login.
    user.must_change_password = actor is not None
    user.save()
    audit_record(actor=actor, action="user.create", obj=user,
                 new={"username": username, "full_name": full_name,
                      "department": department.code if department else None})
    return user


ADMIN_ROLE_BY_OPERATOR = ("三员分立：系统管理员、安全管理员、审计管理员的角色不能在页面上授予或撤销，"
                          "由运维人员在服务器上用命令 `bizenv admins grant` / `bizenv admins revoke` 设置。")


@transaction.atomic
def role_grant_add(*, actor, user: User, role: str, region: Region | None) -> RoleGrant:
    """Grant `role` on `region`; administrator roles are exclusive (三员分立)."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
        if actor.pk == user.pk:
            raise ApplicationError("不能给自己授权。", code=ErrorCode.PERMISSION_DENIED)
    role = Role(role)
    if actor is not None and role in ADMIN_ROLES:
        # Whoever creates an account knows its first password: an administrator role granted from a page
        # would let the system administrator sign in as the auditor or the security administrator.
        raise PermissionDenied(ADMIN_ROLE_BY_OPERATOR)
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
    require_actor(actor, Permission.MANAGE_USERS)
    user = grant.user
    if actor is not None and grant.role in ADMIN_ROLES:
        raise PermissionDenied(ADMIN_ROLE_BY_OPERATOR)
    old = {"role": grant.role, "region": grant.region.code if grant.region_id else None}
    grant.delete()
    audit_record(actor=actor, action="role.revoke", obj=user, old=old)
    forget_cached_grants(user)


def _user_snapshot(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "department": user.department.code if user.department_id else None,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_update(*, actor, user: User, full_name: str, department: Department | None) -> User:
    """Change a user's name and department; a department user keeps a department."""
    require_actor(actor, Permission.MANAGE_USERS)
    user = User.objects.select_for_update(of=("self",)).select_related("department").get(pk=user.pk)
    if department is None and RoleGrant.objects.filter(user=user, role=Role.DEPARTMENT).exists():
        raise ApplicationError(f"账号“{user.username}”持有“部门用户”角色，所属部门不能为空。")
    before = _user_snapshot(user)
    user.full_name = full_name.strip()
    user.department = department
    old, new = changed_values(before, _user_snapshot(user))
    if not new:
        return user
    user.save(update_fields=["full_name", "department"])
    audit_record(actor=actor, action="user.update", obj=user, old=old, new=new)
    return user


def _user_set_active(*, actor, user: User, active: bool) -> User:
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
        if actor.pk == user.pk:
            raise ApplicationError("不能停用或启用自己的账号。", code=ErrorCode.PERMISSION_DENIED)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate" if active else "user.deactivate", obj=user,
                 old={"is_active": not active}, new={"is_active": active})
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Stop an account from logging in; its grants and history stay."""
    return _user_set_active(actor=actor, user=user, active=False)


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    """Allow a deactivated account to log in again."""
    return _user_set_active(actor=actor, user=user, active=True)


def _validated(password: str, user: User) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError("密码不符合要求：" + "；".join(exc.messages)) from exc
    return password


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> User:
    """Reset another user's password (三员分立: the security administrator, for business accounts only);
    the user must change it at the next login. The password itself is never audited."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None:
        if not has_permission(actor, Permission.MANAGE_SECURITY):
            raise PermissionDenied("三员分立：用户密码由安全管理员重置。")
        if actor.pk == user.pk:
            raise ApplicationError("请在“修改密码”页面修改自己的密码。", code=ErrorCode.PERMISSION_DENIED)
        if RoleGrant.objects.filter(user=user, role__in=ADMIN_ROLES).exists():
            raise PermissionDenied(
                f"三员分立：“{user.username}”是管理员账号，管理员账号的密码只能由本人修改，"
                "忘记时由运维人员在服务器上用命令重置。")
    user.set_password(_validated(password, user))
    forced = actor is not None
    user.must_change_password = forced
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action="user.password_reset", obj=user, new={"must_change_password": forced})
    return user


@transaction.atomic
def user_password_set_by_operator(*, user: User, password: str) -> User:
    """The operator's reset on the server (`bizenv admins set-password`), for any account, administrators
    included; the account must change the password at its next login. Audited as the system."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(_validated(password, user))
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=None, action="user.password_reset", obj=user, new={"must_change_password": True})
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, password: str) -> User:
    """The user changes their own password, knowing the old one; clears a forced change."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ApplicationError("原密码不正确。")
    if old_password == password:
        raise ApplicationError("新密码不能与原密码相同。")
    user.set_password(_validated(password, user))
    was_forced = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="user.password_change", obj=user,
                 old={"must_change_password": True} if was_forced else None,
                 new={"must_change_password": False} if was_forced else None)
    return user


@transaction.atomic
def account_unlock(*, actor, username: str) -> int:
    """Clear the failed-login records that lock `username` out; returns how many were removed."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    require_actor(actor, Permission.MANAGE_SECURITY)
    username = username.strip()
    attempts = AccessAttempt.objects.filter(username=username)
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    if not attempts.exists():
        return 0
    removed = reset(username=username)
    audit_record(actor=actor, action="account.unlock", object_type="organisations.account",
                 object_id=username, object_repr=username, old={"failures": failures}, new={"failures": 0})
    return removed


def _map_children(region: Region) -> list[tuple[str, str]]:
    return list(region.children.order_by("sort_order", "code").values_list("code", "name"))


def _map_digest(document: dict) -> str:
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def map_layer_save(*, actor, region: Region, document, source: str = MapSource.UPLOADED,
                   filename: str = "") -> MapLayer:
    """Store the GeoJSON outline of `region`'s children after checking every feature names a child."""
    require_actor(actor, Permission.MANAGE_REGIONS, region)
    children = _map_children(region)
    if not children:
        raise ApplicationError(f"“{region.name}”没有下级区域，无需配置地图。")
    check = geometry.map_check(document, children=children, parent_name=region.name)
    if not check.ok:
        raise ApplicationError(
            f"地图文件未通过校验，发现 {len(check.problems)} 处问题：", details=check.problems[:50]
        )
    document = geometry.map_normalise(document, check, children=children)
    digest = _map_digest(document)
    layer = MapLayer.objects.select_for_update().filter(region=region).first()
    after = {"source": str(source), "filename": filename, "feature_count": len(document["features"]),
             "digest": digest}
    if layer is None:
        layer = MapLayer(region=region)
        before = {}
    else:
        before = {"source": layer.source, "filename": layer.filename, "feature_count": layer.feature_count,
                  "digest": layer.digest}
    old, new = changed_values(before, after)
    if not new:
        return layer
    layer.geojson = document
    layer.source = source
    layer.filename = filename
    layer.feature_count = after["feature_count"]
    layer.digest = digest
    layer.updated_by = actor_user(actor)
    layer.save()
    audit_record(actor=actor, action="map_layer.save", obj=layer, old=old or None, new=new)
    return layer


_MAP_RADIUS = {RegionLevel.PROVINCE: 2.4, RegionLevel.CITY: 0.6}


@transaction.atomic
def map_layer_generate(*, actor, region: Region) -> MapLayer:
    """Store a fictional schematic outline of `region`'s children (for demonstrations and trials)."""
    require_actor(actor, Permission.MANAGE_REGIONS, region)
    children = list(region.children.order_by("sort_order", "code"))
    if not children:
        raise ApplicationError(f"“{region.name}”没有下级区域，无需配置地图。")
    places = [
        geometry.Place(code=c.code, name=c.name,
                       weight=float(c.area_km2) if c.area_km2 else float(c.population or 0) / 500 or 1.0)
        for c in children
    ]
    document = geometry.partition_geojson(places, seed=region.code,
                                          radius=_MAP_RADIUS.get(RegionLevel(region.level), 0.3))
    return map_layer_save(actor=actor, region=region, document=document, source=MapSource.GENERATED,
                          filename="")


@transaction.atomic
def map_layer_delete(*, actor, region: Region) -> None:
    """Remove a region's map outline; its map charts show “no map” until one is stored again."""
    require_actor(actor, Permission.MANAGE_REGIONS, region)
    layer = MapLayer.objects.select_for_update().filter(region=region).first()
    if layer is None:
        return
    old = {"source": layer.source, "filename": layer.filename, "feature_count": layer.feature_count,
           "digest": layer.digest}
    audit_record(actor=actor, action="map_layer.delete", obj=layer, old=old)
    layer.delete()
