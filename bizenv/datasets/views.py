"""Data-docking pages (数据对接): overview, sources and tokens, uploads, batches, quarantine, raw records."""

from __future__ import annotations

import io
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.core.exports import csv_bytes, workbook_safe
from bizenv.datasets import selectors, services
from bizenv.datasets.catalog import DATASETS, TYPE_LABELS, choice_label
from bizenv.datasets.forms import RecordUploadForm, SourceForm
from bizenv.datasets.models import BatchStatus, SourceKind, SourceSystem
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, has_permission

NAV = {"nav_active": "reporting"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _source_or_404(pk: int) -> SourceSystem:
    source = selectors.source_get(pk=pk)
    if source is None:
        raise Http404("没有这个数据源")
    return source


def _dataset_or_404(code: str):
    if code not in DATASETS:
        raise Http404("没有这个数据集")
    return DATASETS[code]


def _can_manage(request) -> bool:
    return has_permission(request.user, Permission.REVIEW_DATA)


@permission_required(Permission.VIEW_RECORDS)
def overview(request):
    context = {
        **NAV, "page_title": "数据对接",
        "datasets": selectors.dataset_summaries(),
        "sources": selectors.source_list(),
        "batches": selectors.batch_list()[:10],
        "can_manage": _can_manage(request),
    }
    return render(request, "datasets/overview.html", context)


@permission_required(Permission.VIEW_RECORDS)
def schema(request):
    datasets = [
        {"ds": ds, "fields": [{"f": f, "type_label": TYPE_LABELS[f.type]} for f in ds.fields]}
        for ds in DATASETS.values()
    ]
    return render(request, "datasets/schema.html", {**NAV, "page_title": "数据集字段说明", "datasets": datasets})


@permission_required(Permission.REVIEW_DATA)
def upload(request):
    form = RecordUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    preview, reference = None, ""
    if request.method == "POST" and form.is_valid():
        upload, dataset = form.cleaned_data["file"], form.cleaned_data["dataset"]
        try:
            if request.POST.get("action") == "commit":
                # Ingestion of a large file takes a while: it runs in the worker and the job page shows progress.
                if upload:
                    job = services.records_upload_enqueue(actor=request.user, dataset=dataset,
                                                          content=upload.read(), filename=upload.name)
                else:
                    job = services.records_preview_enqueue(actor=request.user, dataset=dataset,
                                                           reference=form.cleaned_data["upload"])
                return redirect("site:job_detail", pk=job.pk)
            if upload:
                preview, reference = services.records_upload_preview(actor=request.user, dataset=dataset,
                                                                     content=upload.read(), filename=upload.name)
            else:
                errors = ["请选择要预检的文件。"]
        except ApplicationError as exc:
            errors = [exc.message, *exc.details]
    if preview is None and request.method == "POST":
        form.data = form.data.copy()
        form.data["upload"] = ""  # a failed commit or a new preview keeps no stale reference
    context = {**NAV, "page_title": "上传原始记录", "form": form, "errors": errors, "preview": preview,
               "preview_reference": reference, "preview_problems": (preview.problems[:200] if preview else [])}
    return render(request, "datasets/upload.html", context)


def _source_form_values(form: SourceForm) -> dict:
    data = form.cleaned_data
    return {"name": data["name"], "kind": data["kind"], "datasets": data["datasets"],
            "department": data["department"], "config": data["config"],
            "schedule_minutes": data["schedule_minutes"], "enabled": data["enabled"]}


@permission_required(Permission.REVIEW_DATA)
def source_create(request):
    form = SourceForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_system_create(actor=request.user, code=form.cleaned_data["code"],
                                                   **_source_form_values(form))
        except ApplicationError as exc:
            errors = [exc.message, *exc.details]
        else:
            messages.success(request, f"已登记数据源“{source.name}”。")
            return redirect("datasets:source_detail", pk=source.pk)
    return render(request, "datasets/source_form.html",
                  {**NAV, "page_title": "登记数据源", "form": form, "errors": errors, "source": None})


@permission_required(Permission.REVIEW_DATA)
def source_edit(request, pk: int):
    source = _source_or_404(pk)
    initial = {"code": source.code, "name": source.name, "kind": source.kind, "department": source.department,
               "datasets": source.datasets, "config": json.dumps(source.config or {}, ensure_ascii=False, indent=2),
               "schedule_minutes": source.schedule_minutes, "enabled": source.enabled}
    form = SourceForm(request.POST or None, initial=initial, editing=True)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.source_system_update(actor=request.user, source=source, **_source_form_values(form))
        except ApplicationError as exc:
            errors = [exc.message, *exc.details]
        else:
            messages.success(request, f"已保存数据源“{source.name}”。")
            return redirect("datasets:source_detail", pk=source.pk)
    return render(request, "datasets/source_form.html",
                  {**NAV, "page_title": f"修改数据源 {source.name}", "form": form, "errors": errors, "source": source})


def _source_context(request, source: SourceSystem, **extra) -> dict:
    return {
        **NAV, "page_title": source.name, "source": source,
        "config_json": json.dumps(services._redact(source.config or {}), ensure_ascii=False, indent=2),
        "cursor_json": json.dumps(source.cursor or {}, ensure_ascii=False),
        "is_pull": source.kind in selectors.PULL_KINDS, "is_push": source.kind == SourceKind.PUSH,
        "batches": selectors.batch_list(source=source)[:20],
        "dataset_names": [DATASETS[d].name if d in DATASETS else d for d in source.datasets or []],
        "push_url": request.build_absolute_uri(reverse("api:datasets_push", args=[(source.datasets or ["DATASET"])[0]])),
        **extra,
    }


@permission_required(Permission.REVIEW_DATA)
def source_detail(request, pk: int):
    source = _source_or_404(pk)
    return render(request, "datasets/source_detail.html", _source_context(request, source))


@require_POST
@permission_required(Permission.REVIEW_DATA)
def source_token(request, pk: int):
    source = _source_or_404(pk)
    try:
        source, token = services.source_token_issue(actor=request.user, source=source)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("datasets:source_detail", pk=source.pk)
    response = render(request, "datasets/source_detail.html", _source_context(request, source, new_token=token))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(Permission.REVIEW_DATA)
def source_pull(request, pk: int):
    source = _source_or_404(pk)
    try:
        services.source_pull_request(actor=request.user, source=source)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已加入后台任务队列：拉取完成后，新批次会出现在下方列表中（刷新页面查看）。")
    return redirect("datasets:source_detail", pk=source.pk)


@permission_required(Permission.VIEW_RECORDS)
def batch_list(request):
    dataset = request.GET.get("dataset", "")
    status = request.GET.get("status", "")
    qs = selectors.batch_list(dataset=dataset if dataset in DATASETS else "",
                              status=status if status in BatchStatus.values else "")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {**NAV, "page_title": "数据批次", "page": page, "datasets": DATASETS, "statuses": BatchStatus.choices,
               "dataset": dataset, "status": status}
    return render(request, "datasets/batch_list.html", context)


def _quarantine_lines(rows) -> list[dict]:
    return [{"row_number": q.row_number, "field": r.get("field", ""), "message": r.get("message", ""),
             "payload": q.payload} for q in rows for r in q.reasons]


@permission_required(Permission.VIEW_RECORDS)
def batch_detail(request, pk: int):
    batch = selectors.batch_get(pk=pk)
    if batch is None:
        raise Http404("没有这个批次")
    rows = selectors.batch_quarantine(batch=batch, user=request.user)
    page = Paginator(_quarantine_lines(rows), 100).get_page(request.GET.get("page"))
    context = {**NAV, "page_title": f"批次 #{batch.pk}", "batch": batch, "dataset": DATASETS.get(batch.dataset),
               "page": page, "visible_rows": len(rows), "files": batch.files.all()}
    return render(request, "datasets/batch_detail.html", context)


@permission_required(Permission.VIEW_RECORDS)
def batch_quarantine_download(request, pk: int, fmt: str):
    batch = selectors.batch_get(pk=pk)
    if batch is None or fmt not in ("csv", "xlsx"):
        raise Http404("没有这个批次")
    ds = DATASETS.get(batch.dataset)
    fields = list(ds.field_names) if ds else []
    rows = selectors.batch_quarantine(batch=batch, user=request.user)
    extra = sorted({k for q in rows if isinstance(q.payload, dict) for k in q.payload} - set(fields))
    header = ["行号", "问题字段", "原因", *fields, *extra]
    table = []
    for q in rows:
        payload = q.payload if isinstance(q.payload, dict) else {"记录": json.dumps(q.payload, ensure_ascii=False)}
        values = ["" if payload.get(k) is None else payload.get(k) for k in [*fields, *extra]]
        table.append([q.row_number, "、".join(r.get("field", "") for r in q.reasons if r.get("field")),
                      "；".join(r.get("message", "") for r in q.reasons), *values])
    filename = f"隔离记录-批次{batch.pk}-{batch.dataset}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_bytes(header, table), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "隔离记录"
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in table:
            sheet.append([v if isinstance(v, int | float | str) else str(v) for v in line])
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["C"].width = 60
        workbook_safe(workbook)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _cell(column: str, value, region_names: dict[str, str]):
    if column == "region_code" and value in region_names:
        return f"{region_names[value]}（{value}）"
    return choice_label(value)


@permission_required(Permission.VIEW_RECORDS)
def records(request, dataset: str):
    ds = _dataset_or_404(dataset)
    codes = selectors.visible_region_codes(request.user)
    region_code = request.GET.get("region", "")
    if region_code and region_code not in codes:
        return render(request, "site/forbidden.html",
                      {"message": f"区域 {region_code} 不在您的授权范围内，不能查看其原始记录。"}, status=403)
    month = request.GET.get("month", "")
    search = request.GET.get("q", "").strip()[:50]
    segment = request.GET.get("segment", "")
    segment = segment if segment in ds.segments else ""
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = selectors.records_page(dataset=ds, region_codes=codes, page=page_number, region_code=region_code,
                                  month=month if len(month) == 7 else "", search=search, segment=segment)
    regions = Region.objects.filter(code__in=codes).order_by("path")
    names = dict(regions.values_list("code", "name"))
    context = {**NAV, "page_title": f"原始记录 · {ds.name}", "ds": ds, "page": page, "regions": regions,
               "region_names": names, "region_code": region_code, "month": month, "search": search,
               "segment": segment, "segment_label": ds.field(ds.segment_field).label if ds.segment_field else "",
               "segments": [(code, choice_label(code)) for code in ds.segments],
               # Coded values (channel, kind …) read in Chinese; the region code with its name.
               "rows": [[_cell(c, r.get(c), names) for c in page.columns] for r in page.rows],
               "labels": [ds.field(c).label for c in page.columns]}
    return render(request, "datasets/records.html", context)
