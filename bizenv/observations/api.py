"""JSON API of observations: list and detail, rounds, completeness and missing data, review actions, import."""

from __future__ import annotations

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.observations import selectors, services
from bizenv.observations.checks import format_value
from bizenv.observations.models import Observation, ReportingRound
from bizenv.observations.schemas import (
    CompletenessOut,
    FlagOut,
    ImportOut,
    ObservationDetailOut,
    ObservationOut,
    ObservationPage,
    ReviewIn,
    RoundIn,
    RoundItemOut,
    RoundOut,
)
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["指标值与数据填报"])


class ObservationFilters(Schema):
    system: str = ""
    indicator: str = ""
    region: str = ""
    period: str = ""
    status: str = ""
    limit: int = 200
    offset: int = 0


def _obs_out(o: Observation) -> dict:
    return {
        "id": o.pk, "system": o.system_version.system.code, "version": o.system_version.version,
        "indicator": o.indicator.code, "indicator_name": o.indicator.name, "region": o.region.code,
        "region_name": o.region.name, "period": o.period, "value": o.value, "special": o.special,
        "value_text": format_value(o.value, o.special), "unit": o.unit, "source": o.source, "status": o.status,
        "status_label": o.get_status_display(), "department": o.department.code if o.department_id else None,
        "record_count": o.record_count, "is_outlier": o.is_outlier, "outlier_score": o.outlier_score,
        "review_comment": o.review_comment, "updated_at": o.updated_at,
    }


def _round_out(r: ReportingRound) -> dict:
    return {"id": r.pk, "system": r.system_version.system.code, "version": r.system_version.version,
            "period": r.period, "name": r.name, "deadline": r.deadline, "deadline_rule": r.deadline_rule,
            "is_open": r.is_open}


def _tally_out(t) -> dict:
    return {k: getattr(t, k) for k in ("key", "label", "owed", "done", "rate", "missing", "draft", "returned",
                                       "submitted", "approved", "locked", "overdue")}


def _observation(request, pk: int) -> Observation:
    obs = selectors.observation_get(user=request.user, pk=pk)
    if obs is None:
        raise ApplicationError(f"指标值 {pk} 不存在或无权查看。", code=ErrorCode.NOT_FOUND)
    return obs


def _round(pk: int) -> ReportingRound:
    rnd = selectors.round_get(pk=pk)
    if rnd is None:
        raise ApplicationError(f"填报批次 {pk} 不存在。", code=ErrorCode.NOT_FOUND)
    return rnd


@router.get("/", response=ObservationPage, summary="指标值列表（按区域授权过滤）")
def observation_list(request, filters: Query[ObservationFilters]):
    require(request.user, Permission.VIEW_DASHBOARD)
    qs = selectors.observation_list(user=request.user, system_code=filters.system, indicator=filters.indicator,
                                    region=filters.region, period=filters.period, status=filters.status)
    limit = max(1, min(filters.limit, 1000))
    items = qs[max(0, filters.offset): max(0, filters.offset) + limit]
    return {"count": qs.count(), "items": [_obs_out(o) for o in items]}


@router.get("/{int:pk}", response=ObservationDetailOut, summary="指标值详情（含变更记录与佐证材料）")
def observation_detail(request, pk: int):
    obs = _observation(request, pk)
    data = _obs_out(obs)
    data["note"] = obs.note
    data["revisions"] = [
        {"action": r.action, "old_values": r.old_values, "new_values": r.new_values,
         "actor": r.actor.username if r.actor_id else None, "created_at": r.created_at}
        for r in obs.revisions.all()
    ]
    data["evidence"] = [
        {"id": e.pk, "original_name": e.original_name, "sha256": e.sha256, "size_bytes": e.size_bytes,
         "uploaded_at": e.uploaded_at} for e in obs.evidence.all()
    ]
    return data


@router.post("/{int:pk}/submit", response=ObservationOut, summary="提交审核")
def observation_submit(request, pk: int):
    return _obs_out(services.observation_submit(actor=request.user, observation=_observation(request, pk)))


@router.post("/{int:pk}/approve", response=ObservationOut, summary="审核通过")
def observation_approve(request, pk: int, body: ReviewIn):
    return _obs_out(services.observation_approve(actor=request.user, observation=_observation(request, pk),
                                                 comment=body.comment))


@router.post("/{int:pk}/return", response=ObservationOut, summary="退回（须填写审核意见）")
def observation_return(request, pk: int, body: ReviewIn):
    return _obs_out(services.observation_return(actor=request.user, observation=_observation(request, pk),
                                                comment=body.comment))


@router.post("/{int:pk}/lock", response=ObservationOut, summary="锁定")
def observation_lock(request, pk: int):
    return _obs_out(services.observation_lock(actor=request.user, observation=_observation(request, pk)))


@router.get("/rounds", response=list[RoundOut], summary="填报批次")
def round_list(request):
    require(request.user, Permission.VIEW_DASHBOARD)
    return [_round_out(r) for r in selectors.round_list()]


@router.post("/rounds", response={201: RoundOut}, summary="开启填报批次（营商办）")
def round_open(request, body: RoundIn):
    from bizenv.indicators.selectors import version_find

    version = version_find(system_code=body.system, version=body.version)
    if version is None:
        raise ApplicationError(f"指标体系“{body.system}”不存在。", code=ErrorCode.NOT_FOUND)
    rnd = services.reporting_round_open(actor=request.user, system_version=version, period=body.period,
                                        deadline=body.deadline, name=body.name)
    return Status(201, _round_out(rnd))


@router.get("/rounds/{int:pk}/completeness", response=CompletenessOut, summary="填报完成情况（按部门、按区域）")
def round_completeness(request, pk: int):
    require(request.user, Permission.VIEW_DASHBOARD)
    done = selectors.round_completeness(user=request.user, reporting_round=_round(pk))
    return {"round": _round_out(done.reporting_round), "is_overdue": done.is_overdue,
            "total": _tally_out(done.total), "by_department": [_tally_out(t) for t in done.by_department],
            "by_region": [_tally_out(t) for t in done.by_region]}


@router.get("/rounds/{int:pk}/missing", response=list[RoundItemOut], summary="缺报数据清单（未填报、草稿、退回）")
def round_missing(request, pk: int, department: str = "", region: str = ""):
    require(request.user, Permission.VIEW_DASHBOARD)
    items = selectors.round_items(user=request.user, reporting_round=_round(pk), department=department,
                                  region=region)
    return [
        {"indicator": i.indicator.code, "indicator_name": i.indicator.name, "region": i.region.code,
         "region_name": i.region.name, "period": i.period, "departments": [d.code for d in i.departments],
         "status": i.status, "status_label": i.status_label, "overdue": i.overdue,
         "observation_id": i.observation.pk if i.observation else None}
        for i in items if i.status not in ("submitted", "approved", "locked")
    ]


@router.post("/rounds/{int:pk}/flag-outliers", response=FlagOut, summary="异常值检测（营商办）")
def round_flag_outliers(request, pk: int):
    rnd = _round(pk)
    return services.observation_flag_outliers(actor=request.user, system_version=rnd.system_version,
                                              period=rnd.period)


def _import_out(b) -> dict:
    return {k: getattr(b, k) for k in ("id", "filename", "status", "fatal_error", "rows_total", "rows_created",
                                       "rows_updated", "rows_unchanged", "rows_rejected", "rejections")}


@router.post("/imports", response=ImportOut, summary="上传指标值文件并预检（不保存）")
def import_preview(request, file: File[UploadedFile], round_id: Form[int | None] = None):
    rnd = _round(round_id) if round_id else None
    content = file.read(20 * 1024 * 1024 + 1)
    return _import_out(services.observation_import_preview(actor=request.user, filename=file.name or "upload",
                                                           content=content, reporting_round=rnd))


def _batch(request, pk: int):
    batch = selectors.import_get(user=request.user, pk=pk)
    if batch is None:
        raise ApplicationError(f"导入 {pk} 不存在。", code=ErrorCode.NOT_FOUND)
    return batch


@router.post("/imports/{int:pk}/commit", response=ImportOut, summary="确认导入（一次性提交）")
def import_commit(request, pk: int):
    return _import_out(services.observation_import_commit(actor=request.user, batch=_batch(request, pk)))


@router.post("/imports/{int:pk}/cancel", response=ImportOut, summary="取消导入（不保存任何数据）")
def import_cancel(request, pk: int):
    return _import_out(services.observation_import_cancel(actor=request.user, batch=_batch(request, pk)))
