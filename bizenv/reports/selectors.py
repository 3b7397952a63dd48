"""Reads behind the topic pages and the topic report: the scope (topic, region, period) a user asked for and
the analysis results for it. The analysis itself is bizenv.analysis.reports; this module only chooses the
regions, periods and nodes, and keeps the topic's part of each result. Everything is region-scoped."""

from __future__ import annotations

from dataclasses import dataclass

from bizenv.analysis import reports as analysis
from bizenv.analysis import selectors as analysis_selectors
from bizenv.analysis.changes import delta
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.datasets.bottlenecks import summarise_regions, summarise_steps
from bizenv.datasets.catalog import DATASETS, Dataset, choice_label
from bizenv.datasets.selectors import case_volumes, step_statistics
from bizenv.evaluation.selectors import run_latest_per_period
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.indicators.selectors import active_version
from bizenv.organisations.models import Region, RegionLevel
from bizenv.organisations.permissions import Permission, regions_for
from bizenv.reports.topic import (
    ForecastLine,
    PeerRow,
    StepLine,
    SubRow,
    TopicReportData,
    completeness_partial,
    in_topic,
    mean,
)

COUNTY_LEVELS = (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE)


@dataclass(frozen=True)
class TopicScope:
    """The topic, region and period a topic page or report shows, and what the user may choose from."""

    version: SystemVersion
    indicator: Indicator
    nodes: tuple[Indicator, ...]  # the topic's sub-indicators in tree order
    region: Region
    aggregate: bool  # the region has visible counties below it (a city): its figures come from them
    peers: tuple[Region, ...]  # the visible counties shown: the city's, or those the county is compared with
    peers_complete: bool  # the user sees every region the county is ranked with (else peer ranks are hidden)
    regions: tuple[Region, ...]  # the regions the user may choose
    period: str  # "" when nothing was evaluated yet
    periods: tuple[str, ...]  # evaluated months, newest first
    segment: str = ""  # the segment of the topic's process chosen (设立, 低压居民 …); "" = every case

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def segment_label(self) -> str:
        return choice_label(self.segment) if self.segment else ""

    @property
    def level2(self) -> list[Indicator]:
        return [n for n in self.nodes if n.level == 2]


def topic_scope(*, user, code: str, region: str = "", period: str = "", segment: str = "") -> TopicScope:
    """The scope asked for: default region = the user's own (highest) region, default period = the latest
    evaluated month, default segment = every case. A region the user may not see is a not-found error, and so
    is a segment the topic's processes do not have."""
    version = active_version()
    if version is None:
        raise ApplicationError("尚未发布指标体系。", code=ErrorCode.NOT_FOUND)
    indicator = (version.indicators.filter(level=1, code=code)
                 .prefetch_related("lead_departments", "responsible_departments", "weight_variants").first())
    if indicator is None:
        raise ApplicationError(f"没有专题“{code}”。", code=ErrorCode.NOT_FOUND)
    nodes = tuple(version.indicators.filter(code__startswith=code + ".").prefetch_related("lead_departments")
                  .order_by("level", "sort_order"))
    visible = list(regions_for(user, Permission.VIEW_DASHBOARD).select_related("parent").order_by("path"))
    if not visible:
        raise ApplicationError("您没有可查看的区域。", code=ErrorCode.NOT_FOUND)
    if region:
        chosen = analysis_selectors.region_visible(user=user, code=region)
    else:
        chosen = min(visible, key=lambda r: (r.depth, r.path))
    below = [r for r in visible if r.parent_id == chosen.pk and r.level in COUNTY_LEVELS]
    if below:
        peers, complete = below, True
    else:
        # A county is ranked among all its peers; the user is shown the rows of those it may see.
        ranked = analysis_selectors.comparison_regions(user=user, region=chosen)
        seen = {r.pk for r in visible}
        peers = [r for r in ranked if r.pk in seen]
        complete = len(peers) == len(ranked)
    periods = sorted({run.period for run in run_latest_per_period(user=user, system_version=version)
                      if Period.parse(run.period).kind == "month"}, reverse=True)
    if period:
        period = str(Period.parse(period))
    elif periods:
        period = periods[0]
    if segment and segment not in {s for d in DATASETS.values() if d.topic == code for s in d.segments}:
        raise ApplicationError(f"专题“{indicator.name}”没有这个分类。", code=ErrorCode.NOT_FOUND)
    return TopicScope(version=version, indicator=indicator, nodes=nodes, region=chosen, aggregate=bool(below),
                      peers=tuple(peers), peers_complete=complete, regions=tuple(r for r in visible if r.level != RegionLevel.PROVINCE),
                      period=period, periods=tuple(periods), segment=segment)


def _tree_order(scope: TopicScope) -> list[Indicator]:
    children: dict[int, list[Indicator]] = {}
    for node in scope.nodes:
        children.setdefault(node.parent_id, []).append(node)
    out: list[Indicator] = []

    def walk(parent_id: int) -> None:
        for node in children.get(parent_id, []):
            out.append(node)
            walk(node.pk)

    walk(scope.indicator.pk)
    return out


def topic_tree_rows(*, scope: TopicScope) -> list[dict]:
    """The sub-indicators in tree order with their depth and whether they are leaves (the 测量内容 table)."""
    nodes = _tree_order(scope)
    parents = {n.parent_id for n in nodes}
    return [{"indicator": n, "depth": n.level - 1, "is_leaf": n.pk not in parents} for n in nodes]


def topic_peer_scores(*, user, scope: TopicScope, periods: list[str] | None = None,
                      codes: list[str] | None = None) -> list:
    """Value, score and rank of the peers for the topic's nodes (default: the topic only) and periods."""
    if not scope.period or not scope.peers:
        return []
    return analysis.combined_query(user=user, regions=[r.code for r in scope.peers],
                                   periods=periods or [scope.period], indicators=codes or [scope.code])


def topic_peer_changes(*, user, scope: TopicScope) -> list[PeerRow]:
    """Each peer's topic score and rank with its 同比 and 环比 score change, best first."""
    if not scope.period:
        return []
    now = Period.parse(scope.period)
    base = {"yoy": str(now.year_ago()), "pop": str(now.previous())}
    rows = topic_peer_scores(user=user, scope=scope, periods=[scope.period, base["yoy"], base["pop"]])
    score = {(r.region, r.period): r.score for r in rows}
    out = [PeerRow(code=r.region, name=r.region_name, score=r.score,
                   rank=(r.rank or None) if scope.peers_complete else None,
                   yoy_delta=delta(r.score, score.get((r.region, base["yoy"]))),
                   pop_delta=delta(r.score, score.get((r.region, base["pop"]))))
           for r in rows if r.period == scope.period]
    return sorted(out, key=lambda p: (p.score is None, -(p.score or 0), p.name))


def topic_processes(*, scope: TopicScope) -> list[Dataset]:
    """The measured processes (case datasets) that feed the topic."""
    return [d for d in DATASETS.values() if d.topic == scope.code]


def _subtree_codes(scope: TopicScope) -> set[str]:
    return {r.code for r in scope.regions if r.path.startswith(scope.region.path)}


def topic_segments(*, scope: TopicScope) -> list[dict]:
    """The segments users pick on the topic (分类): [{code, label, field_label}] of the topic's processes, in
    catalogue order; empty when no process of the topic has segments."""
    out = []
    for dataset in topic_processes(scope=scope):
        if dataset.segment_field:
            label = dataset.field(dataset.segment_field).label
            out.extend({"code": code, "label": choice_label(code), "field_label": label} for code in dataset.segments)
    return out


def _segmented_processes(scope: TopicScope) -> list[Dataset]:
    """The topic's processes that have the scope's segment (all of them for every case)."""
    return [d for d in topic_processes(scope=scope) if not scope.segment or scope.segment in d.segments]


def topic_segment_leaves(*, scope: TopicScope) -> set[str]:
    """Codes of the topic's indicators computed from the scope's segment only (their active metric definition
    filters the segment field on it, e.g. 企业设立登记耗时 for 设立); empty for every case."""
    from bizenv.datasets.models import MetricDefinition

    if not scope.segment:
        return set()
    fields = {d.code: d.segment_field for d in _segmented_processes(scope) if d.segment_field}
    out = set()
    for definition in MetricDefinition.objects.filter(is_active=True, dataset__in=list(fields),
                                                      indicator_code__startswith=scope.code + "."):
        for f in definition.spec.get("filters", []):
            if (f.get("field") == fields[definition.dataset] and f.get("op") == "eq"
                    and f.get("value") == scope.segment):
                out.add(definition.indicator_code)
    return out


def topic_bottlenecks(*, user, scope: TopicScope) -> list[dict]:
    """Per measured process: the step statistics of the period summed over the region's subtree (of the
    scope's segment's cases only when one is chosen)."""
    codes = _subtree_codes(scope)
    out = []
    for dataset in _segmented_processes(scope):
        # The kinds of a segmented process have different steps (设立登记 is not 变更登记, yet both are step 1):
        # for every case (全部) each kind gets its own table, never one table that adds steps of different kinds.
        # Statistics stored before segments existed have only the "" rows: those are shown as they are.
        by_kind = not scope.segment and bool(dataset.segments)
        entries = _step_entries(user, dataset, scope, codes, list(dataset.segments) if by_kind else [scope.segment])
        if by_kind and not entries:
            entries = _step_entries(user, dataset, scope, codes, [""])
        out += entries
    return out


def _step_entries(user, dataset: Dataset, scope: TopicScope, codes: set[str], segments: list[str]) -> list[dict]:
    """One bottleneck entry per segment that has statistics for the period in the region's subtree."""
    out = []
    for segment in segments:
        period, rows = step_statistics(user=user, process=dataset.code, period=scope.period, segment=segment)
        rows = [r for r in rows if r.region_code in codes]
        if rows:
            out.append({"dataset": dataset, "period": period, "steps": summarise_steps(rows),
                        "regions": summarise_regions(rows), "segment": segment,
                        "segment_label": choice_label(segment) if segment else "",
                        "chart_id": f"chart-steps-{dataset.code}-{segment or 'all'}"})
    return out


def topic_volumes(*, user, scope: TopicScope, months: int = 12) -> list[dict]:
    """Cases per month of each measured process in the region's subtree (the step with the most cases of each
    region counts as its cases), for the `months` months up to the period — of the scope's segment only when
    one is chosen."""
    if not scope.period:
        return []
    codes = _subtree_codes(scope)
    periods = [str(Period.parse(scope.period).shift(i - months + 1)) for i in range(months)]
    out = []
    for dataset in _segmented_processes(scope):
        volumes = case_volumes(user=user, process=dataset.code, periods=periods, region_codes=codes,
                               segment=scope.segment)
        counts = [volumes.get(period) for period in periods]
        if any(c is not None for c in counts):
            out.append({"dataset": dataset, "periods": periods, "counts": counts})
    return out


def topic_comparison(*, user, scope: TopicScope) -> dict:
    """对比分析 of a county: comparison_report kept to the topic's nodes."""
    report = analysis.comparison_report(user=user, region=scope.region, period=scope.period)
    rows = [r for r in report["comparison_rows"] if in_topic(r.code, scope.code)]
    return {**report, "comparison_rows": rows}


def topic_changes(*, user, scope: TopicScope, kind: str, top: int = 5) -> dict:
    """同比 or 环比 of a county kept to the topic's nodes, with the topic's strengths and weaknesses."""
    report = analysis.changes_report(user=user, region=scope.region, period=scope.period, kind=kind,
                                     top=10_000)
    change = report["report"]
    return {**report, "rows": [r for r in change.rows if in_topic(r.code, scope.code)],
            "strengths": [r for r in change.strengths if in_topic(r.code, scope.code)][:top],
            "weaknesses": [r for r in change.weaknesses if in_topic(r.code, scope.code)][:top]}


def topic_forecast(*, user, scope: TopicScope, history: int = 24, horizon: int = 6) -> dict:
    """Trend and forecast of a county's topic score."""
    return analysis.forecast_report(user=user, region=scope.region, period=scope.period,
                                    indicator=scope.code, history=history, horizon=horizon, measure="score")


def topic_peer_trend(*, user, scope: TopicScope, months: int = 24) -> tuple[list[str], list[float | None]]:
    """The mean topic score of the peers per month (a city's trend), oldest first."""
    if not scope.period:
        return [], []
    periods = analysis_selectors.period_history(period=scope.period, count=months)
    rows = topic_peer_scores(user=user, scope=scope, periods=periods)
    by_period: dict[str, list[float | None]] = {}
    for row in rows:
        by_period.setdefault(row.period, []).append(row.score)
    return periods, [mean(by_period.get(p, [])) for p in periods]


def topic_matrix(*, user, scope: TopicScope) -> tuple[list[Indicator], list[dict]]:
    """The topic and its level-2 indicators × peers for the period: [{region, name, cells: [score]}]."""
    codes = [scope.code, *(n.code for n in scope.level2)]
    rows = topic_peer_scores(user=user, scope=scope, codes=codes)
    cells = {(r.region, r.indicator): r for r in rows}
    out = []
    for peer in scope.peers:
        out.append({"region": peer, "cells": [cells.get((peer.code, c)) for c in codes]})
    out.sort(key=lambda x: -(x["cells"][0].score if x["cells"][0] and x["cells"][0].score is not None else -1))
    return [scope.indicator, *scope.level2], out


def _aggregate_sub_rows(*, user, scope: TopicScope) -> list[SubRow]:
    codes = [scope.code, *(n.code for n in _tree_order(scope))]
    rows = topic_peer_scores(user=user, scope=scope, codes=codes)
    refs = analysis_selectors.benchmark_refs()
    out = []
    for node in [scope.indicator, *_tree_order(scope)]:
        mine = [r for r in rows if r.indicator == node.code]
        scored = [r for r in mine if r.score is not None]
        best = max(scored, key=lambda r: r.score) if scored else None
        ref = refs.get(node.code)
        out.append(SubRow(code=node.code, name=node.name, level=node.level, unit=node.unit or "",
                          value=mean([r.value for r in mine]), score=mean([r.score for r in mine]), rank=None,
                          best_region_name=best.region_name if best else None,
                          best_region_value=best.value if best else None,
                          best_region_score=best.score if best else None,
                          benchmark_value=ref.value if ref else None, benchmark_cities=ref.cities if ref else ""))
    return out




def topic_headline(*, user, scope: TopicScope, peers: list[PeerRow] | None = None) -> dict:
    """The region's topic score, rank among its peers, and 同比/环比 score changes; for a city the mean of its
    counties' scores (no rank)."""
    if not scope.period:
        return {"score": None, "rank": None, "count": 0, "yoy": None, "pop": None, "completeness": None,
                "partial": False}
    peers = topic_peer_changes(user=user, scope=scope) if peers is None else peers
    count = sum(1 for p in peers if p.score is not None)
    if not scope.aggregate:
        # The rank among every peer, as the published evaluation ranks it (comparison_report).
        comparison = topic_comparison(user=user, scope=scope)
        top = comparison["comparison_rows"][0] if comparison["comparison_rows"] else None
        own = next((p for p in peers if p.code == scope.region.code), None)
        completeness = None
        if top is not None and top.score is not None:
            rows = analysis.combined_query(user=user, regions=[scope.region.code], periods=[scope.period],
                                           indicators=[scope.code])
            completeness = rows[0].completeness if rows else None
        return _with_completeness({"score": top.score if top else None, "rank": (top.rank or None) if top else None,
                                   "count": len(comparison["regions_compared"]),
                                   "yoy": own.yoy_delta if own else None, "pop": own.pop_delta if own else None},
                                  completeness)
    now = Period.parse(scope.period)
    yoy, pop = str(now.year_ago()), str(now.previous())
    rows = topic_peer_scores(user=user, scope=scope, periods=[scope.period, yoy, pop])
    means = {p: mean([r.score for r in rows if r.period == p]) for p in (scope.period, yoy, pop)}
    completeness = mean([r.completeness for r in rows if r.period == scope.period and r.score is not None])
    return _with_completeness({"score": means[scope.period], "rank": None, "count": count,
                               "yoy": delta(means[scope.period], means[yoy]),
                               "pop": delta(means[scope.period], means[pop])}, completeness)


def _with_completeness(headline: dict, completeness: float | None) -> dict:
    """The headline with the share of the topic's weight that had data, and whether that is too little to
    read the score as a full one (below COMPLETENESS_WARNING)."""
    return {**headline, "completeness": completeness,
            "partial": completeness_partial(completeness)}


def topic_report_data(*, user, scope: TopicScope) -> TopicReportData:
    """Everything the topic report of the region and period says (aggregates of the counties for a city)."""
    if not scope.period:
        raise ApplicationError("尚无评价结果，无法生成研判报告。")
    peers = topic_peer_changes(user=user, scope=scope)
    forecast, strengths, weaknesses = None, (), ()
    headline = topic_headline(user=user, scope=scope, peers=peers)
    score, rank, yoy, pop = headline["score"], headline["rank"], headline["yoy"], headline["pop"]
    sub_rows = topic_sub_rows(user=user, scope=scope)
    if scope.aggregate:
        history_periods, history = topic_peer_trend(user=user, scope=scope, months=12)
    else:
        try:
            yearly = topic_changes(user=user, scope=scope, kind="yoy", top=3)
            strengths = tuple(r.name for r in yearly["strengths"])
            weaknesses = tuple(r.name for r in yearly["weaknesses"])
        except ApplicationError:
            pass
        history_periods, history = (), ()
        try:
            result = topic_forecast(user=user, scope=scope)
            f = result["forecast"]
            history_periods, history = tuple(f.history_periods), tuple(f.history)
            if f.mean and all(v is not None for v in (*f.mean, *f.lower, *f.upper)):
                forecast = ForecastLine(periods=tuple(f.periods), mean=tuple(f.mean), lower=tuple(f.lower),
                                        upper=tuple(f.upper), method_label=f.method_label)
        except ApplicationError:
            pass
    processes = topic_bottlenecks(user=user, scope=scope)
    steps, process_name = (), ""
    if processes:
        first = processes[0]
        process_name = first["dataset"].name + (f"（{first['segment_label']}）" if first["segment_label"] else "")
        steps = tuple(StepLine(name=s.step_name, cases=s.cases, mean_days=s.mean_days,
                               share_over_limit=s.share_over_limit, slowest_region=s.slowest_region)
                      for s in first["steps"])
    return TopicReportData(
        topic_code=scope.code, topic_name=scope.indicator.name, definition=scope.indicator.definition or "",
        region_code=scope.region.code, region_name=scope.region.name, period=scope.period,
        aggregate=scope.aggregate, score=score, rank=rank, rank_count=headline["count"],
        yoy_delta=yoy, pop_delta=pop, sub_rows=tuple(sub_rows), peers=tuple(peers),
        history_periods=tuple(history_periods), history=tuple(history), forecast=forecast,
        process_name=process_name, steps=steps, strengths=strengths, weaknesses=weaknesses,
        completeness=headline["completeness"])


def topic_node_scores(*, user, scope: TopicScope) -> dict[str, dict]:
    """{node code: {"value", "score", "rank"}} of the region for every node of the topic — for a city the mean
    over its counties (no rank)."""
    if not scope.period:
        return {}
    if not scope.aggregate:
        return {r.code: {"value": r.value, "score": r.score, "rank": r.rank or None}
                for r in topic_comparison(user=user, scope=scope)["comparison_rows"]}
    codes = [scope.code, *(n.code for n in scope.nodes)]
    rows = topic_peer_scores(user=user, scope=scope, codes=codes)
    out: dict[str, dict] = {}
    for code in codes:
        mine = [r for r in rows if r.indicator == code]
        out[code] = {"value": mean([r.value for r in mine]), "score": mean([r.score for r in mine]), "rank": None}
    return out


def topic_sub_rows(*, user, scope: TopicScope) -> list[SubRow]:
    """The topic's nodes against the best region and the best-practice value (a city: its counties' means)."""
    if scope.aggregate:
        return _aggregate_sub_rows(user=user, scope=scope)
    return [SubRow(code=r.code, name=r.name, level=r.level, unit=r.unit if r.level > 1 else "",
                   value=r.value, score=r.score, rank=r.rank or None, best_region_name=r.best_region_name,
                   best_region_value=r.best_region_value, best_region_score=r.best_region_score,
                   benchmark_value=r.benchmark.value if r.benchmark else None,
                   benchmark_cities=r.benchmark.cities if r.benchmark else "",
                   reaches_benchmark=r.reaches_benchmark)
            for r in topic_comparison(user=user, scope=scope)["comparison_rows"]]
