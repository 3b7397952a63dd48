"""预警规则 pages (the office): the rules of the active version described in Chinese, a form per kind to add or
change a rule (checked by the rule file's own reader), YAML import and export, and the 整改方式 list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.monitoring import labels, pages, rule_services, selectors, services
from bizenv.monitoring.forms import KIND_PARAMS, MethodForm, RuleForm, RuleImportForm
from bizenv.monitoring.models import RectificationMethod, WarningRule
from bizenv.monitoring.specs import RULE_KIND_LABELS
from bizenv.monitoring.views import NAV
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission

YAML_TYPE = "application/x-yaml; charset=utf-8"


def _version(request):
    try:
        version = pages.page_version(system_code=request.GET.get("system", "") or request.POST.get("system", ""))
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    if version is None:
        raise Http404("尚未发布指标体系，不能设置预警规则。")
    return version


def _rule_row(rule: WarningRule, choices: pages.RuleChoices) -> dict:
    return {
        "rule": rule, "kind": labels.kind_label(rule.kind), "severity": labels.severity_label(rule.severity),
        "severity_css": labels.severity_css(rule.severity),
        "scope": labels.scope_text(kind=rule.kind, indicators=rule.indicators or [], level=rule.level,
                                   region_groups=rule.region_groups or [], names=choices.names),
        "params": labels.params_text(kind=rule.kind, params=rule.params or {},
                                     dataset_names=dict(choices.datasets)),
    }


def _methods_context(method_forms: dict | None = None, new_form: MethodForm | None = None) -> dict:
    method_forms = method_forms or {}
    methods = RectificationMethod.objects.order_by("sort_order", "id")
    return {"methods": [{"method": m, "form": method_forms.get(m.pk) or MethodForm(
        initial={"name": m.name, "description": m.description, "active": m.active}, prefix=f"method{m.pk}")}
        for m in methods], "method_form": new_form or MethodForm(prefix="new")}


def _rules_page(request, version, *, import_form=None, problems=(), status=200, **method_forms):
    choices = pages.rule_choices(version=version) if version else None
    return render(request, "monitoring/rules.html", {
        **NAV, "page_title": "预警规则", "version": version,
        "rows": [_rule_row(r, choices) for r in selectors.rules_of(system_version=version)] if version else [],
        "kinds": list(RULE_KIND_LABELS.items()), "import_form": import_form or RuleImportForm(),
        "problems": [str(p) for p in problems], **_methods_context(**method_forms),
    }, status=status)


@permission_required(Permission.MANAGE_WARNINGS)
def rules(request):
    try:
        version = _version(request)
    except Http404:
        version = None  # the page still says why and keeps the 整改方式 list editable
    return _rules_page(request, version)


def _form(version, kind: str, data=None, *, rule: WarningRule | None = None) -> RuleForm:
    choices = pages.rule_choices(version=version)
    initial = None
    if rule is not None:
        params = rule.params or {}
        initial = {"code": rule.code, "name": rule.name, "severity": rule.severity, "indicators": rule.indicators,
                   "level": rule.level, "region_groups": rule.region_groups, "clear_periods": rule.clear_periods,
                   "description": rule.description, "enabled": rule.enabled,
                   **{name: params.get(name, "") for name in KIND_PARAMS[kind]}}
    return RuleForm(data, initial=initial, kind=kind, indicators=choices.indicators, levels=choices.levels,
                    groups=choices.groups, datasets=choices.datasets, editing=rule is not None)


def _rule_form_page(request, version, form: RuleForm, *, rule: WarningRule | None, status: int = 200):
    title = f"修改预警规则 · {rule.name or rule.code}" if rule else f"新增预警规则 · {labels.kind_label(form.kind)}"
    return render(request, "monitoring/rule_form.html", {
        **NAV, "page_title": title, "title": title, "version": version, "form": form, "rule": rule,
        "kind_label": labels.kind_label(form.kind)}, status=status)


def _save(request, version, form: RuleForm, *, rule: WarningRule | None):
    if form.is_valid():
        try:
            saved = rule_services.rule_save(actor=request.user, system_version=version, new=rule is None,
                                            **form.service_arguments())
        except ApplicationError as exc:
            if exc.details:
                form.add_problems(exc.details)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存预警规则“{saved.name or saved.code}”（第 {saved.revision} 版）。")
            return redirect("monitoring:rules")
    return _rule_form_page(request, version, form, rule=rule, status=400)


@permission_required(Permission.MANAGE_WARNINGS)
def rule_new(request):
    version = _version(request)
    kind = request.GET.get("kind") or request.POST.get("kind", "")
    if kind not in RULE_KIND_LABELS:
        messages.error(request, "请先选择要新增的规则类型。")
        return redirect("monitoring:rules")
    if request.method == "POST":
        return _save(request, version, _form(version, kind, request.POST), rule=None)
    return _rule_form_page(request, version, _form(version, kind), rule=None)


@permission_required(Permission.MANAGE_WARNINGS)
def rule_edit(request, pk: int):
    rule = WarningRule.objects.select_related("system_version__system").filter(pk=pk).first()
    if rule is None:
        raise Http404("没有这条预警规则。")
    version = rule.system_version
    if request.method == "POST":
        return _save(request, version, _form(version, rule.kind, request.POST, rule=rule), rule=rule)
    return _rule_form_page(request, version, _form(version, rule.kind, rule=rule), rule=rule)


@require_POST
@permission_required(Permission.MANAGE_WARNINGS)
def rules_import(request):
    version = _version(request)
    form = RuleImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _rules_page(request, version, import_form=form, status=400)
    try:
        summary = rule_services.rules_import(actor=request.user, text=form.cleaned_data["file"],
                                             system_code=version.system.code)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _rules_page(request, version, import_form=form, problems=exc.details, status=400)
    messages.success(request, f"已导入规则文件：新增 {summary.created} 条，修改 {summary.updated} 条，"
                              f"未变 {summary.unchanged} 条。")
    return redirect("monitoring:rules")


@permission_required(Permission.MANAGE_WARNINGS)
def rules_export(request):
    version = _version(request)
    text = rule_services.rules_export(system_code=version.system.code)
    response = HttpResponse(text.encode("utf-8"), content_type=YAML_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"预警规则-{version.system.code}-{version.version}.yaml")
    return response


@require_POST
@permission_required(Permission.MANAGE_WARNINGS)
def method_save(request, pk: int | None = None):
    """Add an 整改方式 (no pk) or change one."""
    method = None
    if pk is not None:
        method = RectificationMethod.objects.filter(pk=pk).first()
        if method is None:
            raise Http404("没有这个整改方式。")
    prefix = f"method{pk}" if method else "new"
    form = MethodForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            saved = services.rectification_method_save(actor=request.user, method=method, **form.cleaned_data)
            messages.success(request, f"已保存整改方式“{saved.name}”。")
            return redirect("monitoring:rules")
        except ApplicationError as exc:
            form.add_error("name", exc.message)
    forms = {"method_forms": {method.pk: form}} if method else {"new_form": form}
    return _rules_page(request, _version(request), status=400, **forms)
