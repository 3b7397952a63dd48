"""JSON API of workflows: work items (list, detail with timeline, create) and the actions on them; the annual
plan import (preview, then import) and the ledger (台账) as Excel."""

from __future__ import annotations

import math

from django.http import Http404
from django.urls import reverse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from bizenv.core import clock
from bizenv.core.errors import ApplicationError
from bizenv.organisations.models import User
from bizenv.organisations.permissions import Permission, require
from bizenv.workflows import selectors, services
from bizenv.workflows.models import ItemFile, ItemStatus, WorkItem
from bizenv.workflows.schemas import ActionIn, ItemDetailOut, ItemFilters, ItemIn, ItemPage, PlanResultOut
from bizenv.workflows.transitions import ACTION_LABELS

router = Router(tags=["任务督办"])

MAX_PAGE_SIZE = 200


def _status_label(status: str) -> str:
    return ItemStatus(status).label if status in ItemStatus.values else ""


def item_out(item: WorkItem) -> dict:
    today = clock.today()
    unit = item.assignee_department or item.assignee_region
    return {
        "id": item.pk, "code": item.code, "title": item.title, "kind": item.kind,
        "kind_label": item.get_kind_display(), "status": item.status, "status_label": item.get_status_display(),
        "priority": item.priority, "priority_label": item.get_priority_display(), "issuer": item.issuer_name,
        "assignee": item.assignee_name, "assignee_code": unit.code if unit else "", "deadline": item.deadline,
        "issued_on": item.issued_on, "approved_on": item.approved_on, "progress": item.progress,
        "supervise_count": item.supervise_count,
        "overdue": bool(item.is_open and item.deadline and item.deadline < today),
        "source": item.source, "source_label": item.get_source_display(),
    }


def file_out(f: ItemFile) -> dict:
    from bizenv.core.uploads import FileKind

    return {"id": f.pk, "name": f.original_name,
            "kind_label": FileKind(f.kind).label if f.kind in FileKind.values else "文件",
            "size": f.size_bytes, "url": reverse("api:workflows_file", args=[f.pk])}


def event_out(e) -> dict:
    from bizenv.workflows.workbench import event_label

    label = event_label(e.action)  # the item page's label: transitions, then 创建/修改/升级督办/提醒函/约谈
    return {"id": e.pk, "action": e.action, "action_label": label, "actor": e.actor_name, "unit": e.unit_name,
            "status_from": e.status_from, "status_from_label": _status_label(e.status_from),
            "status_to": e.status_to, "status_to_label": _status_label(e.status_to), "text": e.text,
            "progress": e.progress, "at": e.at, "files": [file_out(f) for f in e.files.all()]}


def detail_out(request, item: WorkItem) -> dict:
    names = services.indicator_names(item.indicator_codes)
    return {
        **item_out(item), "description": item.description,
        "indicators": [{"code": c, "name": names.get(c, c)} for c in item.indicator_codes],
        "co_assignees": [d.name for d in item.co_departments.all()] + [r.name for r in item.co_regions.all()],
        "deadline_workdays": item.deadline_workdays, "accepted_on": item.accepted_on,
        "submitted_on": item.submitted_on, "transfer_count": item.transfer_count,
        "status_reason": item.status_reason, "warning": item.warning_id, "parent": item.parent_id,
        "children": [item_out(c) for c in item.children.order_by("id")],
        "timeline": [event_out(e) for e in selectors.item_timeline(item=item)],
        "actions": [{"action": a.value, "label": ACTION_LABELS[a]}
                    for a in selectors.item_actions(user=request.user, item=item)],
    }


def _get(request, pk: int) -> WorkItem:
    item = selectors.item_get(user=request.user, pk=pk)
    if item is None:
        raise Http404
    return item


def _unit(code: str, label: str = "责任单位"):
    return services.unit_require(code, label=label)


def spec_from(payload: ItemIn) -> services.ItemSpec:
    """An ItemSpec from the API's (and the form's) codes, resolved to objects with Chinese errors."""
    department, region = _unit(payload.assignee)
    user = None
    if payload.assignee_user:
        user = User.objects.filter(username=payload.assignee_user.strip(), is_active=True).first()
        if user is None:
            raise ApplicationError(f"责任人账号“{payload.assignee_user}”不存在。")
    co_departments, co_regions = [], []
    for code in payload.co_assignees:
        d, r = _unit(code, "协办单位")
        (co_departments.append(d) if d else co_regions.append(r))
    warning = None
    if payload.warning:
        from bizenv.monitoring.models import Warning

        warning = Warning.objects.filter(pk=payload.warning).first()
        if warning is None:
            raise ApplicationError(f"预警 {payload.warning} 不存在。")
    return services.ItemSpec(
        title=payload.title, description=payload.description, kind=payload.kind, priority=payload.priority,
        assignee_department=department, assignee_region=region, assignee_user=user,
        indicator_codes=payload.indicators, co_departments=co_departments, co_regions=co_regions,
        deadline=payload.deadline, deadline_workdays=payload.deadline_workdays,
        source="warning" if warning else "manual", warning=warning)


@router.get("/items/", response=ItemPage, summary="任务列表（按用户可见范围）")
def item_list(request, filters: Query[ItemFilters]):
    require(request.user, Permission.VIEW_WORK)
    qs = selectors.item_list(user=request.user, status=filters.status, kind=filters.kind, unit=filters.unit,
                             indicator=filters.indicator, source=filters.source,
                             overdue_on=clock.today() if filters.overdue else None, q=filters.q)
    size = max(1, min(filters.page_size, MAX_PAGE_SIZE))
    count = qs.count()
    pages = max(1, math.ceil(count / size))
    page = max(1, min(filters.page, pages))
    rows = qs.order_by("-id")[(page - 1) * size: page * size]
    return {"count": count, "page": page, "page_size": size, "pages": pages, "items": [item_out(i) for i in rows]}


@router.get("/items/{pk}", response=ItemDetailOut, summary="任务详情与办理记录")
def item_detail(request, pk: int):
    require(request.user, Permission.VIEW_WORK)
    return detail_out(request, _get(request, pk))


@router.post("/items/", response={201: ItemDetailOut}, summary="新建任务（草稿，或 issue=true 立即下发）")
def item_create(request, payload: ItemIn):
    require(request.user, Permission.MANAGE_WORK)
    item = services.item_create(actor=request.user, spec=spec_from(payload), issue=payload.issue)
    return Status(201, detail_out(request, item))


def action_input(payload: ActionIn) -> services.ActionInput:
    to_department = to_region = None
    if payload.to:
        to_department, to_region = _unit(payload.to, "接收单位")
    children = []
    for child in payload.children:
        department, region = _unit(child.assignee)
        children.append(services.ItemSpec(title=child.title, description=child.description,
                                          assignee_department=department, assignee_region=region,
                                          deadline=child.deadline, deadline_workdays=child.deadline_workdays))
    return services.ActionInput(reason=payload.reason, progress=payload.progress, to_department=to_department,
                                to_region=to_region, children=children)


@router.post("/items/{pk}/actions", response=ItemDetailOut, summary="办理任务：下发、受理、退回、反馈、申请办结、审核、转办、督办、撤销、分解")
def item_action(request, pk: int, payload: ActionIn):
    require(request.user, Permission.VIEW_WORK)
    item = services.item_act(actor=request.user, item=_get(request, pk), action=payload.action,
                             data=action_input(payload))
    return detail_out(request, WorkItem.objects.get(pk=item.pk))


@router.post("/items/{pk}/feedback", response=ItemDetailOut, summary="反馈进展并上传佐证材料（multipart）")
def item_feedback_files(request, pk: int, text: Form[str], progress: Form[int],
                        files: File[list[UploadedFile]] = None):
    require(request.user, Permission.VIEW_WORK)
    item = services.item_act(actor=request.user, item=_get(request, pk), action="feedback",
                             data=services.ActionInput(reason=text, progress=progress, files=files or []))
    return detail_out(request, WorkItem.objects.get(pk=item.pk))


@router.get("/files/{pk}", url_name="workflows_file", summary="下载任务附件或佐证材料")
def item_file(request, pk: int):
    from bizenv.core.uploads import upload_response

    require(request.user, Permission.VIEW_WORK)
    f = ItemFile.objects.filter(pk=pk).select_related("item").first()
    if f is None or selectors.item_get(user=request.user, pk=f.item_id) is None:
        raise Http404
    return upload_response(path=f.path, display_name=f.original_name, content_type=f.content_type, inline=False)


def plan_out(result) -> dict:
    return {
        "filename": result.filename, "source": str(result.source), "source_label": result.source_label,
        "committed": result.committed, "rows": len(result.lines), "to_create": result.to_create,
        "unchanged": result.unchanged, "rejected": result.rejected, "summary": result.summary(),
        "lines": [{"row": line.row, "outcome": line.outcome, "outcome_label": line.outcome_label, "code": line.code,
                   "title": line.title, "assignee": line.assignee, "deadline": line.deadline_text,
                   "issued_on": line.issued_on, "approved_on": line.approved_on,
                   "errors": [{"row": e.row, "field": e.field, "reason": e.reason, "message": str(e)}
                              for e in line.errors]} for line in result.lines],
    }


def _upload_bytes(file: UploadedFile) -> bytes:
    from bizenv.workflows.plan import MAX_BYTES

    if file.size is not None and file.size > MAX_BYTES:
        raise ApplicationError(f"文件大小为 {file.size / 1048576:.1f} MB，超过 {MAX_BYTES // 1048576} MB 的上限；请拆分后导入。")
    return file.read(MAX_BYTES + 1)


@router.post("/plan/preview", response=PlanResultOut,
             summary="预检年度工作任务（模板 .xlsx 或台账 CSV，multipart 字段 file）：逐行列出将新增、未变和错误，不保存")
def plan_preview(request, file: File[UploadedFile]):
    from bizenv.workflows.plan_services import plan_preview as preview

    require(request.user, Permission.MANAGE_WORK)
    return plan_out(preview(actor=request.user, filename=file.name or "", content=_upload_bytes(file)))


@router.post("/plan/import", response={201: PlanResultOut},
             summary="导入年度工作任务：全部行通过才在一个事务中创建并下发，否则 400 且 errors 列出每行问题，不保存任何任务")
def plan_import(request, file: File[UploadedFile]):
    from bizenv.workflows.plan_services import plan_import as commit

    require(request.user, Permission.MANAGE_WORK)
    result = commit(actor=request.user, filename=file.name or "", content=_upload_bytes(file))
    return Status(201, plan_out(result))


@router.get("/ledger.xlsx", url_name="workflows_ledger", summary="任务台账（Excel）：按用户可见范围，可按 status/kind/unit 等筛选")
def ledger_xlsx(request, filters: Query[ItemFilters]):
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    from bizenv.workflows.ledger import XLSX_TYPE, ledger_filename, ledger_workbook

    require(request.user, Permission.VIEW_WORK)
    today = clock.today()
    items = selectors.item_list(user=request.user, status=filters.status, kind=filters.kind, unit=filters.unit,
                                indicator=filters.indicator, source=filters.source,
                                overdue_on=today if filters.overdue else None, q=filters.q)
    response = HttpResponse(ledger_workbook(items=items, as_of=today), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, ledger_filename(today))
    return response
