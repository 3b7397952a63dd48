"""JSON API of evaluation runs (scores, ranks, traces) and 红黑榜 releases."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.evaluation import selectors, services
from bizenv.evaluation.models import EvaluationRun, RedBlackList
from bizenv.evaluation.schemas import (
    RecomputeOut,
    ReleaseDetailOut,
    ReleaseIn,
    ReleaseOut,
    RunDetailOut,
    RunIn,
    RunOut,
    TraceOut,
)
from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, version_find
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["评价与红黑榜"])


class RunFilters(Schema):
    period: str = ""
    limit: int = 100


def _run_out(run: EvaluationRun) -> dict:
    return {"id": run.pk, "system": run.system_version.system.code, "version": run.system_version.version,
            "period": run.period, "fingerprint": run.fingerprint, "region_count": run.region_count,
            "observation_count": run.observation_count, "params": run.params, "created_at": run.created_at}


def _release_out(r: RedBlackList, *, deep: bool = False) -> dict:
    out = {"id": r.pk, "title": r.title, "system": r.system.code, "period": r.period, "status": r.status,
           "status_label": r.get_status_display(), "run": r.run_id, "fingerprint": r.fingerprint,
           "content_hash": r.content_hash, "rules": r.rules, "created_at": r.created_at,
           "published_at": r.published_at, "superseded_by": r.superseded_by_id}
    if deep:
        out.update(entries=r.entries, scores=r.scores, changes=r.changes)
    return out


@router.get("/runs", response=list[RunOut], summary="评价计算列表")
def runs(request, filters: Query[RunFilters]):
    require(request.user, Permission.VIEW_DASHBOARD)
    found = selectors.run_list(user=request.user, period=filters.period)[: max(1, min(filters.limit, 500))]
    return [_run_out(r) for r in found]


@router.post("/runs", response={201: RunOut}, summary="对一个时期进行评价计算（营商办）")
def run_create(request, body: RunIn):
    require(request.user, Permission.REVIEW_DATA)
    version = version_find(system_code=body.system or DEFAULT_SYSTEM_CODE, version=body.version or None)
    if version is None:
        raise ApplicationError("没有这个指标体系或版本。", code=ErrorCode.NOT_FOUND)
    run = services.evaluation_run_create(actor=request.user, system_version=version, period=body.period)
    return Status(201, _run_out(run))


@router.get("/runs/{run_id}", response=RunDetailOut, summary="评价计算详情：每个地区每个指标的得分、排名、完整度、等级（其他地区只含综合得分与一级指标）")
def run_detail(request, run_id: int):
    run = selectors.run_get(user=request.user, pk=run_id)
    results = [{"region": r["region"], "region_name": r["region_name"], "indicator": r["code"],
                "indicator_name": r["name"], "level": r["level"], "score": r["score"], "rank": r["rank"],
                "completeness": r["completeness"], "band": r["band"], "status": r["status"]}
               for r in selectors.run_result_rows(run=run, user=request.user)]
    return {**_run_out(run), "results": results}


@router.get("/runs/{run_id}/trace", response=TraceOut, summary="得分溯源：得分 → 指标值 → 指标口径版本 → 计算批次")
def trace(request, run_id: int, region: str, indicator: str = "TOTAL"):
    run = selectors.run_get(user=request.user, pk=run_id)
    place = Region.objects.filter(code=region).first()
    if place is None:
        raise ApplicationError("没有这个区域。", code=ErrorCode.NOT_FOUND)
    t = selectors.score_trace(user=request.user, run=run, region=place, indicator=indicator)
    leaves = []
    for leaf in t.leaves:
        obs = leaf.observation
        leaves.append({
            "indicator": leaf.code, "indicator_name": leaf.name, "score": leaf.score, "status": leaf.status,
            "observation_id": leaf.input["id"] if leaf.input else None,
            "value": leaf.input["value"] if leaf.input else None,
            "special": leaf.input["special"] if leaf.input else "", "changed_since_run": leaf.changed_since,
            "current_value": obs.value if obs else None, "observation_status": obs.status if obs else "",
            "source": obs.source if obs else "", "metric": leaf.metric,
        })
    return {"run": run.pk, "fingerprint": run.fingerprint, "region": place.code, "region_name": place.name,
            "indicator": t.code, "indicator_name": t.name, "score": t.score, "rank": t.rank,
            "completeness": t.completeness, "leaves": leaves}


@router.get("/releases", response=list[ReleaseOut], summary="红黑榜列表（非营商办只见已发布）")
def releases(request):
    require(request.user, Permission.VIEW_DASHBOARD)
    return [_release_out(r) for r in selectors.release_list(user=request.user)[:200]]


@router.post("/releases", response={201: ReleaseDetailOut}, summary="由评价计算生成红黑榜草稿（营商办）")
def release_create(request, body: ReleaseIn):
    require(request.user, Permission.REVIEW_DATA)
    run = selectors.run_get(user=request.user, pk=body.run)
    release = services.red_black_list_create(actor=request.user, run=run, rules=body.rules, title=body.title)
    return Status(201, _release_out(release, deep=True))


@router.get("/releases/{release_id}", response=ReleaseDetailOut, summary="红黑榜详情：上榜名单、得分、与上次发布相比的变化")
def release_detail(request, release_id: int):
    return _release_out(selectors.release_get(user=request.user, pk=release_id), deep=True)


@router.get("/releases/{release_id}/recompute", response=RecomputeOut, summary="从冻结的输入重算并比对")
def release_recompute(request, release_id: int):
    release = selectors.release_get(user=request.user, pk=release_id)
    report = services.release_recompute(release=release)
    return {"identical": report.identical, "fingerprint_matches": report.fingerprint_matches,
            "content_hash_matches": report.content_hash_matches, "differences": report.differences}


@router.post("/releases/{release_id}/{action}", response=ReleaseDetailOut,
             summary="审核（review）、退回（return）或发布（publish）红黑榜（营商办）")
def release_action(request, release_id: int, action: str):
    require(request.user, Permission.REVIEW_DATA)
    release = selectors.release_get(user=request.user, pk=release_id)
    act = {"review": services.red_black_list_review, "return": services.red_black_list_return,
           "publish": services.red_black_list_publish}.get(action)
    if act is None:
        raise ApplicationError("未知操作，应为 review、return 或 publish。", code=ErrorCode.NOT_FOUND)
    return _release_out(act(actor=request.user, release=release), deep=True)
