"""Pages of the metric definitions (指标口径, office) and the working-day calendar (工作日历, sysadmin)."""

from __future__ import annotations

import yaml
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render

from bizenv.core.errors import ApplicationError
from bizenv.datasets import metric_services as services
from bizenv.datasets.metrics import ENGINE_LABELS, metric_spec_parse
from bizenv.datasets.models import MetricDefinition, MetricRun
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission


class RunForm(forms.Form):
    engine = forms.ChoiceField(label="计算引擎", choices=[(k.value, v) for k, v in ENGINE_LABELS.items()])
    periods = forms.CharField(label="时期", required=False, help_text="如 2026-03，多个用空格分隔；留空为数据湖中全部月份")

    def clean_periods(self):
        from bizenv.core.periods import Period

        text = self.cleaned_data["periods"].replace("，", " ").replace(",", " ")
        try:
            return [Period.parse(p) for p in text.split()]
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None


@login_required
@permission_required(Permission.REVIEW_DATA)
def metric_definition_list(request):
    form = RunForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                job = services.metric_run_enqueue(actor=request.user, engine=form.cleaned_data["engine"],
                                                  periods=form.cleaned_data["periods"] or None)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("site:job_detail", pk=job.pk)
    definitions = (MetricDefinition.objects.filter(is_active=True).annotate(observation_count=Count("observations"))
                   .order_by("code"))
    versions = dict(MetricDefinition.objects.values("code").annotate(n=Count("id")).values_list("code", "n"))
    rows = [(d, versions.get(d.code, 1)) for d in definitions]
    runs = MetricRun.objects.select_related("created_by")[:30]
    return render(request, "datasets/metrics_list.html", {
        "nav_active": "reporting", "page_title": "指标口径与无感监测计算", "rows": rows, "runs": runs, "form": form, "status_labels": services.RUN_STATUS_LABELS,
    }, status=400 if form.errors else 200)


class DefinitionEditForm(forms.Form):
    spec = forms.CharField(label="口径定义（YAML）", widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false",
                                                                             "class": "code"}))


@login_required
@permission_required(Permission.REVIEW_DATA)
def metric_definition_detail(request, code: str):
    edit_form, edit_errors, status = None, [], 200
    if request.method == "POST":
        edit_form = DefinitionEditForm(request.POST)
        if edit_form.is_valid():
            try:
                definition, outcome = services.metric_definition_edit(actor=request.user, code=code,
                                                                      text=edit_form.cleaned_data["spec"])
            except ApplicationError as exc:
                edit_errors = [exc.message, *exc.details]
            else:
                if outcome == "unchanged":
                    messages.info(request, "口径未改动，未生成新版本。")
                else:
                    messages.success(request, f"已保存为 v{definition.version}，原版本保留为历史版本。"
                                              "重新计算后，指标值按新口径写入。")
                return redirect("metrics:detail", code=code)
        status = 400
    versions = list(MetricDefinition.objects.filter(code=code).select_related("created_by")
                    .annotate(observation_count=Count("observations")).order_by("-version"))
    if not versions:
        return render(request, "datasets/metrics_missing.html",
                      {"nav_active": "reporting", "page_title": "没有这个指标口径", "code": code}, status=404)
    shown = versions[0]
    if request.GET.get("version", "").isdigit():
        shown = next((v for v in versions if v.version == int(request.GET["version"])), shown)
    try:
        described = metric_spec_parse(shown.spec, where=str(shown)).describe()
    except ApplicationError as exc:
        described = exc.message
    spec_yaml = yaml.safe_dump(shown.spec, allow_unicode=True, sort_keys=False)
    runs = MetricRun.objects.filter(observations__metric_definition__code=code).distinct()[:20]
    current = next((v for v in versions if v.is_active), versions[0])
    if edit_form is None:
        edit_form = DefinitionEditForm(initial={
            "spec": yaml.safe_dump(current.spec, allow_unicode=True, sort_keys=False)})
    return render(request, "datasets/metrics_detail.html", {
        "nav_active": "reporting", "page_title": f"指标口径 · {shown.name}", "versions": versions, "shown": shown, "described": described, "spec_yaml": spec_yaml, "runs": runs,
        "status_labels": services.RUN_STATUS_LABELS, "edit_form": edit_form, "edit_errors": edit_errors,
        "current": current, "editing": bool(edit_errors or request.method == "POST"),
    }, status=status)
