"""评价与红黑榜 pages: runs by period with the composite ranking, run detail with drill-down and traces,
红黑榜 releases (create, review, publish, recompute) and their Excel/Word bulletins."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core.charts import horizontal_bar
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.evaluation import bulletins, selectors, services
from bizenv.evaluation.forms import ReleaseForm, RunForm
from bizenv.evaluation.models import RedBlackList, ReleaseStatus
from bizenv.evaluation.release_rules import LISTS, release_changes, rules_describe
from bizenv.evaluation.scoring import TOTAL
from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, active_version
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, can, has_permission

NAV = {"nav_active": "evaluation"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except ApplicationError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            raise Http404(exc.message) from None
        raise


def _release(request, pk: int):
    """The release the user may see; a draft or reviewed one they may not see is a Chinese 403, not a 404."""
    try:
        return selectors.release_get(user=request.user, pk=pk)
    except ApplicationError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        if RedBlackList.objects.filter(pk=pk).exists():
            return render(request, "site/forbidden.html", {
                "message": "这份红黑榜尚未审核发布；草稿和待发布的红黑榜只有营商办可以查看和审核，发布后即可查阅。",
            }, status=403)
        raise Http404(exc.message) from None


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _forbidden(request, needed: str):
    return render(request, "site/forbidden.html", {"needed": needed}, status=403)


@permission_required(Permission.VIEW_DASHBOARD)
def run_list(request):
    is_office = has_permission(request.user, Permission.REVIEW_DATA)
    version = active_version(system_code=request.GET.get("system") or DEFAULT_SYSTEM_CODE)
    if version is None:  # no default system: the system of the latest run, if any
        latest = selectors.run_list(user=request.user).first()
        version = latest.system_version if latest else None
    form = RunForm(request.POST or None)
    if request.method == "POST":
        if not is_office:
            return _forbidden(request, "数据审核")
        if version is None:
            messages.error(request, "尚未发布指标体系，无法评价。")
        elif form.is_valid():
            try:
                run = services.evaluation_run_create(actor=request.user, system_version=version,
                                                     period=form.cleaned_data["period"])
                messages.success(request, f"已完成 {run.period} 的评价计算（指纹 {run.fingerprint[:12]}…）。")
                return redirect("evaluation:run", pk=run.pk)
            except ApplicationError as exc:
                messages.error(request, str(exc))
    runs = selectors.run_latest_per_period(user=request.user, system_version=version) if version else []
    period = request.GET.get("period") or (runs[0].period if runs else "")
    current = next((r for r in runs if r.period == period), None)
    ranking = selectors.run_ranking(run=current, user=request.user) if current else None
    chart = None
    if ranking:
        chart = horizontal_bar([(row.region.name, round(row.total.score, 2)) for row in ranking.rows
                                if row.member and row.total and row.total.score is not None],
                               value_label="综合得分", unit="分")
    return render(request, "evaluation/runs.html", {
        **NAV, "page_title": "评价与红黑榜", "version": version, "runs": runs, "current": current,
        "ranking": ranking, "chart": chart, "form": form, "is_office": is_office,
        "releases": selectors.release_list(user=request.user)[:5],
    })


@permission_required(Permission.VIEW_DASHBOARD)
def run_detail(request, pk: int):
    run = _get(selectors.run_get, user=request.user, pk=pk)
    code = request.GET.get("node", TOTAL)
    ranking = _get(selectors.run_ranking, run=run, code=code, user=request.user)
    canonical = selectors.run_frame(run=run)[0]
    level1 = [(i["code"], i["name"]) for i in canonical if i["parent"] is None]
    children = {i["parent"] for i in canonical}
    # The trace shows the values behind a score: only for the regions the user's grants cover.
    traceable = {row.region.pk for row in ranking.rows if can(request.user, Permission.VIEW_DASHBOARD, row.region)}
    return render(request, "evaluation/run.html", {
        **NAV, "page_title": f"{Period.parse(run.period).label}评价结果", "run": run, "ranking": ranking,
        "traceable": traceable,
        "level1": level1, "drillable": children, "is_office": has_permission(request.user, Permission.REVIEW_DATA),
        "releases": run.releases.all() if has_permission(request.user, Permission.REVIEW_DATA)
        else run.releases.filter(status=ReleaseStatus.PUBLISHED),
    })


@permission_required(Permission.VIEW_DASHBOARD)
def trace(request, pk: int, region_code: str, code: str):
    run = _get(selectors.run_get, user=request.user, pk=pk)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise Http404("没有这个区域")
    try:
        t = _get(selectors.score_trace, user=request.user, run=run, region=region, indicator=code)
    except ApplicationError as exc:
        return render(request, "site/forbidden.html", {"message": exc.message}, status=403)
    return render(request, "evaluation/trace.html", {**NAV, "page_title": "得分溯源", "trace": t, "run": run})


@permission_required(Permission.VIEW_DASHBOARD)
def release_list(request):
    return render(request, "evaluation/releases.html", {
        **NAV, "page_title": "红黑榜", "releases": selectors.release_list(user=request.user),
        "is_office": has_permission(request.user, Permission.REVIEW_DATA),
    })


@permission_required(Permission.REVIEW_DATA)
def release_new(request, run_pk: int):
    run = _get(selectors.run_get, user=request.user, pk=run_pk)
    system = run.system_version.system
    initial = {**selectors.release_rule_get(system=system)}
    form = ReleaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rules = form.cleaned_data["rules"]
            if form.cleaned_data["save_default"]:
                services.release_rule_save(actor=request.user, system=system, rules=rules)
            release = services.red_black_list_create(actor=request.user, run=run, rules=rules,
                                                     title=form.cleaned_data["title"],
                                                     note=form.cleaned_data["note"])
            messages.success(request, f"已生成“{release.title}”草稿，请由营商办其他同志审核后发布。")
            return redirect("evaluation:release", pk=release.pk)
        except ApplicationError as exc:
            messages.error(request, str(exc))
    return render(request, "evaluation/release_new.html", {
        **NAV, "page_title": "生成红黑榜", "run": run, "form": form})


def _entries_by_scope(release) -> list[dict]:
    scopes = []
    for scope in release.scores["scopes"]:
        mine = [e for e in release.entries if e["indicator"] == scope["code"]]
        scopes.append({"code": scope["code"], "name": scope["name"],
                       "red": [e for e in mine if e["list"] == "red"],
                       "black": [e for e in mine if e["list"] == "black"]})
    return scopes


@permission_required(Permission.VIEW_DASHBOARD)
def release_detail(request, pk: int):
    release = _release(request, pk)
    if isinstance(release, HttpResponse):
        return release
    if release.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.SUPERSEDED):  # frozen at publication
        changes, compared = release.changes, release.compared_with
    else:
        compared = selectors.release_previous_published(release=release)
        changes = release_changes(current_entries=release.entries, current_scores=release.scores,
                                  previous_entries=compared.entries, previous_scores=compared.scores) \
            if compared else {}
    return render(request, "evaluation/release.html", {
        **NAV, "page_title": release.title, "release": release, "scopes": _entries_by_scope(release),
        "changes": changes, "compared": compared, "rules_text": rules_describe(release.rules),
        "list_labels": LISTS, "is_office": has_permission(request.user, Permission.REVIEW_DATA),
        "is_creator": release.created_by_id == request.user.pk,
    })


@require_POST
@permission_required(Permission.REVIEW_DATA)
def release_action(request, pk: int, action: str):
    release = _release(request, pk)
    if isinstance(release, HttpResponse):
        return release
    act = {"review": services.red_black_list_review, "return": services.red_black_list_return,
           "publish": services.red_black_list_publish}.get(action)
    if act is None:
        raise Http404("未知操作")
    try:
        release = act(actor=request.user, release=release)
        messages.success(request, {"review": "已审核。", "return": "已退回为草稿。", "publish": "已发布，名单与得分已冻结。"}[action])
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect("evaluation:release", pk=release.pk)


@permission_required(Permission.VIEW_DASHBOARD)
def release_recompute(request, pk: int):
    release = _release(request, pk)
    if isinstance(release, HttpResponse):
        return release
    report = services.release_recompute(release=release)
    return render(request, "evaluation/recompute.html", {
        **NAV, "page_title": "重算核验", "release": release, "report": report})


@permission_required(Permission.VIEW_DASHBOARD)
def release_excel(request, pk: int):
    release = _release(request, pk)
    if isinstance(release, HttpResponse):
        return release
    return _download(bulletins.bulletin_excel(release), f"{release.title}.xlsx", XLSX)


@permission_required(Permission.VIEW_DASHBOARD)
def release_word(request, pk: int):
    release = _release(request, pk)
    if isinstance(release, HttpResponse):
        return release
    return _download(bulletins.bulletin_word(release), f"{release.title}.docx", DOCX)
