"""Indicator-system pages: list, tree, indicator, edit, publish, copy, compare, upload and download."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from bizenv.core.errors import ApplicationError
from bizenv.indicators import selectors, services
from bizenv.indicators.exporting import export_excel, export_yaml
from bizenv.indicators.forms import (
    CompareForm,
    IndicatorCreateForm,
    IndicatorForm,
    UploadForm,
    VersionCopyForm,
)
from bizenv.indicators.models import SystemVersion
from bizenv.indicators.specs import walk
from bizenv.indicators.weights import (
    composite_weights,
    conditions_text,
    describe_conditions,
    effective_weights,
)
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission

NAV = {"nav_active": "indicators"}
EXPORT_TYPES = {
    "yaml": ("text/yaml; charset=utf-8", "yaml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def _version_or_404(pk: int) -> SystemVersion:
    version = selectors.version_get(pk=pk)
    if version is None:
        raise Http404("没有这个指标体系版本")
    return version


def _indicator_or_404(version: SystemVersion, code: str):
    indicator = selectors.indicator_get(version=version, code=code)
    if indicator is None:
        raise Http404("没有这个指标")
    return indicator


def _percent(share: float | None) -> str:
    return "不计入" if share is None else f"{share * 100:.2f}%"


def _error_lines(exc: ApplicationError) -> list[str]:
    return [exc.message, *exc.details]


@permission_required(Permission.VIEW_INDICATORS)
def system_list(request):
    systems = list(selectors.system_list())
    for system in systems:
        for version in system.versions.all():
            version.level1 = selectors.level1_count(version=version)
    return render(
        request, "indicators/system_list.html", {**NAV, "page_title": "指标体系", "systems": systems}
    )


@permission_required(Permission.VIEW_INDICATORS)
def version_detail(request, pk: int):
    version = _version_or_404(pk)
    spec = selectors.version_spec(version=version)
    choices = [
        {"index": i, "when": when, "label": describe_conditions(when)}
        for i, when in enumerate(selectors.variant_choices(spec=spec), start=1)
    ]
    selected = None
    try:
        index = int(request.GET.get("variant", "0"))
    except ValueError:
        index = 0
    if 1 <= index <= len(choices):
        selected = choices[index - 1]
    tree = selectors.version_tree(version=version, variant=selected["when"] if selected else None)
    context = {
        **NAV,
        "page_title": f"{version.system.name} {version.version}",
        "version": version,
        "tree": tree,
        "variant_choices": choices,
        "selected_variant": selected,
        "indicator_count": sum(1 for _ in walk(spec.indicators)),
        "level1_count": len(spec.indicators),
        "other_versions": version.system.versions.exclude(pk=version.pk).order_by("-created_at"),
        "editable": not version.is_published and has_permission(request.user, Permission.EDIT_INDICATORS),
    }
    return render(request, "indicators/version_detail.html", context)


@permission_required(Permission.VIEW_INDICATORS)
def indicator_detail(request, pk: int, code: str):
    version = _version_or_404(pk)
    indicator = _indicator_or_404(version, code)
    spec = selectors.version_spec(version=version)
    variants = [
        {
            "conditions": conditions_text(v.conditions),
            "label": describe_conditions(v.conditions),
            "weight": v.weight,
        }
        for v in indicator.weight_variants.all()
    ]
    context = {
        **NAV,
        "page_title": indicator.name,
        "version": version,
        "indicator": indicator,
        "path": selectors.indicator_path(indicator=indicator),
        "children": indicator.children.order_by("sort_order", "id"),
        "share_percent": _percent(effective_weights(spec).get(indicator.code)),
        "composite_percent": _percent(composite_weights(spec).get(indicator.code)),
        "variants": variants,
    }
    return render(request, "indicators/indicator_detail.html", context)


def _render_edit(request, version, form, *, indicator=None, parent=None, errors=None, status=200):
    template = "indicators/indicator_form.html"
    context = {
        **NAV,
        "version": version,
        "form": form,
        "indicator": indicator,
        "parent": parent,
        "errors": errors or [],
        "page_title": f"编辑指标 {indicator.code}" if indicator else "新增指标",
    }
    return render(request, template, context, status=status)


@permission_required(Permission.EDIT_INDICATORS)
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk: int, code: str):
    version = _version_or_404(pk)
    indicator = _indicator_or_404(version, code)
    if version.is_published:
        messages.error(request, "已发布的版本不能修改；如需调整，请基于它新建版本。")
        return redirect("indicators:indicator_detail", pk=version.pk, code=code)
    if request.method == "GET":
        form = IndicatorForm(initial=IndicatorForm.initial_for(indicator))
        return _render_edit(request, version, form, indicator=indicator)
    form = IndicatorForm(request.POST)
    if not form.is_valid():
        return _render_edit(request, version, form, indicator=indicator, status=400)
    try:
        services.indicator_update(actor=request.user, indicator=indicator, **form.changes())
    except ApplicationError as exc:
        return _render_edit(request, version, form, indicator=indicator, errors=_error_lines(exc), status=400)
    messages.success(request, f"指标“{form.cleaned_data.get('name') or indicator.name}”已保存。")
    return redirect(reverse("indicators:version_detail", args=[version.pk]) + f"#node-{code}")


@permission_required(Permission.EDIT_INDICATORS)
@require_http_methods(["GET", "POST"])
def indicator_add(request, pk: int):
    version = _version_or_404(pk)
    parent_code = request.GET.get("parent") or request.POST.get("parent") or ""
    parent = _indicator_or_404(version, parent_code) if parent_code else None
    if version.is_published:
        messages.error(request, "已发布的版本不能修改；如需调整，请基于它新建版本。")
        return redirect("indicators:version_detail", pk=version.pk)
    if request.method == "GET":
        initial = {"weight": 1}
        if parent is not None:
            initial["code"] = parent.code + "."
        return _render_edit(request, version, IndicatorCreateForm(initial=initial), parent=parent)
    form = IndicatorCreateForm(request.POST)
    if not form.is_valid():
        return _render_edit(request, version, form, parent=parent, status=400)
    fields = form.changes()
    code = fields.pop("code")
    name = fields.pop("name")
    try:
        services.indicator_create(
            actor=request.user, version=version, parent=parent, code=code, name=name, **fields
        )
    except ApplicationError as exc:
        return _render_edit(request, version, form, parent=parent, errors=_error_lines(exc), status=400)
    messages.success(request, f"已新增指标 {code}。")
    return redirect(reverse("indicators:version_detail", args=[version.pk]) + f"#node-{code}")


@permission_required(Permission.EDIT_INDICATORS)
@require_http_methods(["GET", "POST"])
def indicator_delete(request, pk: int, code: str):
    version = _version_or_404(pk)
    indicator = _indicator_or_404(version, code)
    if request.method == "POST":
        try:
            services.indicator_delete(actor=request.user, indicator=indicator)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("indicators:version_detail", pk=version.pk)
        messages.success(request, f"已删除指标 {code} 及其下级指标。")
        return redirect("indicators:version_detail", pk=version.pk)
    descendants = [n.code for n, _p, _l in walk([_subtree(version, code)])][1:]
    return render(
        request,
        "indicators/indicator_delete.html",
        {
            **NAV,
            "page_title": f"删除指标 {code}",
            "version": version,
            "indicator": indicator,
            "descendants": descendants,
        },
    )


def _subtree(version: SystemVersion, code: str):
    spec = selectors.version_spec(version=version)
    for node, _parent, _level in walk(spec.indicators):
        if node.code == code:
            return node
    raise Http404("没有这个指标")


def _mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{new} = {old}" for new, old in sorted(mapping.items()))


def _mapping_parse(text: str) -> tuple[dict[str, str], list[str]]:
    mapping, errors = {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        new, sep, old = line.partition("=")
        if not sep or not new.strip() or not old.strip():
            errors.append(f"编码对应第 {number} 行“{line}”应写成“新编码 = 旧编码”。")
            continue
        mapping[new.strip()] = old.strip()
    return mapping, errors


@permission_required(Permission.PUBLISH_INDICATORS)
@require_http_methods(["GET", "POST"])
def version_publish(request, pk: int):
    version = _version_or_404(pk)
    errors: list[str] = []
    mapping_text = _mapping_text(version.carry_over or {})
    if request.method == "POST" and not version.is_published and request.POST.get("action") == "mapping":
        mapping_text = request.POST.get("carry_over", "")
        mapping, errors = _mapping_parse(mapping_text)
        if not errors:
            try:
                version = services.system_version_carry_over_set(actor=request.user, version=version,
                                                                 mapping=mapping)
            except ApplicationError as exc:
                errors = _error_lines(exc)
            else:
                messages.success(request, "编码对应已保存，下方预览已按新的对应重新计算。")
                return redirect("indicators:version_publish", pk=version.pk)
    elif request.method == "POST" and not version.is_published:
        try:
            services.system_version_publish(actor=request.user, version=version)
        except ApplicationError as exc:
            errors = _error_lines(exc)
        else:
            messages.success(request, f"{version.system.code} 版本 {version.version} 已发布。")
            return redirect("indicators:version_detail", pk=version.pk)
    problems = [] if version.is_published else selectors.version_problems(version=version)
    previews = [] if version.is_published else [
        {"template": step.template, "report": report}
        for step, report in selectors.version_publish_previews(version=version)]
    return render(
        request,
        "indicators/version_publish.html",
        {**NAV, "page_title": f"发布 {version}", "version": version, "problems": problems, "errors": errors,
         "previews": previews, "mapping_text": mapping_text},
        status=400 if errors else 200,
    )


@permission_required(Permission.EDIT_INDICATORS)
@require_http_methods(["GET", "POST"])
def version_copy(request, pk: int):
    version = _version_or_404(pk)
    form = VersionCopyForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            new_version = services.system_version_copy(
                actor=request.user,
                source=version,
                version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
            )
        except ApplicationError as exc:
            errors = _error_lines(exc)
        else:
            messages.success(request, f"已基于版本 {version.version} 新建草稿版本 {new_version.version}。")
            return redirect("indicators:version_detail", pk=new_version.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "indicators/version_copy.html",
        {**NAV, "page_title": f"基于 {version} 新建版本", "version": version, "form": form, "errors": errors},
        status=status,
    )


@permission_required(Permission.VIEW_INDICATORS)
def version_compare(request):
    versions = list(selectors.version_list())
    data = request.GET if "left" in request.GET else None
    form = CompareForm(data, versions=versions)
    comparison = left = right = None
    if form.is_bound and form.is_valid():
        left = _version_or_404(form.cleaned_data["left"])
        right = _version_or_404(form.cleaned_data["right"])
        comparison = selectors.version_compare(left=left, right=right)
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "indicators/version_compare.html",
        {
            **NAV,
            "page_title": "版本比较",
            "form": form,
            "comparison": comparison,
            "left": left,
            "right": right,
            "show_all": show_all,
        },
    )


@permission_required(Permission.EDIT_INDICATORS)
@require_http_methods(["GET", "POST"])
def system_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {
        **NAV,
        "page_title": "导入指标体系",
        "form": form,
        "problems": None,
        "checked": None,
        "errors": [],
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        if request.POST.get("action") == "validate":
            spec, problems = selectors.file_problems(content=content, filename=upload.name)
            context["problems"] = [str(p) for p in problems]
            if spec is not None and not problems:
                context["checked"] = {
                    "code": spec.code,
                    "name": spec.name,
                    "version": spec.version,
                    "count": sum(1 for _ in walk(spec.indicators)),
                    "filename": upload.name,
                }
            return render(request, "indicators/upload.html", context, status=400 if problems else 200)
        try:
            outcome = services.indicator_system_import(
                actor=request.user,
                content=content,
                filename=upload.name,
                publish=form.cleaned_data["publish"],
            )
        except ApplicationError as exc:
            context["errors"] = _error_lines(exc)
            return render(request, "indicators/upload.html", context, status=400)
        messages.success(request, outcome.message)
        return redirect("indicators:version_detail", pk=outcome.version.pk)
    return render(request, "indicators/upload.html", context, status=400 if form.is_bound else 200)


@permission_required(Permission.VIEW_INDICATORS)
def version_export(request, pk: int, fmt: str):
    version = _version_or_404(pk)
    if fmt not in EXPORT_TYPES:
        raise Http404("不支持的导出格式")
    spec = selectors.version_spec(version=version)
    content_type, extension = EXPORT_TYPES[fmt]
    body = export_yaml(spec).encode("utf-8") if fmt == "yaml" else export_excel(spec)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{version.system.code}-{version.version}.{extension}"
    )
    return response
