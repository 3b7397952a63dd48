"""Reads of evaluation runs, their inputs and results, score traces and 红黑榜 releases.

Who sees what (docs/decisions/0005): rankings are comparative, so anyone with 查看分析页面 (VIEW_DASHBOARD)
sees every region's composite and first-level scores and ranks of a run, and every published release;
sub-indicator scores and the observations behind a score (the trace) only for regions the user may see;
drafts and reviewed releases only the coordinating office (REVIEW_DATA).
Values that count: observations that are approved or locked (metric-computed values are written as
approved); drafts, submitted (not yet reviewed) and returned values never enter a ranking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.periods import Period
from bizenv.datasets.catalog import DATASETS
from bizenv.evaluation.fingerprint import INPUTS_FORMAT, TOTAL, params_normalise
from bizenv.evaluation.models import EvaluationResult, EvaluationRun, RedBlackList, ReleaseRule, ReleaseStatus
from bizenv.evaluation.release_rules import DEFAULT_RULES, rules_normalise, scores_table
from bizenv.indicators.models import IndicatorSystem, SystemVersion
from bizenv.indicators.selectors import version_spec
from bizenv.indicators.specs import system_canonical, walk
from bizenv.indicators.weights import variant_conditions
from bizenv.observations.models import Observation, ObservationStatus
from bizenv.observations.rounds import cycle_kind
from bizenv.observations.selectors import observations_as_of
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, can, has_permission, require

COUNTED_STATUSES = (ObservationStatus.APPROVED, ObservationStatus.LOCKED)


def _counted(version: SystemVersion, period: str) -> QuerySet[Observation]:
    return Observation.objects.filter(system_version=version, period=period, status__in=COUNTED_STATUSES)


def evaluation_periods(*, system_version: SystemVersion) -> list[str]:
    """Every period that has counted observations for the version, oldest first."""
    periods = (Observation.objects.filter(system_version=system_version, status__in=COUNTED_STATUSES)
               .values_list("period", flat=True).distinct())
    return sorted(set(periods), key=lambda p: Period.parse(p))


def evaluation_regions_default(*, system_version: SystemVersion, period: str) -> list[Region]:
    """All children of the city whose regions have data (plus the city itself when it has observations)."""
    observed = set(_counted(system_version, period).values_list("region_id", flat=True).distinct())
    if not observed:
        return []
    parents = Counter(Region.objects.filter(pk__in=observed).exclude(parent=None).values_list("parent_id", flat=True))
    if not parents:
        return list(Region.objects.filter(pk__in=observed).order_by("path"))
    top = max(parents.items(), key=lambda kv: kv[1])[0]
    regions = list(Region.objects.filter(parent_id=top).order_by("sort_order", "code"))
    if top in observed:
        regions.insert(0, Region.objects.get(pk=top))
    return regions


def evaluation_inputs(*, system_version: SystemVersion, period: str, regions: list[Region] | None = None,
                      params: dict | None = None) -> dict[str, Any]:
    """The complete, JSON-able inputs of an evaluation (see fingerprint.py); raises ApplicationError."""
    period = str(Period.parse(period))
    regions = regions if regions is not None else evaluation_regions_default(
        system_version=system_version, period=period)
    if not regions:
        raise ApplicationError(f"{Period.parse(period).label}没有已审核的指标值，无法评价。", code=ErrorCode.NOT_FOUND)
    spec = version_spec(version=system_version)
    keys = sorted({key for when in variant_conditions(spec) for key in when})
    # A region that is the parent of others in the set (the city) is scored but not ranked among them.
    parents = {r.parent_id for r in regions}
    region_rows = []
    for region in sorted(regions, key=lambda r: r.code):
        values = region.attribute_values()
        region_rows.append({"code": region.code, "name": region.name, "member": region.pk not in parents,
                            "attributes": {k: values.get(k) for k in keys}})
    leaf_kinds = {node.code: str(cycle_kind(node.cycle or "")) for node, _p, _l in walk(spec.indicators)
                  if not node.children}
    codes = {r.pk: r.code for r in regions}
    chosen = observations_as_of(system_version=system_version, periods=[period], leaf_kinds=leaf_kinds,
                                region_ids=list(codes), statuses=COUNTED_STATUSES)[period]
    observations = []
    for (region_id, code), o in sorted(chosen.items(), key=lambda kv: (codes[kv[0][0]], kv[0][1])):
        row = {"id": o["id"], "region": codes[region_id], "indicator": code, "value": o["value"],
               "special": o["special"] or ""}
        if o["period"] != period:  # a quarterly or yearly value carried into this month
            row["period"] = o["period"]
        observations.append(row)
    try:
        params = params_normalise(params)
    except ValueError as exc:
        raise ApplicationError(str(exc)) from None
    return {"format": INPUTS_FORMAT, "period": period, "system": system_canonical(spec), "regions": region_rows,
            "observations": observations, "params": params}


# ------------------------------------------------------------------------------------------------ runs


def run_list(*, user, system_version: SystemVersion | None = None, period: str = "") -> QuerySet[EvaluationRun]:
    """Runs, newest period first; nothing without 查看分析页面."""
    if not has_permission(user, Permission.VIEW_DASHBOARD):
        return EvaluationRun.objects.none()
    # The frozen inputs are large (every observation of the run); lists never need them, and run_frame
    # reads just the parts a ranking needs.
    runs = (EvaluationRun.objects.select_related("system_version__system", "created_by", "parent_region")
            .defer("inputs"))
    if system_version is not None:
        runs = runs.filter(system_version=system_version)
    if period:
        runs = runs.filter(period=period)
    return runs.order_by("-period", "-id")


def run_latest_per_period(*, user, system_version: SystemVersion | None = None) -> list[EvaluationRun]:
    """The newest run of each (version, period); given a version, the newest run of each period under any
    version of its system, so a period evaluated under an earlier version keeps showing that evaluation
    until it is evaluated again under the new one."""
    runs = run_list(user=user)
    if system_version is not None:
        runs = runs.filter(system_version__system_id=system_version.system_id)
    seen, latest = set(), []
    for run in runs:
        key = run.period if system_version is not None else (run.system_version_id, run.period)
        if key not in seen:
            seen.add(key)
            latest.append(run)
    return latest


def run_get(*, user, pk: int) -> EvaluationRun:
    require(user, Permission.VIEW_DASHBOARD)
    run = run_list(user=user).filter(pk=pk).first()
    if run is None:
        raise ApplicationError("没有这次评价计算。", code=ErrorCode.NOT_FOUND)
    return run


_frames: dict[tuple, tuple[list[dict], list[dict]]] = {}


def run_frame(*, run: EvaluationRun) -> tuple[list[dict], list[dict]]:
    """The run's frozen indicator tree and regions (inputs["system"]["indicators"], inputs["regions"]),
    without decoding its frozen observations; cached, since a run never changes after it is created."""
    # Keyed by more than the id: ids can be reused (e.g. after a rolled-back test transaction).
    key = (run.pk, run.fingerprint, run.created_at)
    if key not in _frames:
        if "inputs" in run.get_deferred_fields():
            indicators, regions = (EvaluationRun.objects.filter(pk=run.pk)
                                   .values_list("inputs__system__indicators", "inputs__regions").get())
        else:
            indicators, regions = run.inputs["system"]["indicators"], run.inputs["regions"]
        _frames[key] = (indicators, regions)
    return _frames[key]


# What every viewer sees of every region (docs/decisions/0005): the composite score (level 0) and the
# first-level indicators (level 1), with ranks and bands, as a published 红黑榜 shows them. Deeper levels and
# the values behind a score only for the regions the user's grants cover.
PUBLIC_LEVEL = 1


def detail_visible(user) -> Callable[[Region, bool], bool] | None:
    """None when there is no user (a command, a job: everything); otherwise a test `visible(region, member)`
    of whether the user may see a region's scores below PUBLIC_LEVEL: the regions their grants cover, and
    the comparison regions outside the evaluated area (member False), whose figures are benchmarks."""
    if user is None:
        return None
    return lambda region, member: not member or can(user, Permission.VIEW_DASHBOARD, region)


def run_result_rows(*, run: EvaluationRun, user=None) -> list[dict[str, Any]]:
    """The run's stored results as plain rows (the same shape as RunScores.rows()); given a user whose
    grants are regional, other regions keep only their public levels (PUBLIC_LEVEL)."""
    members = {r["code"]: r["member"] for r in run_frame(run=run)[1]}
    visible = detail_visible(user)
    results = run.results.select_related("region").order_by("region__code", "position")
    if visible is not None:
        own = [region.pk for region in Region.objects.filter(pk__in=run.results.values("region_id"))
               if visible(region, members.get(region.code, True))]
        results = results.filter(Q(level__lte=PUBLIC_LEVEL) | Q(region_id__in=own))
    return [
        {"region": r.region.code, "region_name": r.region.name, "member": members.get(r.region.code, True),
         "code": r.indicator_code, "name": r.indicator_name, "level": r.level, "position": r.position,
         "score": r.score, "rank": r.rank, "completeness": r.completeness, "band": r.band, "status": r.status}
        for r in results
    ]


@dataclass
class RankingRow:
    region: Region
    member: bool
    total: EvaluationResult | None
    cells: list[EvaluationResult | None] = field(default_factory=list)
    # The node's children are deeper than PUBLIC_LEVEL and the user may not see this region's details.
    cells_hidden: bool = False


@dataclass
class Ranking:
    node_code: str
    node_name: str
    columns: list[tuple[str, str]]  # (code, name) of the node's children
    rows: list[RankingRow]
    # Regions left out or shown without their children's scores, because the user's grants do not cover them.
    hidden_regions: int = 0


def run_ranking(*, run: EvaluationRun, code: str = TOTAL, user=None) -> Ranking:
    """A node's ranking (TOTAL by default) with its children's scores per region, best first. Given a user
    whose grants are regional, other regions' scores deeper than PUBLIC_LEVEL are withheld: their children
    cells are hidden, and below the first level their rows are left out (their ranks stay as computed)."""
    canonical, frozen_regions = run_frame(run=run)
    if code == TOTAL:
        name, children = "综合得分", [(i["code"], i["name"]) for i in canonical if i["parent"] is None]
    else:
        node = next((i for i in canonical if i["code"] == code), None)
        if node is None:
            raise ApplicationError(f"评价中没有指标“{code}”。", code=ErrorCode.NOT_FOUND)
        name, children = node["name"], [(i["code"], i["name"]) for i in canonical if i["parent"] == code]
    level = 0 if code == TOTAL else node["level"]
    visible = detail_visible(user)
    wanted = [code] + [c for c, _n in children]
    members = {r["code"]: r["member"] for r in frozen_regions}
    by_region: dict[int, dict[str, EvaluationResult]] = {}
    results = list(run.results.filter(indicator_code__in=wanted))
    # One Region per region, not one per result row (select_related would build ~20 per region, each
    # decoding its attributes JSON).
    regions: dict[int, Region] = Region.objects.in_bulk({result.region_id for result in results})
    for result in results:
        result.region = regions[result.region_id]
        by_region.setdefault(result.region_id, {})[result.indicator_code] = result
    rows, hidden = [], 0
    for rid, cells in by_region.items():
        member = members.get(regions[rid].code, True)
        shown = visible is None or visible(regions[rid], member)
        if not shown and level > PUBLIC_LEVEL:
            hidden += 1
            continue
        withheld = not shown and level + 1 > PUBLIC_LEVEL and bool(children)
        hidden += withheld
        rows.append(RankingRow(region=regions[rid], member=member, total=cells.get(code),
                               cells=[None if withheld else cells.get(c) for c, _n in children],
                               cells_hidden=withheld))
    rows.sort(key=lambda r: (not r.member, (r.total.rank if r.total and r.total.rank else 10**9), r.region.code))
    return Ranking(node_code=code, node_name=name, columns=children, rows=rows, hidden_regions=hidden)


@dataclass
class TraceLeaf:
    code: str
    name: str
    score: float | None
    status: str
    input: dict | None  # the value frozen in the run
    observation: Observation | None  # as it is now (None when deleted)
    changed_since: bool  # the observation's value or special differs now from the frozen input
    metric: dict | None  # metric definition version and the computation (batch) behind it


@dataclass
class Trace:
    run: EvaluationRun
    region: Region
    code: str
    name: str
    score: float | None
    rank: int | None
    completeness: float | None
    leaves: list[TraceLeaf]


def score_trace(*, user, run: EvaluationRun, region: Region, indicator: str) -> Trace:
    """Score → the frozen observation values behind it → metric definition version → computation batch."""
    require(user, Permission.VIEW_DASHBOARD)
    if not can(user, Permission.VIEW_DASHBOARD, region):
        raise PermissionDenied(f"您无权查看“{region.name}”的指标值明细。")
    results = {r.indicator_code: r for r in run.results.filter(region=region)}
    if indicator not in results:
        raise ApplicationError(f"该评价中没有“{region.name}”的指标“{indicator}”。", code=ErrorCode.NOT_FOUND)
    canonical = run_frame(run=run)[0]
    children: dict[str | None, list[dict]] = {}
    for node in canonical:
        children.setdefault(node["parent"], []).append(node)
    leaves: list[dict] = []

    def collect(code: str | None) -> None:
        for node in children.get(code, []):
            if node["code"] in children:
                collect(node["code"])
            else:
                leaves.append(node)

    if indicator == TOTAL:
        collect(None)
    elif indicator in children:
        collect(indicator)
    else:
        leaves = [n for n in canonical if n["code"] == indicator]
    frozen = {o["indicator"]: o for o in run.inputs["observations"] if o["region"] == region.code}
    current = {o.pk: o for o in Observation.objects.filter(pk__in=[o["id"] for o in frozen.values()])
               .select_related("metric_definition", "metric_run", "import_batch", "reporting_round", "indicator")}
    out = []
    for node in leaves:
        given = frozen.get(node["code"])
        obs = current.get(given["id"]) if given else None
        metric = None
        if obs is not None and obs.metric_definition_id:
            d, mr = obs.metric_definition, obs.metric_run
            metric = {"code": d.code, "version": d.version, "name": d.name, "dataset": d.dataset,
                      "dataset_name": DATASETS[d.dataset].name if d.dataset in DATASETS else d.dataset,
                      "run_id": mr.pk if mr else None, "engine": mr.engine if mr else "",
                      "engine_label": mr.engine_label if mr else "",
                      "run_fingerprint": mr.fingerprint if mr else "", "records_read": mr.records_read if mr else None,
                      "finished_at": mr.finished_at if mr else None, "record_count": obs.record_count}
        changed = bool(given) and (obs is None or obs.value != given["value"] or (obs.special or "") != given["special"])
        result = results.get(node["code"])
        out.append(TraceLeaf(code=node["code"], name=node["name"], score=result.score if result else None,
                             status=result.status if result else "", input=given, observation=obs,
                             changed_since=changed, metric=metric))
    top = results[indicator]
    return Trace(run=run, region=region, code=indicator, name=top.indicator_name, score=top.score, rank=top.rank,
                 completeness=top.completeness, leaves=out)


def composite_history(*, runs: list[EvaluationRun], region: Region) -> list[tuple[str, float | None, int, int]]:
    """(period, composite score, rank or 0 when not ranked, how many regions were ranked) of the region in
    each run it was scored in, in the order of `runs`: two queries, whatever the number of runs."""
    from django.db.models import Count

    ids = [run.pk for run in runs]
    own = {run_id: (score, rank) for run_id, score, rank in EvaluationResult.objects.filter(
        run_id__in=ids, region=region, indicator_code=TOTAL).values_list("run_id", "score", "rank")}
    ranked = dict(EvaluationResult.objects.filter(run_id__in=ids, indicator_code=TOTAL, rank__isnull=False)
                  .values("run_id").annotate(n=Count("id")).values_list("run_id", "n"))
    return [(run.period, own[run.pk][0], own[run.pk][1] or 0, ranked.get(run.pk, 0)) for run in runs if run.pk in own]


# -------------------------------------------------------------------------------------------- releases


def release_rule_get(*, system: IndicatorSystem) -> dict[str, Any]:
    """The system's 红黑榜 rule, or the default (top 3 / bottom 3, overall and per first-level indicator)."""
    rule = ReleaseRule.objects.filter(system=system).first()
    return rules_normalise(rule.rules if rule else DEFAULT_RULES)


def release_list(*, user, system: IndicatorSystem | None = None) -> QuerySet[RedBlackList]:
    """Published (and superseded, marked so) releases for viewers; every release for the coordinating office."""
    if not has_permission(user, Permission.VIEW_DASHBOARD):
        return RedBlackList.objects.none()
    releases = (RedBlackList.objects.select_related("system", "run__system_version", "created_by", "reviewed_by",
                                                    "published_by")
                .defer("run__inputs"))
    if not has_permission(user, Permission.REVIEW_DATA):
        releases = releases.filter(status__in=(ReleaseStatus.PUBLISHED, ReleaseStatus.SUPERSEDED))
    if system is not None:
        releases = releases.filter(system=system)
    return releases.order_by("-period", "-id")


def release_get(*, user, pk: int) -> RedBlackList:
    require(user, Permission.VIEW_DASHBOARD)
    release = release_list(user=user).filter(pk=pk).first()
    if release is None:
        raise ApplicationError("没有这份红黑榜，或它尚未发布。", code=ErrorCode.NOT_FOUND)
    return release


def release_previous_published(*, release: RedBlackList) -> RedBlackList | None:
    """The latest published release of the same system before this one (by period, then publication)."""
    return (RedBlackList.objects.filter(system=release.system, status=ReleaseStatus.PUBLISHED,
                                        period__lte=release.period)
            .exclude(pk=release.pk).order_by("-period", "-published_at", "-id").first())


def run_scores_table(*, run: EvaluationRun, scopes: str) -> dict[str, Any]:
    # A release's frozen table holds only public levels (TOTAL and first-level), so it needs no user.
    return scores_table(run_result_rows(run=run), scopes=scopes)
