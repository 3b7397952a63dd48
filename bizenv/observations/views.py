"""Reporting pages (数据填报): rounds, owed rows, entry, review, completeness, Excel template and import."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.core.exports import csv_bytes
from bizenv.observations import selectors, services
from bizenv.observations.charts import completeness_bar
from bizenv.observations.checks import format_value
from bizenv.observations.commands import EXPORT_COLUMNS
from bizenv.observations.forms import EntryForm, ImportForm, ReviewForm, RoundOpenForm
from bizenv.observations.models import ObservationSource
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, can, has_permission
from bizenv.organisations.selectors import department_list

NAV = {"nav_active": "reporting"}
REVISION_LABELS = {
    "create": "新建", "update": "修改", "submit": "提交审核", "approve": "审核通过", "return": "退回",
    "lock": "锁定", "evidence_add": "上传佐证材料", "evidence_remove": "删除佐证材料",
    "revise": "修改已审核值（重新提交审核）",
}
SAVE_LABELS = {
    "approve": "保存（营商办录入，直接生效）", "draft": "保存草稿", "keep": "保存修改（仍待审核）",
    "resubmit": "修改并重新提交审核",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round_or_404(pk: int):
    rnd = selectors.round_get(pk=pk)
    if rnd is None:
        raise Http404("没有这个填报批次")
    return rnd


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _errors(request, exc: ApplicationError) -> None:
    messages.error(request, str(exc))


@permission_required(Permission.VIEW_DASHBOARD)
def reporting_home(request):
    is_office = has_permission(request.user, Permission.REVIEW_DATA)
    form = RoundOpenForm(request.POST or None)
    if request.method == "POST":
        if not is_office:
            messages.error(request, "只有营商办可以开启填报批次。")
        elif form.is_valid():
            try:
                rnd = services.reporting_round_open(actor=request.user, system_version=form.cleaned_data["version"],
                                                    period=form.cleaned_data["period"],
                                                    deadline=form.cleaned_data["deadline"],
                                                    name=form.cleaned_data["name"])
                messages.success(request, f"已开启“{rnd.name}”，截止日期 {rnd.deadline:%Y-%m-%d}。")
                return redirect("reporting:round", pk=rnd.pk)
            except ApplicationError as exc:
                _errors(request, exc)
    rounds = []
    for rnd in selectors.round_list()[:24]:
        done = selectors.round_completeness(user=request.user, reporting_round=rnd)
        mine = selectors.round_items(user=request.user, reporting_round=rnd, mine=True)
        rounds.append({"round": rnd, "done": done, "mine_total": len(mine),
                       "mine_open": sum(1 for i in mine if i.status in ("missing", "draft", "returned"))})
    return render(request, "observations/home.html", {
        **NAV, "page_title": "数据填报", "rounds": rounds, "form": form, "is_office": is_office,
        "can_report": has_permission(request.user, Permission.REPORT_DATA),
        "imports": selectors.import_list(user=request.user)[:10],
    })


@permission_required(Permission.VIEW_DASHBOARD)
def round_detail(request, pk: int):
    rnd = _round_or_404(pk)
    is_office = has_permission(request.user, Permission.REVIEW_DATA)
    can_report = has_permission(request.user, Permission.REPORT_DATA)
    mine = request.GET.get("scope", "mine" if can_report and not is_office else "all") == "mine"
    filters = {k: request.GET.get(k, "") for k in ("department", "region", "status")}
    items = selectors.round_items(user=request.user, reporting_round=rnd, mine=mine, **filters)
    return render(request, "observations/round.html", {
        **NAV, "page_title": rnd.name, "round": rnd, "items": items, "mine": mine, "filters": filters,
        "is_office": is_office, "can_report": can_report, "departments": department_list(),
        "regions": selectors.reporting_regions(), "status_labels": selectors.STATUS_LABELS,
        "review_form": ReviewForm(),
    })


@require_POST
@permission_required(Permission.VIEW_DASHBOARD)
def round_bulk(request, pk: int):
    rnd = _round_or_404(pk)
    action = request.POST.get("action", "")
    try:
        if action == "submit":
            items = selectors.round_items(user=request.user, reporting_round=rnd, mine=True)
            done, skipped = services.observations_submit_many(
                actor=request.user, observations=[i.observation for i in items if i.observation is not None])
            messages.success(request, f"已提交 {done} 项。" + (f"另有 {len(skipped)} 项未提交。" if skipped else ""))
        elif action in ("approve", "lock"):
            items = selectors.round_items(user=request.user, reporting_round=rnd)
            count = services.observations_review_many(
                actor=request.user, observations=[i.observation for i in items if i.observation is not None],
                action=action)
            messages.success(request, f"已{'审核通过' if action == 'approve' else '锁定'} {count} 项。")
        elif action in ("close", "reopen"):
            services.reporting_round_update(actor=request.user, reporting_round=rnd, is_open=action == "reopen")
            messages.success(request, "已关闭填报。" if action == "close" else "已重新开放填报。")
        elif action == "flag":
            result = services.observation_flag_outliers(actor=request.user, system_version=rnd.system_version,
                                                        period=rnd.period)
            messages.success(request, f"异常值检测完成：检查 {result['checked']} 项，疑似异常 {result['flagged']} 项。")
    except ApplicationError as exc:
        _errors(request, exc)
    return redirect(request.POST.get("next") or reverse("reporting:round", args=[rnd.pk]))


def _item_or_404(request, rnd, indicator_id: int, region_code: str):
    for item in selectors.round_items(user=request.user, reporting_round=rnd, region=region_code):
        if item.indicator.pk == indicator_id:
            return item
    raise Http404("本批次没有这一填报项，或您无权查看")


@permission_required(Permission.VIEW_DASHBOARD)
def entry(request, pk: int, indicator_id: int, region_code: str):
    rnd = _round_or_404(pk)
    item = _item_or_404(request, rnd, indicator_id, region_code)
    obs = item.observation
    initial = {"value": format_value(obs.value, "") if obs else "", "special": obs.special if obs else "",
               "note": obs.note if obs else ""}
    form = EntryForm(request.POST or None, request.FILES or None, initial=initial)
    save_effect = services.observation_save_effect(actor=request.user, observation=obs, region=item.region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department = request.user.department if can(request.user, Permission.REPORT_DATA, item.region) else None
            evidence = None
            if data["evidence"]:  # a refused file saves nothing, not even the value typed with it
                evidence = (data["evidence"].name, data["evidence"].read(services.EVIDENCE_MAX_BYTES + 1))
                services.evidence_check(filename=evidence[0], content=evidence[1])
            with transaction.atomic():
                obs, outcome = services.observation_upsert(
                    actor=request.user, system_version=rnd.system_version, indicator=item.indicator,
                    region=item.region, period=item.period, value=data["value"], special=data["special"] or "",
                    source=ObservationSource.REPORT, department=department, reporting_round=rnd,
                    note=data["note"],
                )
                if evidence is not None:
                    services.evidence_add(actor=request.user, observation=obs, filename=evidence[0],
                                          content=evidence[1])
            text = {"created": "已保存。", "updated": "已更新。", "unchanged": "内容没有变化。"}[outcome]
            if outcome == "updated" and save_effect == "resubmit":
                text = "已修改已审核值，已重新提交审核；须由营商办其他审核人员审核通过后生效。"
            if request.POST.get("and_submit") and obs.status in ("draft", "returned"):
                services.observation_submit(actor=request.user, observation=obs)
                text += "已提交营商办审核。"
            messages.success(request, f"{item.indicator.name}·{item.region.name}：{text}")
            return redirect(reverse("reporting:entry", args=[rnd.pk, item.indicator.pk, item.region.code]))
        except ApplicationError as exc:
            field = getattr(exc, "field", "")
            target = {"数值": "value", "特殊值": "special", "佐证材料": "evidence"}.get(field)
            if target:
                form.add_error(target, exc.message)
            else:
                _errors(request, exc)
    if obs is not None:
        obs = selectors.observation_get(user=request.user, pk=obs.pk)
        for revision in obs.revisions.all():
            revision.label = REVISION_LABELS.get(revision.action, revision.action)
        obs.outlier_explanation = selectors.observation_outlier_explanation(observation=obs)
    return render(request, "observations/entry.html", {
        **NAV, "page_title": f"填报：{item.indicator.name}", "round": rnd, "item": item, "obs": obs,
        "form": form, "review_form": ReviewForm(), "save_label": SAVE_LABELS.get(save_effect, "保存"), "is_office": can(request.user, Permission.REVIEW_DATA, item.region),
        "may_write": item.mine or can(request.user, Permission.REVIEW_DATA, item.region),
    })


@require_POST
@permission_required(Permission.VIEW_DASHBOARD)
def observation_action(request, obs_pk: int, action: str):
    obs = selectors.observation_get(user=request.user, pk=obs_pk)
    if obs is None:
        raise Http404("没有这个指标值")
    form = ReviewForm(request.POST)
    comment = form.data.get("comment", "")
    try:
        if action == "submit":
            services.observation_submit(actor=request.user, observation=obs)
        elif action == "approve":
            services.observation_approve(actor=request.user, observation=obs, comment=comment)
        elif action == "return":
            services.observation_return(actor=request.user, observation=obs, comment=comment)
        elif action == "lock":
            services.observation_lock(actor=request.user, observation=obs)
        elif action == "remove-evidence":
            evidence = obs.evidence.filter(pk=request.POST.get("evidence")).first()
            if evidence is not None:
                services.evidence_remove(actor=request.user, evidence=evidence)
        else:
            raise Http404("没有这个操作")
        labels = {"submit": "已提交审核", "approve": "已审核通过", "return": "已退回", "lock": "已锁定",
                  "remove-evidence": "已删除佐证材料"}
        messages.success(request, f"{obs.indicator.name}·{obs.region.name}：{labels[action]}。")
    except ApplicationError as exc:
        _errors(request, exc)
    return redirect(request.POST.get("next") or reverse("reporting:home"))


@permission_required(Permission.VIEW_DASHBOARD)
def completeness(request, pk: int):
    rnd = _round_or_404(pk)
    done = selectors.round_completeness(user=request.user, reporting_round=rnd)
    return render(request, "observations/completeness.html", {
        **NAV, "page_title": f"{rnd.name} · 完成情况", "round": rnd, "done": done,
        "dept_chart": completeness_bar(done.by_department), "region_chart": completeness_bar(done.by_region),
        "is_office": has_permission(request.user, Permission.REVIEW_DATA),
        "outliers": selectors.observation_list(user=request.user, version=rnd.system_version).filter(
            is_outlier=True, period__in={i.period for i in selectors.round_items(
                user=request.user, reporting_round=rnd)} | {rnd.period})[:100],
    })


@permission_required(Permission.VIEW_DASHBOARD)
def round_template(request, pk: int):
    rnd = _round_or_404(pk)
    content = selectors.round_template(user=request.user, reporting_round=rnd)
    return _download(content, f"{rnd.name}-填报模板.xlsx", XLSX)


@permission_required(Permission.VIEW_DASHBOARD)
def import_new(request):
    rnd = _round_or_404(int(request.GET["round"])) if request.GET.get("round", "").isdigit() else None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.observation_import_preview(
                actor=request.user, filename=upload.name, content=upload.read(20 * 1024 * 1024 + 1),
                reporting_round=rnd)
            return redirect("reporting:import_detail", pk=batch.pk)
        except ApplicationError as exc:
            _errors(request, exc)
    return render(request, "observations/import_new.html", {
        **NAV, "page_title": "Excel 导入", "form": form, "round": rnd,
    })


def _batch_or_404(request, pk: int):
    batch = selectors.import_get(user=request.user, pk=pk)
    if batch is None:
        raise Http404("没有这个导入")
    return batch


@permission_required(Permission.VIEW_DASHBOARD)
def import_detail(request, pk: int):
    batch = _batch_or_404(request, pk)
    show = request.GET.get("show", "")
    rows = [r for r in batch.preview if not show or r["outcome"] == show]
    return render(request, "observations/import_detail.html", {
        **NAV, "page_title": f"导入：{batch.filename}", "batch": batch, "rows": rows[:2000],
        "hidden": max(0, len(rows) - 2000), "show": show,
        "outcome_labels": {"created": "新增", "updated": "更新", "unchanged": "未变", "rejected": "拒绝"},
    })


@require_POST
@permission_required(Permission.VIEW_DASHBOARD)
def import_decide(request, pk: int, decision: str):
    batch = _batch_or_404(request, pk)
    try:
        if decision == "commit":
            batch = services.observation_import_commit(actor=request.user, batch=batch)
            messages.success(request, f"已导入：新增 {batch.rows_created}，更新 {batch.rows_updated}，"
                                      f"未变 {batch.rows_unchanged}，拒绝 {batch.rows_rejected}。")
        elif decision == "cancel":
            services.observation_import_cancel(actor=request.user, batch=batch)
            messages.success(request, "已取消导入，未保存任何数据。")
        else:
            raise Http404("没有这个操作")
    except ApplicationError as exc:
        _errors(request, exc)
    except Exception as exc:  # a fatal error: the service rolled everything back and recorded why
        messages.error(request, f"导入失败，未保存任何数据：{exc}")
    return redirect("reporting:import_detail", pk=batch.pk)


@permission_required(Permission.VIEW_DASHBOARD)
def import_annotated(request, pk: int):
    batch = _batch_or_404(request, pk)
    if not batch.rejections or not batch.stored_file:
        raise Http404("该导入没有被拒绝的行")
    stem = batch.filename.rsplit(".", 1)[0]
    return _download(selectors.import_annotated(batch=batch), f"{stem}-错误说明.xlsx", XLSX)


@permission_required(Permission.VIEW_DASHBOARD)
def export_csv(request):
    rows = selectors.observation_export_rows(user=request.user, system_code=request.GET.get("system", ""),
                                             period=request.GET.get("period", ""))
    name = f"指标值-{request.GET.get('period') or '全部'}.csv"
    return _download(csv_bytes(EXPORT_COLUMNS, rows), name, "text/csv; charset=utf-8")

