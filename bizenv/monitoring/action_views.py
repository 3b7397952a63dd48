"""What users do on a warning's page (POST): 签收, an 整改举措 with evidence, the office's review of a measure,
关闭 and 销号; and the evidence files (查看, 下载). Services decide; a refusal is shown as a Chinese message on the
warning's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.core.uploads import FileKind, upload_response
from bizenv.monitoring import pages, selectors, services
from bizenv.monitoring.forms import CloseForm, MeasureForm, ReviewForm
from bizenv.monitoring.models import RectificationMeasure
from bizenv.monitoring.views import NAV, detail_context, warning_or_404
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission


def _back(warning, anchor: str = ""):
    response = redirect("monitoring:warning", pk=warning.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_POST
@permission_required(Permission.VIEW_WARNINGS)
def acknowledge(request, pk: int):
    warning = warning_or_404(request, pk)
    try:
        services.warning_acknowledge(actor=request.user, warning=warning)
        messages.success(request, "已签收该预警，请及时上报整改举措。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(warning)


@permission_required(Permission.VIEW_WARNINGS)
def measure_new(request, pk: int):
    """The 整改举措 form posts here; errors show the warning's page again with the form and nothing saved."""
    warning = warning_or_404(request, pk)
    if request.method != "POST":
        return _back(warning, "measure-form")
    form = MeasureForm(request.POST, request.FILES, methods=selectors.methods_active())
    if form.is_valid():
        try:
            services.measure_submit(actor=request.user, warning=warning, method=form.cleaned_data["method"],
                                    description=form.cleaned_data["description"], files=form.cleaned_data["files"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            count = len(form.cleaned_data["files"])
            messages.success(request, f"整改举措已上报（佐证材料 {count} 份），等待营商办审核。")
            return _back(warning, "measures")
    context = detail_context(request, warning, measure_form=form)
    return render(request, "monitoring/warning.html", context, status=400)


@require_POST
@permission_required(Permission.MANAGE_WARNINGS)
def measure_review(request, pk: int):
    measure = (RectificationMeasure.objects.select_related("warning").filter(pk=pk).first())
    if measure is None or selectors.warning_get(user=request.user, pk=measure.warning_id) is None:
        raise Http404("没有这条整改举措，或它不在您的查看范围内。")
    warning = warning_or_404(request, measure.warning_id)
    form = ReviewForm(request.POST, prefix=f"m{measure.pk}")
    if not form.is_valid():
        context = detail_context(request, warning, review_forms={measure.pk: form})
        return render(request, "monitoring/warning.html", context, status=400)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.measure_review(actor=request.user, measure=measure, accept=accept,
                                comment=form.cleaned_data["comment"])
        messages.success(request, "已审核通过该整改举措。" if accept else "已要求补充，并通知了提交人。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(warning, f"measure-{measure.pk}")


@require_POST
@permission_required(Permission.MANAGE_WARNINGS)
def close(request, pk: int):
    warning = warning_or_404(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return render(request, "monitoring/warning.html", detail_context(request, warning, close_form=form),
                      status=400)
    try:
        services.warning_close(actor=request.user, warning=warning, reason=form.cleaned_data["reason"])
        messages.success(request, "预警已关闭。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(warning)


@require_POST
@permission_required(Permission.MANAGE_WARNINGS)
def resolve(request, pk: int):
    warning = warning_or_404(request, pk)
    try:
        services.warning_resolve(actor=request.user, warning=warning)
        messages.success(request, "预警已销号。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(warning)


# --------------------------------------------------------------------------------------------- evidence


def _evidence(request, pk: int):
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404("没有这份佐证材料，或它不在您的查看范围内。")
    return evidence


@permission_required(Permission.VIEW_WARNINGS)
def evidence_view(request, pk: int):
    """查看: a PDF or an image as the browser shows it; Word and Excel as a page of the site."""
    evidence = _evidence(request, pk)
    if evidence.kind not in (FileKind.DOCX, FileKind.XLSX):
        return upload_response(path=evidence.path, display_name=evidence.original_name,
                               content_type=evidence.content_type, inline=True)
    try:
        html, problem = pages.evidence_preview(evidence=evidence), ""
    except ApplicationError as exc:
        html, problem = "", exc.message
    warning = evidence.measure.warning
    return render(request, "monitoring/evidence.html", {
        **NAV, "page_title": f"查看佐证材料 · {evidence.original_name}", "evidence": evidence,
        "warning": warning, "preview": html, "problem": problem})


@permission_required(Permission.VIEW_WARNINGS)
def evidence_download(request, pk: int):
    evidence = _evidence(request, pk)
    return upload_response(path=evidence.path, display_name=evidence.original_name,
                           content_type=evidence.content_type, inline=False)
