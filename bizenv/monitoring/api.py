"""JSON API of monitoring: warnings (list, detail, map), their lifecycle, rectification measures with evidence
and their review, rules (list, export, import), 整改方式, monitoring runs and notifications."""

from __future__ import annotations

import math

from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period, PeriodKind
from bizenv.monitoring import notify, selectors, services
from bizenv.monitoring.models import MeasureEvidence, RectificationMeasure, Warning, WarningRule
from bizenv.monitoring.schemas import (
    CloseIn,
    EffectOut,
    MapRegionOut,
    MeasureOut,
    MethodOut,
    NotificationFilters,
    NotificationPage,
    ReadIn,
    ReadOut,
    ReviewIn,
    RuleImportOut,
    RuleListOut,
    RunIn,
    RunOut,
    WarningDetailOut,
    WarningFilters,
    WarningPage,
)
from bizenv.monitoring.specs import RULE_KIND_LABELS, SEVERITY_LABELS
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["监测预警"])

MAX_PAGE_SIZE = 200
RULE_FILE_MAX_BYTES = 2 * 1024 * 1024
YAML_TYPE = "text/yaml; charset=utf-8"


# ---------------------------------------------------------------------------------------------------------
# Serialisation


def _name(user) -> str:
    return user.display_name if user is not None else ""


def _kind_label(kind: str) -> str:
    return RULE_KIND_LABELS.get(kind, kind)


def _severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


def _warning_out(w: Warning) -> dict:
    return {
        "id": w.pk, "rule": w.rule.code, "region": w.region.code, "region_name": w.region.name,
        "indicator": w.indicator_code, "indicator_name": w.indicator_name, "level1": w.level1_code,
        "kind": w.kind, "kind_label": _kind_label(w.kind), "severity": w.severity,
        "severity_label": _severity_label(w.severity), "status": w.status, "status_label": w.get_status_display(),
        "first_period": w.first_period, "last_period": w.last_period, "value": w.value, "reference": w.reference,
        "explanation": w.explanation,
        "measure_count": w.measure_count if hasattr(w, "measure_count") else w.measures.count(),
    }


def _facts_out(facts: dict) -> dict | None:
    if not facts:
        return None
    return {**facts, "extra": [{"label": label, "value": value} for label, value in facts.get("extra") or ()]}


def _evidence_out(e: MeasureEvidence) -> dict:
    return {"id": e.pk, "name": e.original_name, "kind": e.kind, "kind_label": _evidence_kind_label(e.kind),
            "content_type": e.content_type, "size": e.size_bytes, "sha256": e.sha256, "uploaded_at": e.uploaded_at,
            "url": reverse("api:monitoring_evidence", args=[e.pk])}


def _evidence_kind_label(kind: str) -> str:
    from bizenv.core.uploads import FileKind

    return FileKind(kind).label if kind in FileKind.values else kind


def _measure_out(m: RectificationMeasure) -> dict:
    return {
        "id": m.pk, "warning": m.warning_id, "method": m.method_id, "method_name": m.method.name,
        "description": m.description, "period": m.period, "status": m.status, "status_label": m.get_status_display(),
        "review_comment": m.review_comment, "department": m.department.name if m.department_id else "",
        "created_by": _name(m.created_by), "created_at": m.created_at, "reviewed_by": _name(m.reviewed_by),
        "reviewed_at": m.reviewed_at, "evidence": [_evidence_out(e) for e in m.evidence.all()],
    }


def _detail_out(request, w: Warning) -> dict:
    return {
        **_warning_out(w),
        "rule_name": w.rule.name or _kind_label(w.rule.kind), "clear_periods": w.rule.clear_periods,
        "cleared_periods": w.cleared_periods, "last_checked_period": w.last_checked_period,
        "first_measure_period": w.first_measure_period, "previous": w.previous_id,
        "acknowledged_by": _name(w.acknowledged_by), "acknowledged_at": w.acknowledged_at,
        "finished_by": _name(w.finished_by), "finished_at": w.finished_at, "close_reason": w.close_reason,
        "created_at": w.created_at, "updated_at": w.updated_at, "facts": _facts_out(w.facts),
        "history": w.history, "cases": [str(c) for c in w.cases],
        "measures": [_measure_out(m) for m in selectors.warning_measures(warning=w)],
        "is_active": w.is_active,
        "can_act": selectors.warning_can_act(user=request.user, warning=w),
        "can_manage": selectors.warning_can_manage(user=request.user, warning=w),
    }


def _rule_out(r: WarningRule) -> dict:
    return {"id": r.pk, "code": r.code, "name": r.name, "kind": r.kind, "kind_label": _kind_label(r.kind),
            "severity": r.severity, "severity_label": _severity_label(r.severity), "indicators": r.indicators,
            "level": r.level, "region_groups": r.region_groups, "params": r.params, "clear_periods": r.clear_periods,
            "description": r.description, "enabled": r.enabled, "sort_order": r.sort_order, "revision": r.revision,
            "updated_at": r.updated_at}


def _page(qs: QuerySet, *, page: int, page_size: int) -> tuple[dict, list]:
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    count = qs.count()
    page = max(1, page)
    start = (page - 1) * size
    return ({"count": count, "page": page, "page_size": size, "pages": max(1, math.ceil(count / size))},
            list(qs[start: start + size]))


# ---------------------------------------------------------------------------------------------------------
# Parsing and authorising


def _month(text: str) -> str:
    """A normalised YYYY-MM, or a Chinese error."""
    period = Period.parse(text)
    if period.kind != PeriodKind.MONTH:
        raise ApplicationError(f"监测预警按月进行，时期应为月份（如 2026-03），不能是“{period.label}”。")
    return str(period)


def _warning(request, pk: int) -> Warning:
    require(request.user, Permission.VIEW_WARNINGS)
    warning = selectors.warning_get(user=request.user, pk=pk)
    if warning is None:
        raise ApplicationError(f"预警 {pk} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    return warning


def _measure(request, pk: int) -> RectificationMeasure:
    require(request.user, Permission.VIEW_WARNINGS)
    measure = RectificationMeasure.objects.filter(pk=pk).only("id", "warning_id").first()
    if measure is None or selectors.warning_get(user=request.user, pk=measure.warning_id) is None:
        raise ApplicationError(f"整改举措 {pk} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    return measure


# ---------------------------------------------------------------------------------------------------------
# Warnings


@router.get("/warnings/", response=WarningPage, summary="预警列表（区县只见本地区，部门只见本部门牵头或负责的指标）")
def warning_list(request, filters: Query[WarningFilters]):
    require(request.user, Permission.VIEW_WARNINGS)
    qs = selectors.warning_list(
        user=request.user, region=filters.region, indicator=filters.indicator, kind=filters.kind,
        severity=filters.severity, status=filters.status, active=filters.active,
        period=_month(filters.period) if filters.period else "",
    ).annotate(measure_count=Count("measures"))
    meta, items = _page(qs, page=filters.page, page_size=filters.page_size)
    return {**meta, "items": [_warning_out(w) for w in items]}


@router.get("/warnings/{int:pk}", response=WarningDetailOut,
            summary="预警详情：预警说明的数据、各期情况、超期办件、整改举措与佐证材料、当前用户可做的操作")
def warning_detail(request, pk: int):
    return _detail_out(request, _warning(request, pk))


@router.get("/map", response=list[MapRegionOut], summary="预警地图：每个地区未办结预警的条数与最高等级")
def warning_map(request, period: str = ""):
    require(request.user, Permission.VIEW_WARNINGS)
    warnings = selectors.warning_list(user=request.user, period=_month(period) if period else "")
    found = selectors.warning_map(warnings=warnings)
    return [{"region": r.region_code, "region_name": r.region_name, "count": r.count, "severity": r.severity,
             "severity_label": _severity_label(r.severity)} for r in found.values()]


@router.post("/warnings/{int:pk}/acknowledge", response=WarningDetailOut, summary="签收预警（所属区县或牵头、责任部门）")
def warning_acknowledge(request, pk: int):
    warning = services.warning_acknowledge(actor=request.user, warning=_warning(request, pk))
    return _detail_out(request, warning)


@router.post("/warnings/{int:pk}/resolve", response=WarningDetailOut, summary="销号（营商办；预警条件消除后）")
def warning_resolve(request, pk: int):
    warning = services.warning_resolve(actor=request.user, warning=_warning(request, pk))
    return _detail_out(request, warning)


@router.post("/warnings/{int:pk}/close", response=WarningDetailOut, summary="关闭预警（营商办；须填写理由）")
def warning_close(request, pk: int, body: CloseIn):
    warning = services.warning_close(actor=request.user, warning=_warning(request, pk), reason=body.reason)
    return _detail_out(request, warning)


@router.get("/warnings/{int:pk}/effect", response=EffectOut,
            summary="整改成效：与同期未预警的同类地区对比（双重差分），含结论、说明与图表")
def warning_effect(request, pk: int):
    from bizenv.monitoring.effects import warning_effect as effect_of

    warning = _warning(request, pk)
    effect = effect_of(warning=warning)
    if effect is None:
        message = ("尚未上报整改举措，暂无整改成效。" if not warning.first_measure_period
                   else "该指标不在当前的监测范围内（或尚无监测数据），无法计算整改成效。")
        return {"warning": warning.pk, "effect": None, "message": message}
    return {"warning": warning.pk, "effect": _effect_out(effect), "message": ""}


def _effect_out(e) -> dict:
    from bizenv.monitoring.effect import DIRECTION_LABELS, effect_chart

    low, high = e.improvement_interval or (None, None)
    return {
        "region_name": e.region_name, "indicator_name": e.indicator_name, "unit": e.unit, "direction": e.direction,
        "direction_label": DIRECTION_LABELS.get(e.direction, ""), "first_measure_period": e.first_measure_period,
        "periods": list(e.periods), "treated": list(e.treated), "peer_mean": list(e.peer_mean),
        "peer_count": e.peer_count, "before_periods": list(e.before_periods),
        "after_periods": list(e.after_periods), "treated_before": e.treated_before, "treated_after": e.treated_after,
        "peers_before": e.peers_before, "peers_after": e.peers_after, "did": e.did, "se": e.se,
        "did_low": e.did_low, "did_high": e.did_high, "improvement": e.improvement, "improvement_low": low,
        "improvement_high": high, "verdict": str(e.verdict), "verdict_label": e.verdict_label,
        "sentence": e.sentence, "chart": effect_chart(e),
    }


# ---------------------------------------------------------------------------------------------------------
# Measures and evidence


@router.post("/warnings/{int:pk}/measures", response={201: MeasureOut},
             summary="上报整改举措与佐证材料（multipart：method、description、一个或多个 files）")
def measure_submit(request, pk: int, method: Form[int], description: Form[str] = "",
                   files: File[list[UploadedFile]] = None):
    warning = _warning(request, pk)
    chosen = selectors.methods_active().filter(pk=method).first()
    if chosen is None:
        raise ApplicationError("没有这个整改方式，或已停用，请重新选择。")
    measure = services.measure_submit(actor=request.user, warning=warning, method=chosen, description=description,
                                      files=files or [])
    return Status(201, _measure_out(_reloaded(measure)))


def _reloaded(measure: RectificationMeasure) -> RectificationMeasure:
    return next(m for m in selectors.warning_measures(warning=measure.warning) if m.pk == measure.pk)


@router.post("/measures/{int:pk}/review", response=MeasureOut, summary="审核整改举措：通过，或要求补充（须填写意见）")
def measure_review(request, pk: int, body: ReviewIn):
    measure = services.measure_review(actor=request.user, measure=_measure(request, pk), accept=body.accept,
                                      comment=body.comment)
    return _measure_out(_reloaded(measure))


@router.get("/evidence/{int:pk}", url_name="monitoring_evidence", summary="下载佐证材料（inline=true 时在浏览器中查看 PDF 与图片）",
            openapi_extra={"responses": {200: {"description": "佐证材料文件"}}})
def evidence_download(request, pk: int, inline: bool = False):
    from bizenv.core.uploads import upload_response

    require(request.user, Permission.VIEW_WARNINGS)
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    missing = ApplicationError(f"佐证材料 {pk} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    if evidence is None:
        raise missing
    try:
        return upload_response(path=evidence.path, display_name=evidence.original_name,
                               content_type=evidence.content_type, inline=inline)
    except Http404:
        raise missing from None


@router.get("/methods/", response=list[MethodOut], summary="整改方式")
def method_list(request):
    require(request.user, Permission.VIEW_WARNINGS)
    return [{"id": m.pk, "name": m.name, "description": m.description} for m in selectors.methods_active()]


# ---------------------------------------------------------------------------------------------------------
# Rules and runs


@router.get("/rules/", response=RuleListOut, summary="预警规则（当前发布的指标体系版本）")
def rule_list(request, system: str = ""):
    require(request.user, Permission.VIEW_WARNINGS)
    version = selectors.monitored_version(system_code=system)
    return {"system": version.system.code, "version": version.version,
            "rules": [_rule_out(r) for r in selectors.rules_of(system_version=version)]}


@router.get("/rules/export", summary="导出预警规则（YAML）",
            openapi_extra={"responses": {200: {"description": "规则文件（YAML）",
                                               "content": {"text/yaml": {"schema": {"type": "string"}}}}}})
def rule_export(request, system: str = ""):
    from bizenv.monitoring.rule_services import rules_export

    require(request.user, Permission.VIEW_WARNINGS)
    version = selectors.monitored_version(system_code=system)
    response = HttpResponse(rules_export(system_code=system).encode("utf-8"), content_type=YAML_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{version.system.code}-{version.version}-rules.yaml")
    return response


@router.post("/rules/import", response=RuleImportOut,
             summary="导入预警规则（营商办；请求体为 YAML 文本，或 multipart 的 file）；有问题时全部不导入",
             openapi_extra={"requestBody": {"content": {
                 "text/yaml": {"schema": {"type": "string"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
def rule_import(request, system: str = ""):
    from bizenv.monitoring.rule_services import rules_import

    require(request.user, Permission.MANAGE_WARNINGS)
    try:
        summary = rules_import(actor=request.user, text=_rule_text(request), system_code=system)
    except ApplicationError as exc:  # the problems are RuleProblem objects: send their Chinese lines
        raise ApplicationError(exc.message, code=exc.code, details=[str(d) for d in exc.details]) from None
    return {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
            "message": f"已导入：新增 {summary.created} 条，修改 {summary.updated} 条，未变 {summary.unchanged} 条。"}


def _rule_text(request) -> str:
    """The YAML of an import: the uploaded `file` of a multipart request, else the request body."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("请上传规则文件（字段名 file）。")
        if upload.size > RULE_FILE_MAX_BYTES:
            raise ApplicationError("规则文件超过 2 MB，请检查是否选错了文件。")
        raw = upload.read()
    else:
        if len(request.body) > RULE_FILE_MAX_BYTES:
            raise ApplicationError("规则文件超过 2 MB，请检查是否选错了文件。")
        raw = request.body
    if not raw.strip():
        raise ApplicationError("规则文件是空的。")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError("规则文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再导入。") from None


@router.post("/run", response={202: RunOut}, summary="按规则检查（营商办；在后台进行，返回后台任务编号）")
def run_request(request, body: RunIn):
    require(request.user, Permission.MANAGE_WARNINGS)
    periods = [_month(body.period)] if body.period else []
    job = services.monitoring_run_request(actor=request.user, periods=periods, reason="手动发起")
    message = "已提交后台检查。" if job is not None else "已有相同的监测检查在排队，无需重复提交。"
    return Status(202, {"job": job, "message": message})


# ---------------------------------------------------------------------------------------------------------
# Notifications


@router.get("/notifications/", response=NotificationPage, summary="站内消息（本人的）")
def notification_list(request, filters: Query[NotificationFilters]):
    require(request.user, Permission.VIEW_WARNINGS)
    qs = selectors.notifications_for(user=request.user, unread_only=filters.unread)
    meta, items = _page(qs, page=filters.page, page_size=filters.page_size)
    return {**meta, "unread": selectors.unread_count(user=request.user), "items": [
        {"id": n.pk, "kind": n.kind, "title": n.title, "body": n.body, "url": n.url, "read": n.read_at is not None,
         "read_at": n.read_at, "created_at": n.created_at} for n in items]}


@router.post("/notifications/read", response=ReadOut, summary="标记站内消息为已读（不给 id 时全部标记）")
def notification_read(request, body: ReadIn):
    require(request.user, Permission.VIEW_WARNINGS)
    return {"marked": notify.notification_read(user=request.user, pk=body.id)}
