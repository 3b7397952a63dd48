"""年度工作任务导入 (the office): download the template, upload a plan or ledger file, read the dry-run preview with
its row errors, confirm the one atomic import. Also the template and the ledger (台账) downloads."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core import clock
from bizenv.core.errors import ApplicationError
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission
from bizenv.workflows import ledger, plan, plan_services, selectors
from bizenv.workflows.models import WorkItem

NAV = {"nav_active": "workflows"}
SESSION_KEY = "workflows_plan_upload"
RESULT_KEY = "workflows_plan_result"
SHOWN_ROWS = 1000


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=ledger.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _page(request, *, result=None, error: ApplicationError | None = None, status: int = 200):
    lines = result.lines if result else []
    return render(request, "workflows/plan_import.html", {
        **NAV, "page_title": "年度工作任务导入", "result": result, "error": error,
        "lines": lines[:SHOWN_ROWS], "hidden": max(0, len(lines) - SHOWN_ROWS),
        "token": request.session.get(SESSION_KEY, {}).get("token", "") if result and not result.committed else "",
        "csv_header": plan.CSV_HEADER, "max_mb": plan.MAX_BYTES // 1048576,
    }, status=status)


@permission_required(Permission.MANAGE_WORK)
def plan_import(request):
    if request.method != "POST":
        return _page(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, error=ApplicationError("请选择要导入的年度工作任务模板（.xlsx）或台账 CSV 文件。"), status=400)
    request.session.pop(SESSION_KEY, None)
    request.session.pop(RESULT_KEY, None)
    try:
        if upload.size and upload.size > plan.MAX_BYTES:
            raise ApplicationError(f"文件大小为 {upload.size / 1048576:.1f} MB，超过 {plan.MAX_BYTES // 1048576} MB 的上限；"
                                   f"请拆分后导入。")
        content = upload.read(plan.MAX_BYTES + 1)
        result = plan_services.plan_preview(actor=request.user, filename=upload.name, content=content)
    except ApplicationError as exc:
        return _page(request, error=exc, status=400)
    if not result.problems and result.to_create:
        token = plan_services.plan_stage(filename=upload.name, content=content)
        request.session[SESSION_KEY] = {"token": token, "name": upload.name, "sha256": result.sha256}
    return _page(request, result=result)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def plan_commit(request):
    staged = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    content = plan_services.plan_staged(token=token) if token and token == staged.get("token") else None
    if content is None:
        messages.error(request, "没有待确认的预检文件（可能已经导入、已过期，或在其他窗口上传了别的文件）。请重新上传并预检。")
        return redirect("workflows:plan_import")
    try:
        result = plan_services.plan_import(actor=request.user, filename=staged.get("name", ""), content=content)
    except ApplicationError as exc:
        return _page(request, error=exc, status=409 if exc.code == "conflict" else 400)
    plan_services.plan_unstage(token=token)
    request.session.pop(SESSION_KEY, None)
    request.session[RESULT_KEY] = _kept(result)
    return redirect("workflows:plan_done")  # POST/redirect/GET: refreshing the result page posts nothing


def _kept(result: plan_services.PlanResult) -> dict:
    """What the result page shows of a finished import, as the session keeps it."""
    return {"filename": result.filename, "sha256": result.sha256, "source": result.source, "lines": [
        {"row": line.row, "outcome": line.outcome, "code": line.code, "title": line.title,
         "assignee": line.assignee, "deadline_text": line.deadline_text, "deadline_label": line.deadline_label,
         "issued_on": line.issued_on.isoformat() if line.issued_on else "",
         "approved_on": line.approved_on.isoformat() if line.approved_on else "",
         "item": line.item.pk if line.item is not None else None} for line in result.lines]}


def _restored(kept: dict) -> plan_services.PlanResult:
    pks = [line["item"] for line in kept["lines"] if line["item"]]
    items = WorkItem.objects.in_bulk(pks)
    lines = [plan_services.PlanLine(
        row=line["row"], outcome=line["outcome"], code=line["code"], title=line["title"], assignee=line["assignee"],
        deadline_text=line["deadline_text"], deadline_label=line["deadline_label"],
        issued_on=date.fromisoformat(line["issued_on"]) if line["issued_on"] else None,
        approved_on=date.fromisoformat(line["approved_on"]) if line["approved_on"] else None,
        item=items.get(line["item"])) for line in kept["lines"]]
    return plan_services.PlanResult(filename=kept["filename"], sha256=kept["sha256"], source=kept["source"],
                                    lines=lines, committed=True)


@permission_required(Permission.MANAGE_WORK)
def plan_done(request):
    """The result of the last import (after the redirect from 确认导入)."""
    kept = request.session.get(RESULT_KEY)
    if not kept:
        messages.info(request, "没有刚完成的导入结果可显示。请上传并预检文件后导入。")
        return redirect("workflows:plan_import")
    return _page(request, result=_restored(kept))


@permission_required(Permission.MANAGE_WORK)
def plan_template(request):
    return _download(plan_services.plan_template_build(), f"年度工作任务导入模板-{clock.today().year}.xlsx")


@permission_required(Permission.VIEW_WORK)
def ledger_export(request):
    """The 台账 of the items the user sees, filtered like the workbench (status, kind, unit, …)."""
    today = clock.today()
    get = request.GET
    items = selectors.item_list(user=request.user, status=get.get("status", ""), kind=get.get("kind", ""),
                                unit=get.get("unit", ""), indicator=get.get("indicator", ""),
                                source=get.get("source", ""), q=get.get("q", "").strip(),
                                overdue_on=today if get.get("overdue") in ("1", "true", "on") else None)
    return _download(ledger.ledger_workbook(items=items, as_of=today), ledger.ledger_filename(today))


urlpatterns = [
    path("plan/", plan_import, name="plan_import"),
    path("plan/commit/", plan_commit, name="plan_commit"),
    path("plan/result/", plan_done, name="plan_done"),
    path("plan/template.xlsx", plan_template, name="plan_template"),
    path("ledger.xlsx", ledger_export, name="ledger_export"),
]
