"""任务督办 pages: the workbench (待我处理, 我下发的, 已逾期, 全部 with filters), an item's page (its fields, source,
attachments, timeline and the actions the user may take now, posted by htmx), the new-item and edit forms, and the
files of an item (查看, 下载). Services decide; a refusal is shown in Chinese next to the form, nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from bizenv.core import clock
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.periods import day_label
from bizenv.core.uploads import FileKind, upload_response
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission
from bizenv.workflows import selectors, services, workbench
from bizenv.workflows.forms import ItemFilterForm, ItemForm, action_form
from bizenv.workflows.models import OPEN_STATUSES, ItemKind, ItemSource, ItemStatus, WorkItem
from bizenv.workflows.transitions import ACTION_LABELS, CAPACITY_LABELS, Action, Capacity

NAV = {"nav_active": "workflows"}
PAGE_SIZE = 20
NOT_FOUND = "没有这项任务，或它不在您的查看范围内。"
FILE_KIND_LABELS = {kind.value: str(kind.label) for kind in FileKind}
WAITING_BY_STATUS = {ItemStatus.ISSUED: "待受理", ItemStatus.IN_PROGRESS: "待反馈", ItemStatus.SUBMITTED: "待审核",
                     ItemStatus.RETURNED: "被退回"}
# Actions taken with one click (an optional note); the others open a form.
QUICK = (Action.ISSUE, Action.ACCEPT, Action.APPROVE)
ACTION_HINTS = {
    Action.ISSUE: "下发后责任单位将收到通知。",
    Action.ACCEPT: "受理后请按时限办理，并随时反馈进展。",
    Action.RETURN: "不属于本单位职责或无法办理时退回下发单位，须写明理由。",
    Action.FEEDBACK: "可多次反馈；进度以百分比填写，可附佐证材料。",
    Action.SUBMIT: "办理完成后申请办结，由下发单位审核。",
    Action.APPROVE: "确认已完成，任务办结。",
    Action.REJECT: "未达到要求时退回责任单位继续办理，须写明理由。",
    Action.TRANSFER: "改由其他单位办理；原办理记录保留。",
    Action.SUPERVISE: "督促责任单位加快办理，督办次数加一。",
    Action.CANCEL: "任务不再需要办理时撤销，须写明理由；未办结的子任务一并撤销。",
    Action.SPLIT: "分解为多个子任务分别下发；子任务全部审核通过后本任务才能申请办结。",
}


def item_or_404(request, pk: int) -> WorkItem:
    """The item if the user may see it; another unit's item is a 404 like a missing one."""
    item = selectors.item_get(user=request.user, pk=pk)
    if item is None:
        raise Http404(NOT_FOUND)
    return item


def _ledger_url() -> str:
    try:
        return reverse("workflows:ledger_export")
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------------------------- the workbench


@permission_required(Permission.VIEW_WORK)
def index(request):
    user, today = request.user, clock.today()
    counts = workbench.tab_counts(user=user, today=today)
    tab = request.GET.get("tab", "")
    if tab not in counts:
        tab = "todo" if "todo" in counts else "all"
    units = workbench.unit_choices(codes=workbench.visible_unit_codes(user=user))
    form = ItemFilterForm(request.GET or None, units=units, indicators=workbench.indicator_choices())
    filters = form.filters()
    listed = selectors.item_list(user=user, **filters)
    wait, waiting_counts = request.GET.get("wait", ""), {}
    if tab == "todo":
        waiting = selectors.waiting_for(user=user)
        waiting_counts = {key: qs.count() for key, qs in waiting.items()}
        chosen = waiting[wait] if wait in waiting else workbench.waiting_union(waiting)
        wait = wait if wait in waiting else ""
        listed = listed.filter(pk__in=chosen.values("pk")).order_by("deadline", "id")
    elif tab == "issued":
        listed = listed.filter(workbench.issued_by_q(user)).order_by("-id")
    elif tab == "overdue":
        listed = listed.filter(status__in=OPEN_STATUSES, deadline__lt=today).order_by("deadline", "id")
    else:
        listed = listed.order_by("-id")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    query = form.query(page="")
    context = {
        **NAV, "page_title": "督办工作台", "form": form, "page": page, "today": today,
        "rows": [{"item": item, "waiting": WAITING_BY_STATUS.get(item.status, "") if tab == "todo" else ""}
                 for item in page],
        "todo_count": counts.get("todo"), "all_count": counts["all"], "overdue_count": counts["overdue"],
        "tab": tab, "tabs": [(key, label, counts[key]) for key, label in workbench.TABS.items() if key in counts],
        "wait": wait, "waiting": [(key, label, waiting_counts[key]) for key, label in workbench.WAITING.items()
                    if waiting_counts.get(key) or key == wait],
        "query": query, "tab_query": "&".join(p for p in (f"tab={tab}", f"wait={wait}" if wait else "", query) if p),
        "overview": workbench.ontime_overview(user=user, as_of=today),
        "can_manage": has_permission(user, Permission.MANAGE_WORK),
        "ledger_url": _ledger_url(), "ledger_query": form.query(page="", overdue="1" if tab == "overdue" else ""),
    }
    if request.htmx:
        return render(request, "workflows/_workbench_results.html", context)
    return render(request, "workflows/workbench.html", context)


# --------------------------------------------------------------------------------------------- one item


def _event_rows(item: WorkItem) -> list[dict]:
    rows = []
    for event in selectors.item_timeline(item=item):
        files = list(event.files.all())
        for f in files:
            f.kind_label = FILE_KIND_LABELS.get(f.kind, "文件")
        changed = bool(event.status_from) and event.status_from != event.status_to
        rows.append({"event": event, "label": workbench.event_label(event.action),
                     "from": workbench.status_label(event.status_from) if changed else "",
                     "to": workbench.status_label(event.status_to) if changed or not event.status_from else "",
                     "files": files, "tone": _tone(event.action)})
    return rows


def _tone(action: str) -> str:
    if action in (Action.RETURN, Action.REJECT, Action.CANCEL):
        return "red"
    if action in (Action.SUPERVISE, "escalate", "letter", "interview"):  # 督办 and the escalation's own rows
        return "amber"
    if action == Action.APPROVE:
        return "green"
    return ""


def _source(request, item: WorkItem) -> dict:
    from bizenv.monitoring import selectors as warnings

    warning = item.warning if item.warning_id else None
    visible = workbench.visible_items(user=request.user, pks=[item.parent_id, *item.children.values_list("pk", flat=True)])
    return {
        "label": item.get_source_display(),
        "warning": warning, "warning_visible": bool(warning and warnings.warning_get(user=request.user,
                                                                                     pk=warning.pk)),
        "problem": item.problem if item.problem_id else None,
        "parent": item.parent if item.parent_id else None, "parent_visible": item.parent_id in visible,
        "children": [{"item": c, "visible": c.pk in visible} for c in
                     item.children.select_related("assignee_department", "assignee_region").order_by("id")],
    }


def detail_context(request, item: WorkItem, *, bound: dict | None = None, error: str = "", notice: str = "",
                   warnings: list[str] | None = None) -> dict:
    """Everything the item's page shows; a bound form with errors is shown again, open, in place of a fresh one."""
    user, bound = request.user, bound or {}
    capacities = selectors.item_capacities(user=user, item=item)
    available = selectors.item_actions(user=user, item=item)
    actions = [{"action": a, "value": a.value, "label": ACTION_LABELS[a], "hint": ACTION_HINTS[a],
                "form": bound.get(a) or action_form(a), "quick": a in QUICK, "open": a in bound}
               for a in available]
    for action, form in bound.items():
        if action not in available and form.non_field_errors():
            error = error or " ".join(form.non_field_errors())
    names = services.indicator_names(item.indicator_codes)
    return {
        **NAV, "page_title": f"任务详情 · {item.title}", "item": item, "today": clock.today(),
        "indicators": [names.get(c, c) for c in item.indicator_codes],
        "co_units": [d.name for d in item.co_departments.all()] + [r.name for r in item.co_regions.all()],
        "source": _source(request, item), "attachments": _files(workbench.item_attachments(item)),
        "timeline": _event_rows(item), "actions": actions, "action_error": error, "notice": notice,
        "account_warnings": warnings or [], "progress": _progress(item),
        "capacities": [CAPACITY_LABELS[c] for c in Capacity if c in capacities],
        "can_edit": Capacity.ISSUER in capacities and item.status in (ItemStatus.DRAFT, ItemStatus.RETURNED),
        "is_overdue": item.is_open and item.deadline is not None and item.deadline < clock.today(),
    }


def _progress(item: WorkItem) -> dict:
    """The progress the item's page shows: its own, except after 审核退回 with no feedback since — the submission
    set it to 100 %, so the page shows the progress of the latest feedback before that submission, or says that
    the progress is yet to be updated."""
    if item.status != ItemStatus.IN_PROGRESS:
        return {"value": item.progress, "note": ""}
    steps = list(item.events.filter(action__in=(Action.FEEDBACK, Action.SUBMIT, Action.REJECT))
                 .order_by("-at", "-id").values_list("action", "progress")[:200])
    if not steps or steps[0][0] != Action.REJECT:
        return {"value": item.progress, "note": ""}
    submitted = next((i for i, (action, _p) in enumerate(steps) if action == Action.SUBMIT), None)
    earlier = next((p for action, p in steps[submitted + 1:] if action == Action.FEEDBACK and p is not None),
                   None) if submitted is not None else None
    if earlier is None:
        return {"value": None, "note": "审核退回，进度待更新"}
    return {"value": earlier, "note": "审核退回，进度待更新；显示申请办结前最近一次反馈的进度"}


def _files(files):
    for f in files:
        f.kind_label = FILE_KIND_LABELS.get(f.kind, "文件")
    return files


@permission_required(Permission.VIEW_WORK)
def item_detail(request, pk: int):
    item = item_or_404(request, pk)
    return render(request, "workflows/item_detail.html", detail_context(request, item))


def _done(action: Action, item: WorkItem, data) -> str:
    return {
        Action.ISSUE: f"任务已下发至{item.assignee_name}，完成时限 {_day(item.deadline)}。",
        Action.ACCEPT: "已受理该任务，请按时限办理并反馈进展。",
        Action.RETURN: "已退回该任务，下发单位将收到通知。",
        Action.FEEDBACK: f"已反馈进展（进度 {item.progress}%）。",
        Action.SUBMIT: "已申请办结，等待下发单位审核。",
        Action.APPROVE: "已审核通过，任务办结。",
        Action.REJECT: "已审核退回，责任单位将继续办理。",
        Action.TRANSFER: f"已转办至{item.assignee_name}。",
        Action.SUPERVISE: f"已督办（累计 {item.supervise_count} 次），责任单位将收到督办意见。",
        Action.CANCEL: "已撤销该任务。",
        Action.SPLIT: f"已分解为 {len(data.children) if data else 0} 项子任务并下发。",
    }[action]


def _account_warnings(item: WorkItem, action: Action | None = None, data=None) -> list[str]:
    """A warning for each unit the item (or its new sub-items) went to that has nobody able to act on it; the
    action is not refused — the issuer may still want it recorded."""
    if action == Action.SPLIT:
        units = [(c.assignee_department, c.assignee_region) for c in (data.children if data else [])]
    elif action in (None, Action.TRANSFER, Action.ISSUE):
        units = [(item.assignee_department, item.assignee_region)]
    else:
        return []
    out = []
    for department, region in units:
        line = workbench.unit_account_warning(department, region)
        if line and line not in out:
            out.append(line)
    return out


def _day(value) -> str:
    return day_label(value)


@require_POST
@permission_required(Permission.VIEW_WORK)
def item_act(request, pk: int, action: str):
    """One action on an item. htmx gets the item's body back (with the result or the refusal); a plain POST is
    sent back to the item's page, or shown the page again with the refusal."""
    item = item_or_404(request, pk)
    try:
        act = Action(action)
    except ValueError:
        raise Http404("没有这种办理操作。") from None
    form = action_form(act, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = None
        try:
            data = form.action_input()
            services.item_act(actor=request.user, item=item, action=act, data=data)
        except PermissionDenied as exc:
            form.add_error(None, workbench.dates_in_words(exc.message))
            status = 403
        except ApplicationError as exc:
            form.add_error(None, workbench.dates_in_words(exc.message))
            status = 409 if exc.code == ErrorCode.CONFLICT else 400
        else:
            after = selectors.item_get(user=request.user, pk=pk)
            notice = _done(act, after or WorkItem.objects.get(pk=pk), data)
            warnings = _account_warnings(after or WorkItem.objects.get(pk=pk), act, data)
            if after is None:  # transferred to a unit whose items this user does not see
                messages.success(request, notice + "该任务已不在您的查看范围内。")
                for line in warnings:
                    messages.warning(request, line)
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("workflows:index"))
                return redirect("workflows:index")
            if request.htmx:
                return render(request, "workflows/_item_body.html",
                              detail_context(request, after, notice=notice, warnings=warnings))
            messages.success(request, notice)
            for line in warnings:
                messages.warning(request, line)
            return redirect(reverse("workflows:item", args=[pk]) + "#timeline")
    item = item_or_404(request, pk)
    context = detail_context(request, item, bound={act: form})
    if request.htmx:  # htmx swaps only successful answers: the refusal is shown in the swapped body
        return render(request, "workflows/_item_body.html", context)
    return render(request, "workflows/item_detail.html", context, status=status)


# --------------------------------------------------------------------------------------------- create and edit


def _warning_for(request, pk) -> object | None:
    from bizenv.monitoring import selectors as warnings

    if not pk:
        return None
    try:
        return warnings.warning_get(user=request.user, pk=int(pk))
    except (TypeError, ValueError):
        return None


def _warning_initial(warning) -> dict:
    codes = {code for code, _name in workbench.indicator_choices()}
    units = {code for _group, entries in workbench.unit_choices() for code, _name in entries}
    return {
        "title": f"{warning.region.name}“{warning.indicator_name}”预警整改",
        "description": warning.explanation, "kind": ItemKind.RECTIFICATION,
        "indicators": [warning.indicator_code] if warning.indicator_code in codes else [],
        "assignee": warning.region.code if warning.region.code in units else "",
        "warning": warning.pk,
    }


@permission_required(Permission.MANAGE_WORK)
def item_new(request):
    warning = _warning_for(request, request.POST.get("warning") if request.method == "POST"
                           else request.GET.get("warning"))
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES)
        if form.is_valid():
            issue = "issue" in request.POST
            try:
                spec = form.spec()
                if warning is not None:
                    spec.source, spec.warning = ItemSource.WARNING, warning
                item = services.item_create(actor=request.user, spec=spec, issue=issue)
            except ApplicationError as exc:
                form.add_error(None, workbench.dates_in_words(exc.message))
            else:
                messages.success(request, f"任务已下发至{item.assignee_name}，完成时限 {_day(item.deadline)}。"
                                 if issue else "任务已保存为草稿；确认无误后请在本页下发。")
                for line in _account_warnings(item):
                    messages.warning(request, line)
                return redirect("workflows:item", pk=item.pk)
        status = 400
    else:
        form = ItemForm(initial=_warning_initial(warning) if warning is not None else None)
        status = 200
    return render(request, "workflows/item_form.html", {
        **NAV, "page_title": "新建任务", "form": form, "item": None, "warning": warning}, status=status)


@permission_required(Permission.VIEW_WORK)
def item_edit(request, pk: int):
    """Edit a draft or a returned item (its issuer); 保存并下发 issues it after saving."""
    item = item_or_404(request, pk)
    capacities = selectors.item_capacities(user=request.user, item=item)
    if Capacity.ISSUER not in capacities or item.status not in (ItemStatus.DRAFT, ItemStatus.RETURNED):
        messages.error(request, "只有下发单位可以修改草稿或已退回的任务。" if Capacity.ISSUER not in capacities else
                       f"该任务当前为“{item.get_status_display()}”，只有草稿和已退回的任务可以修改。")
        return redirect("workflows:item", pk=item.pk)
    status = 200
    if request.method == "POST":
        form = ItemForm(request.POST, editing=True)
        if form.is_valid():
            try:
                item = services.item_update(actor=request.user, item=item, spec=form.spec())
            except ApplicationError as exc:
                form.add_error(None, workbench.dates_in_words(exc.message))
            else:
                if "issue" not in request.POST:
                    messages.success(request, "已保存修改。")
                    for line in _account_warnings(item):
                        messages.warning(request, line)
                    return redirect("workflows:item", pk=item.pk)
                try:
                    services.item_act(actor=request.user, item=item, action=Action.ISSUE)
                except ApplicationError as exc:
                    messages.error(request, f"已保存修改，但未能下发：{workbench.dates_in_words(exc.message)}")
                else:
                    item.refresh_from_db()
                    messages.success(request, f"已保存修改并下发至{item.assignee_name}，完成时限 {_day(item.deadline)}。")
                for line in _account_warnings(item):
                    messages.warning(request, line)
                return redirect("workflows:item", pk=item.pk)
        status = 400
    else:
        form = ItemForm(initial=ItemForm.initial_of(item), editing=True)
    return render(request, "workflows/item_form.html", {
        **NAV, "page_title": f"修改任务 · {item.title}", "form": form, "item": item, "warning": None},
        status=status)


# --------------------------------------------------------------------------------------------- files


def _file(request, pk: int):
    found = workbench.file_get(user=request.user, pk=pk)
    if found is None:
        raise Http404("没有这份材料，或它不在您的查看范围内。")
    return found


@permission_required(Permission.VIEW_WORK)
def file_view(request, pk: int):
    """查看: a PDF or an image as the browser shows it; Word and Excel as a page of the site."""
    found = _file(request, pk)
    if found.kind not in (FileKind.DOCX, FileKind.XLSX):
        return upload_response(path=found.path, display_name=found.original_name, content_type=found.content_type,
                               inline=True)
    from bizenv.core.previews import docx_to_html, xlsx_to_html
    from bizenv.core.uploads import upload_resolve

    html, problem = "", ""
    try:
        content = upload_resolve(path=found.path).read_bytes()
        html = docx_to_html(content) if found.kind == FileKind.DOCX else xlsx_to_html(content)
    except (FileNotFoundError, IsADirectoryError):
        problem = "文件不存在或已被删除。"
    except ApplicationError as exc:
        problem = exc.message
    return render(request, "workflows/file_preview.html", {
        **NAV, "page_title": f"查看材料 · {found.original_name}", "file": found, "item": found.item,
        "preview": html, "problem": problem})


@permission_required(Permission.VIEW_WORK)
def file_download(request, pk: int):
    found = _file(request, pk)
    return upload_response(path=found.path, display_name=found.original_name, content_type=found.content_type,
                           inline=False)


urlpatterns = [
    path("", index, name="index"),
    path("items/new/", item_new, name="item_new"),
    path("items/<int:pk>/", item_detail, name="item"),
    path("items/<int:pk>/edit/", item_edit, name="item_edit"),
    path("items/<int:pk>/act/<str:action>/", item_act, name="item_act"),
    path("files/<int:pk>/", file_view, name="file_view"),
    path("files/<int:pk>/download/", file_download, name="file_download"),
]
