"""System management pages (系统管理): regions, maps, departments, users and grants, security."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bizenv.core import charts
from bizenv.core.errors import ApplicationError
from bizenv.organisations import selectors, services
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.forms import (
    DepartmentForm,
    GrantForm,
    MapUploadForm,
    PasswordChangeForm,
    RegionForm,
    SecurityPasswordResetForm,
    UnlockForm,
    UserCreateForm,
    UserEditForm,
)
from bizenv.organisations.models import ADMIN_ROLES, MapSource, Region, RegionLevel, Role, RoleGrant, User
from bizenv.organisations.permissions import (
    PERMISSION_LABELS,
    Permission,
    can,
    has_permission,
    user_permissions,
)

_ADMIN_PERMISSIONS = (
    Permission.VIEW_REGIONS,
    Permission.MANAGE_REGIONS,
    Permission.MANAGE_USERS,
    Permission.MANAGE_SECURITY,
    Permission.VIEW_AUDIT,
)


def _forbidden(request, perm: Permission | None = None, message: str = ""):
    context = {"needed": PERMISSION_LABELS[perm] if perm else "", "message": message, "nav_active": "admin"}
    return render(request, "site/forbidden.html", context, status=403)


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message + ("".join(f" {d}" for d in exc.details) if exc.details else ""))


def _region_for(request, code: str, perm: Permission = Permission.VIEW_REGIONS):
    """The region with `code` if the user holds `perm` on it; a 404 or 403 response otherwise."""
    region = selectors.region_find(code=code)
    if region is None:
        raise Http404("没有这个区域")
    if not can(request.user, perm, region):
        return None, _forbidden(request, perm, f"您的授权范围不包括“{region.name}”。")
    return region, None


def _population_map(region: Region, children: list[Region]) -> dict | None:
    if not children:
        return None
    return charts.region_map(
        map_name=f"region-{region.code}",
        values=[
            {"name": c.name, "value": round((c.population or 0) / 10000, 1), "key": c.code} for c in children
        ],
        value_label="常住人口",
        unit="万人",
    )


# ---------------------------------------------------------------------------------------------
# Landing page
# ---------------------------------------------------------------------------------------------


def admin_home(request):
    perms = user_permissions(request.user)
    if not perms & set(_ADMIN_PERMISSIONS):
        return _forbidden(request, Permission.VIEW_REGIONS)
    cards = []
    if Permission.VIEW_REGIONS in perms:
        cards.append(
            {
                "title": "区域管理",
                "url": reverse("organisations:region_tree"),
                "stat": selectors.region_list(user=request.user).count(),
                "unit": "个区域",
                "text": "行政区划树、人口与经济属性、同类分组、管道燃气条件，以及各区域的地图边界。",
            }
        )
        cards.append(
            {
                "title": "部门",
                "url": reverse("organisations:department_list"),
                "stat": selectors.department_list().count(),
                "unit": "个部门",
                "text": "牵头单位与责任单位：营商办、政府部门、司法机关和公共服务企业。",
            }
        )
    if Permission.MANAGE_USERS in perms:
        cards.append(
            {
                "title": "用户与授权",
                "url": reverse("organisations:user_list"),
                "stat": selectors.user_list().filter(is_active=True).count(),
                "unit": "个有效账号",
                "text": "新建账号、设置所属部门、按区域授予或撤销角色、停用账号。遵循三员分立。",
            }
        )
    if Permission.MANAGE_USERS in perms:
        cards.append(
            {
                "title": "工作日历",
                "url": reverse("calendar:page"),
                "stat": None,
                "unit": "",
                "text": "法定节假日与调休之外的工作日调整；维护 chinese-calendar 尚未覆盖年份的全年日历。",
            }
        )
    if Permission.MANAGE_SECURITY in perms:
        locked = sum(1 for a in selectors.access_attempt_list() if a.is_locked)
        cards.append(
            {
                "title": "安全管理",
                "url": reverse("organisations:security"),
                "stat": locked,
                "unit": "个账号被锁定",
                "text": "登录失败与锁定记录、解锁账号、近期登录情况。",
            }
        )
    if Permission.VIEW_AUDIT in perms:
        cards.append(
            {
                "title": "审计日志",
                "url": reverse("site:audit_log"),
                "stat": None,
                "unit": "",
                "text": "所有数据变更的操作记录（哈希链防篡改），按操作、操作人、日期筛选并校验完整性。",
            }
        )
    return render(
        request,
        "organisations/admin_home.html",
        {"nav_active": "admin", "page_title": "系统管理", "cards": cards},
    )


# ---------------------------------------------------------------------------------------------
# Regions and maps
# ---------------------------------------------------------------------------------------------


@permission_required(Permission.VIEW_REGIONS)
def region_tree(request):
    roots = selectors.region_tree(user=request.user)
    regions = list(selectors.region_list(user=request.user))
    with_maps = selectors.map_region_codes()
    focus = next((r for r in regions if r.code in with_maps and r.level == RegionLevel.CITY), None) or next(
        (r for r in regions if r.code in with_maps), None
    )
    children = list(selectors.region_children(user=request.user, region=focus)) if focus else []
    context = {
        "nav_active": "admin",
        "page_title": "区域管理",
        "roots": roots,
        "region_count": len(regions),
        "focus": focus,
        "map_chart": _population_map(focus, children) if focus else None,
        "with_maps": with_maps,
        "can_manage": has_permission(request.user, Permission.MANAGE_REGIONS),
    }
    return render(request, "organisations/region_tree.html", context)


@permission_required(Permission.VIEW_REGIONS)
def region_detail(request, code: str):
    region, denied = _region_for(request, code)
    if denied:
        return denied
    children = list(selectors.region_children(user=request.user, region=region))
    layer = selectors.region_map_layer(region=region)
    ancestors = [
        a for a in selectors.region_ancestors(region=region) if can(request.user, Permission.VIEW_REGIONS, a)
    ]
    context = {
        "nav_active": "admin",
        "page_title": region.name,
        "region": region,
        "ancestors": ancestors,
        "children": children,
        "departments": selectors.region_departments(region=region),
        "layer": layer,
        "map_chart": _population_map(region, children) if layer else None,
        "can_manage": can(request.user, Permission.MANAGE_REGIONS, region),
    }
    return render(request, "organisations/region_detail.html", context)


@permission_required(Permission.MANAGE_REGIONS)
def region_edit(request, code: str):
    region, denied = _region_for(request, code, Permission.MANAGE_REGIONS)
    if denied:
        return denied
    status = 200
    if request.method == "POST":
        form = RegionForm(request.POST)
        if form.is_valid():
            try:
                services.region_update(actor=request.user, region=region, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:  # model validation inside the service
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"已保存“{region.name}”的属性。")
                return redirect("organisations:region_detail", code=region.code)
        status = 400
    else:
        form = RegionForm(initial=RegionForm.initial_for(region))
    return render(
        request,
        "organisations/region_edit.html",
        {"nav_active": "admin", "page_title": f"编辑{region.name}", "region": region, "form": form},
        status=status,
    )


def region_geojson(request, code: str):
    region = selectors.region_find(code=code)
    if region is None:
        return JsonResponse({"detail": "没有这个区域。"}, status=404)
    if not can(request.user, Permission.VIEW_REGIONS, region):
        return JsonResponse({"detail": f"您的授权范围不包括“{region.name}”。"}, status=403)
    layer = selectors.region_map_layer(region=region)
    if layer is None:
        return JsonResponse(
            {"detail": f"“{region.name}”尚未配置地图边界数据，请联系系统管理员上传 GeoJSON。"}, status=404
        )
    response = JsonResponse(
        layer.geojson, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
    )
    response["Cache-Control"] = "private, max-age=300"
    response["ETag"] = f'"{layer.digest}"'
    return response


@permission_required(Permission.MANAGE_REGIONS)
def region_map(request, code: str):
    region, denied = _region_for(request, code, Permission.MANAGE_REGIONS)
    if denied:
        return denied
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = MapUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                layer = services.map_layer_save(
                    actor=request.user,
                    region=region,
                    document=form.document,
                    source=MapSource.UPLOADED,
                    filename=form.cleaned_data["file"].name,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                problems = exc.details
            else:
                missing = selectors.map_missing_children(layer=layer)
                messages.success(
                    request, f"已保存“{region.name}”的地图边界（{layer.feature_count} 个区域）。"
                )
                if missing:
                    messages.warning(
                        request, "以下下级区域在地图中没有对应要素，将不显示：" + "、".join(missing)
                    )
                return redirect("organisations:region_map", code=region.code)
        status = 400
    else:
        form = MapUploadForm()
    layer = selectors.region_map_layer(region=region)
    children = list(selectors.region_children(user=request.user, region=region))
    context = {
        "nav_active": "admin",
        "page_title": f"{region.name}地图边界",
        "region": region,
        "form": form,
        "problems": problems,
        "layer": layer,
        "children": children,
        "missing": selectors.map_missing_children(layer=layer) if layer else [],
        "map_chart": _population_map(region, children) if layer else None,
    }
    return render(request, "organisations/region_map.html", context, status=status)


@require_POST
@permission_required(Permission.MANAGE_REGIONS)
def region_map_generate(request, code: str):
    region, denied = _region_for(request, code, Permission.MANAGE_REGIONS)
    if denied:
        return denied
    try:
        services.map_layer_generate(actor=request.user, region=region)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已为“{region.name}”生成示意边界（虚构，仅供演示和试运行）。")
    return redirect("organisations:region_map", code=region.code)


@require_POST
@permission_required(Permission.MANAGE_REGIONS)
def region_map_delete(request, code: str):
    region, denied = _region_for(request, code, Permission.MANAGE_REGIONS)
    if denied:
        return denied
    services.map_layer_delete(actor=request.user, region=region)
    messages.success(request, f"已删除“{region.name}”的地图边界。")
    return redirect("organisations:region_map", code=region.code)


# ---------------------------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------------------------


@permission_required(Permission.VIEW_REGIONS)
def department_list(request):
    can_manage = has_permission(request.user, Permission.MANAGE_USERS)
    status = 200
    if request.method == "POST":
        if not can_manage:
            return _forbidden(request, Permission.MANAGE_USERS)
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                dept = services.department_upsert(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已保存部门“{dept.name}”。")
                return redirect("organisations:department_list")
        status = 400
    else:
        form = DepartmentForm()
    context = {
        "nav_active": "admin",
        "page_title": "部门",
        "departments": selectors.department_list_with_counts(),
        "form": form if can_manage else None,
    }
    return render(request, "organisations/department_list.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Users and grants
# ---------------------------------------------------------------------------------------------


@permission_required(Permission.MANAGE_USERS)
def user_list(request):
    status = 200
    if request.method == "POST":
        form = UserCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    department=data["department"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已创建账号“{user.username}”，请为其授予角色。")
                return redirect("organisations:user_detail", pk=user.pk)
        status = 400
    else:
        form = UserCreateForm()
    context = {
        "nav_active": "admin",
        "page_title": "用户与授权",
        "users": selectors.user_list(),
        "form": form,
        "admin_roles": sorted(r.value for r in ADMIN_ROLES),
        "show_inactive": request.GET.get("inactive") == "1",
    }
    return render(request, "organisations/user_list.html", context, status=status)


def _user_page(request, user: User, *, edit_form=None, grant_form=None, status=200):
    context = {
        "nav_active": "admin",
        "page_title": f"账号 {user.username}",
        "subject": user,
        "grants": selectors.user_grants(user=user),
        "edit_form": edit_form
        or UserEditForm(initial={"full_name": user.full_name, "department": user.department}),
        "grant_form": grant_form or GrantForm(),
        "roles": Role,
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "organisations/user_detail.html", context, status=status)


@permission_required(Permission.MANAGE_USERS)
def user_detail(request, pk: int):
    return _user_page(request, get_object_or_404(User, pk=pk))


@require_POST
@permission_required(Permission.MANAGE_USERS)
def user_edit(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, edit_form=form, status=400)
    try:
        services.user_update(actor=request.user, user=user, **form.cleaned_data)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已保存账号“{user.username}”的信息。")
    return redirect("organisations:user_detail", pk=user.pk)


@require_POST
@permission_required(Permission.MANAGE_USERS)
def user_grant_add(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, grant_form=form, status=400)
    role, region = form.cleaned_data["role"], form.cleaned_data["region"]
    try:
        services.role_grant_add(actor=request.user, user=user, role=role, region=region)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        where = region.name if region else "全局"
        messages.success(request, f"已授予“{user.display_name}”{Role(role).label}角色（{where}）。")
    return redirect("organisations:user_detail", pk=user.pk)


@require_POST
@permission_required(Permission.MANAGE_USERS)
def user_grant_revoke(request, pk: int, grant_pk: int):
    grant = get_object_or_404(RoleGrant.objects.select_related("user", "region"), pk=grant_pk, user_id=pk)
    try:
        services.role_grant_remove(actor=request.user, grant=grant)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已撤销授权：{grant}。")
    return redirect("organisations:user_detail", pk=pk)


@require_POST
@permission_required(Permission.MANAGE_USERS)
def user_deactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        services.user_deactivate(actor=request.user, user=user)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已停用账号“{user.username}”，该账号无法再登录。")
    return redirect("organisations:user_detail", pk=pk)


@require_POST
@permission_required(Permission.MANAGE_USERS)
def user_reactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        services.user_reactivate(actor=request.user, user=user)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已启用账号“{user.username}”。")
    return redirect("organisations:user_detail", pk=pk)


# ---------------------------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------------------------


@permission_required(Permission.MANAGE_SECURITY)
def security(request, *, password_form=None, status=200):
    from django.conf import settings

    attempts = selectors.access_attempt_list()
    context = {
        "nav_active": "admin",
        "page_title": "安全管理",
        "attempts": attempts,
        "locked_count": sum(1 for a in attempts if a.is_locked),
        "logins": selectors.access_log_list(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        if settings.AXES_COOLOFF_TIME
        else 0,
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "form": UnlockForm(),
        "password_form": password_form or SecurityPasswordResetForm(),
    }
    return render(request, "organisations/security.html", context, status=status)


@require_POST
@permission_required(Permission.MANAGE_SECURITY)
def security_unlock(request):
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写要解锁的账号。")
        return redirect("organisations:security")
    username = form.cleaned_data["username"]
    try:
        removed = services.account_unlock(actor=request.user, username=username)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        if removed:
            messages.success(request, f"已解锁账号“{username}”，清除 {removed} 条失败登录记录。")
        else:
            messages.warning(request, f"账号“{username}”没有失败登录记录，无需解锁。")
    return redirect("organisations:security")


@require_POST
@permission_required(Permission.MANAGE_SECURITY)
def security_password_reset(request):
    form = SecurityPasswordResetForm(request.POST)
    if not form.is_valid():
        return security(request, password_form=form, status=400)
    username = form.cleaned_data["username"].strip()
    user = User.objects.filter(username=username).first()
    if user is None:
        messages.error(request, f"没有账号“{username}”。")
        return redirect("organisations:security")
    try:
        services.user_set_password(actor=request.user, user=user, password=form.cleaned_data["password"])
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已重置账号“{username}”的密码，请通过安全渠道告知本人；该用户下次登录时须修改密码。")
    return redirect("organisations:security")


def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                          password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash
            from django.utils.http import url_has_allowed_host_and_scheme

            request.user.refresh_from_db()
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("dashboards:home")
            return redirect(target)
    return render(request, "organisations/password_change.html", {
        "nav_active": "", "page_title": "修改密码", "form": form,
        "forced": request.user.must_change_password,
    }, status=400 if request.method == "POST" else 200)
