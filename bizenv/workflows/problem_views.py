"""问题整治清单 pages: the list (proposals for the office to confirm or dismiss; listed problems with their progress,
work items and the indicator's trend; finished and dismissed ones) and one list item's page; the office's actions
post here and come back with a Chinese message. Services decide; the pages only read and show."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.monitoring.labels import severity_css, severity_label
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission
from bizenv.workflows import problem_charts, problem_selectors, problem_services
from bizenv.workflows.models import ProblemListItem, ProblemStatus
from bizenv.workflows.problem_forms import ConfirmForm, DismissForm
from bizenv.workflows.selectors import item_list

NAV = {"nav_active": "workflows"}
STATUS_CSS = {ProblemStatus.PROPOSED: "badge-amber", ProblemStatus.CONFIRMED: "badge-blue",
              ProblemStatus.DONE: "badge-green", ProblemStatus.DISMISSED: ""}
ITEM_STATUS_CSS = {"draft": "", "issued": "badge-amber", "returned": "badge-red", "in_progress": "badge-blue",
                   "submitted": "badge-amber", "approved": "badge-green", "cancelled": ""}


def problem_or_404(request, pk: int) -> ProblemListItem:
    problem = problem_selectors.problem_get(user=request.user, pk=pk)
    if problem is None:
        raise Http404("没有这项问题整治清单，或它不在您的查看范围内。")
    return problem


def _forms(problem: ProblemListItem, *, confirm: ConfirmForm | None = None,
           dismiss: DismissForm | None = None) -> dict:
    prefix = f"p{problem.pk}"
    if confirm is None:
        lead = problem_selectors.lead_department_default(problem=problem)
        confirm = ConfirmForm(prefix=prefix, initial={"lead_department": lead.pk if lead else None,
                                                      "deadline": problem_selectors.deadline_default()})
    return {"confirm": confirm, "dismiss": dismiss or DismissForm(prefix=f"{prefix}d")}


def _trend_option(problem: ProblemListItem, trend, *, compact: bool) -> dict | None:
    if trend is None:
        return None
    return problem_charts.problem_trend(periods=trend.periods, concerned=trend.concerned, everyone=trend.everyone,
                                        unit=trend.unit, listed_period=problem.period, compact=compact)


def _names(problems) -> dict[str, str]:
    codes = sorted({code for p in problems for code in p.regions})
    return dict(zip(codes, problem_selectors.region_names(codes=codes), strict=True))


def _row(problem: ProblemListItem, *, names: dict, progress: dict, trends: dict, visible_items: dict,
         can_manage: bool) -> dict:
    trend = trends.get(problem.pk)
    return {
        "problem": problem, "status_css": STATUS_CSS.get(problem.status, ""),
        "regions": [names.get(code, code) for code in problem.regions],
        "progress": progress.get(problem.pk), "trend": trend,
        "chart": _trend_option(problem, trend, compact=True), "chart_id": f"problem-trend-{problem.pk}",
        "items": visible_items.get(problem.pk, []),
        "forms": _forms(problem) if can_manage and problem.status == ProblemStatus.PROPOSED else None,
    }


@permission_required(Permission.VIEW_WORK)
def problems(request):
    user = request.user
    listed = problem_selectors.problem_list(user=user)
    can_manage = problem_selectors.problem_can_manage(user=user)
    active = [p for p in listed if p.status in (ProblemStatus.CONFIRMED, ProblemStatus.DONE)]
    progress = problem_selectors.problem_progress(problems=active)
    trends = problem_selectors.problem_trends(problems=active)
    visible_items: dict[int, list] = {}
    for item in (item_list(user=user).filter(problem_id__in=[p.pk for p in active])
                 .order_by("parent_id", "assignee_region__sort_order", "id")):
        visible_items.setdefault(item.problem_id, []).append(
            {"item": item, "css": ITEM_STATUS_CSS.get(item.status, "")})
    names = _names(listed)

    def rows(status):
        return [_row(p, names=names, progress=progress, trends=trends, visible_items=visible_items,
                     can_manage=can_manage) for p in listed if p.status == status]

    context = {
        **NAV, "page_title": "问题整治清单", "can_manage": can_manage,
        "proposed": rows(ProblemStatus.PROPOSED), "confirmed": rows(ProblemStatus.CONFIRMED),
        "done": rows(ProblemStatus.DONE), "dismissed": rows(ProblemStatus.DISMISSED),
        "min_regions": _min_regions_text(),
    }
    return render(request, "workflows/problems.html", context)


def _min_regions_text() -> str:
    try:
        return str(problem_selectors.problem_min_regions())
    except ApplicationError:
        return "（设置有误）"


def detail_context(request, problem: ProblemListItem, *, confirm: ConfirmForm | None = None,
                   dismiss: DismissForm | None = None) -> dict:
    from bizenv.monitoring.selectors import warning_list

    user = request.user
    can_manage = problem_selectors.problem_can_manage(user=user)
    trend = problem_selectors.problem_trend(problem=problem)
    visible = set(item_list(user=user).filter(problem=problem).values_list("pk", flat=True))
    items = [{"item": item, "css": ITEM_STATUS_CSS.get(item.status, ""), "visible": item.pk in visible}
             for item in problem_selectors.problem_items(problem=problem)]
    seen_warnings = set(warning_list(user=user).filter(pk__in=problem.warnings.values("pk"))
                        .values_list("pk", flat=True))
    warnings = [{"warning": w, "figure": problem_selectors.figure_at(w, problem.period), "severity": severity_label(w.severity),
                 "severity_css": severity_css(w.severity), "visible": w.pk in seen_warnings}
                for w in problem.warnings.select_related("region").order_by("region__sort_order", "region__code",
                                                                             "id")]
    names = problem_selectors.region_names(codes=problem.regions)
    progress = problem_selectors.problem_progress(problems=[problem]).get(problem.pk)
    proposed = problem.status == ProblemStatus.PROPOSED
    return {
        **NAV, "page_title": f"问题整治清单 · {problem.code}", "problem": problem,
        "status_css": STATUS_CSS.get(problem.status, ""), "regions": names, "warnings": warnings,
        "items": items, "progress": progress, "trend": trend,
        "chart": _trend_option(problem, trend, compact=False), "can_manage": can_manage,
        "forms": _forms(problem, confirm=confirm, dismiss=dismiss) if can_manage and proposed else None,
        "can_finish": can_manage and problem.status == ProblemStatus.CONFIRMED
        and problem_selectors.problem_settled(problem=problem),
    }


@permission_required(Permission.VIEW_WORK)
def problem_detail(request, pk: int):
    problem = problem_or_404(request, pk)
    return render(request, "workflows/problem_detail.html", detail_context(request, problem))


def _back(problem: ProblemListItem):
    return redirect("workflows:problem", pk=problem.pk)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def problem_confirm(request, pk: int):
    problem = problem_or_404(request, pk)
    form = ConfirmForm(request.POST, prefix=f"p{problem.pk}")
    if form.is_valid():
        try:
            problem_services.problem_confirm(actor=request.user, problem=problem,
                                             lead_department=form.cleaned_data["lead_department"],
                                             deadline=form.cleaned_data["deadline"],
                                             note=form.cleaned_data["note"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            count = problem.work_items.count()
            messages.success(request, f"已列入问题整治清单，向{form.cleaned_data['lead_department'].name}和涉及的地区"
                                      f"下发任务 {count} 项。")
            return _back(problem)
    return render(request, "workflows/problem_detail.html", detail_context(request, problem, confirm=form),
                  status=400)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def problem_dismiss(request, pk: int):
    problem = problem_or_404(request, pk)
    form = DismissForm(request.POST, prefix=f"p{problem.pk}d")
    if form.is_valid():
        try:
            problem_services.problem_dismiss(actor=request.user, problem=problem, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已记为不列入问题整治清单。")
            return _back(problem)
    return render(request, "workflows/problem_detail.html", detail_context(request, problem, dismiss=form),
                  status=400)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def problem_done(request, pk: int):
    problem = problem_or_404(request, pk)
    try:
        problem_services.problem_done(actor=request.user, problem=problem)
        messages.success(request, "该问题的整治任务已全部办结，清单项记为已完成。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(problem)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def problems_propose(request):
    try:
        summary = problem_services.problem_list_propose(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        for line in summary.lines():
            messages.info(request, line)
    return redirect("workflows:problems")


urlpatterns = [
    path("problems/", problems, name="problems"),
    path("problems/propose/", problems_propose, name="problems_propose"),
    path("problems/<int:pk>/", problem_detail, name="problem"),
    path("problems/<int:pk>/confirm/", problem_confirm, name="problem_confirm"),
    path("problems/<int:pk>/dismiss/", problem_dismiss, name="problem_dismiss"),
    path("problems/<int:pk>/done/", problem_done, name="problem_done"),
]
