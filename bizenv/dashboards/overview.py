"""Reads composed for the home page and the cockpit: the evaluated period a user looks at, the composite
scores and ranks of the regions the user may see, the latest published 红黑榜, the active warnings of the
monitoring app and trends; and the active warnings of one topic for the topic pages.

Everything is scoped to the user's regions (a county user sees only its own county). The figures come
from stored evaluation runs (the official ranking), never from a recomputation; the warnings are the
monitoring app's own (`monitoring.selectors.warning_list`, `warning_map`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bizenv.core.periods import Period
from bizenv.dashboards import summaries
from bizenv.dashboards.summaries import (
    CityFigures,
    IndicatorAverage,
    MenuYear,
    ScorePoint,
    TrendLine,
    WarnedRegion,
    WarningLine,
    score_changes,
    warned_regions,
)
from bizenv.datasets.bottlenecks import StepSummary, summarise_steps
from bizenv.datasets.selectors import step_statistics
from bizenv.evaluation.models import EvaluationResult, EvaluationRun, RedBlackList, ReleaseStatus
from bizenv.evaluation.release_rules import black_caption
from bizenv.evaluation.scoring import TOTAL
from bizenv.evaluation.selectors import RankingRow, release_list, run_latest_per_period, run_ranking
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.indicators.selectors import active_version, topic_list
from bizenv.monitoring.models import WarningStatus
from bizenv.monitoring.selectors import warning_list, warning_map
from bizenv.organisations.models import Region, RegionLevel
from bizenv.organisations.selectors import region_list, region_map_layer
from bizenv.reports.topic import completeness_partial

HISTORY = 24
# How many warnings of each region the home page and the cockpit spell out (the rest are counted and linked).
TOP_WARNINGS = 2


@dataclass
class Overview:
    version: SystemVersion | None
    topics: list[Indicator]
    regions: list[Region]  # every region the user may see
    city: Region | None
    counties: list[Region]  # the city's children the user may see
    own: Region | None  # the viewer's one region when the user sees a single county
    menu: list[MenuYear] = field(default_factory=list)
    period: str | None = None
    period_label: str = ""
    asked_label: str = ""  # the period asked for when it was never evaluated (the latest evaluated is shown)
    previous: str | None = None
    run: EvaluationRun | None = None
    ranking: list[RankingRow] = field(default_factory=list)  # visible ranked regions, best first
    ranked_count: int = 0  # all regions ranked in the run (ranks are out of this)
    own_row: RankingRow | None = None
    figures: CityFigures | None = None
    release: RedBlackList | None = None
    red: list[dict] = field(default_factory=list)  # 综合得分 red-list entries of visible regions
    black: list[dict] = field(default_factory=list)
    list_counts: dict = field(default_factory=dict)  # the whole release's red/black counts (综合得分)
    warning_lines: list[WarningLine] = field(default_factory=list)  # active warnings of the visible regions
    warned_regions: list[WarnedRegion] = field(default_factory=list)  # the same per region, the most severe first
    warnings_since: str = ""  # the month the warnings are counted from (their last period is this one or later)
    changes: dict = field(default_factory=dict)  # {region code: composite change against the previous period}
    trend_periods: list[str] = field(default_factory=list)
    trend: list[TrendLine] = field(default_factory=list)
    averages: list[IndicatorAverage] = field(default_factory=list)
    topic_scores: dict = field(default_factory=dict)  # {level-1 code: mean score of the visible regions}

    @property
    def scores(self) -> dict[str, float | None]:
        return {row.region.code: row.total.score if row.total else None for row in self.ranking}

    @property
    def selected_year(self) -> MenuYear | None:
        return next((y for y in self.menu if self.period and str(y.year) == self.period[:4]), None)

    @property
    def completeness(self) -> float | None:
        """The data completeness of the composite shown: the county's own, or the mean of the regions."""
        if self.own is not None:
            return self.own_row.total.completeness if self.own_row and self.own_row.total else None
        return self.figures.completeness if self.figures else None

    @property
    def black_caption(self) -> str:
        return black_caption(self.release.rules, self.list_counts.get("black", 0)) if self.release else ""

    @property
    def partial(self) -> bool:
        return completeness_partial(self.completeness)

    @property
    def own_change(self) -> float | None:
        return self.changes.get(self.own.code) if self.own else None

    @property
    def trend_change(self) -> float | None:
        """The change of the first trend line (own region, or the city mean) against the previous period."""
        if not self.trend or not self.previous or len(self.trend_periods) < 2 or self.trend_periods[-2] != self.previous:
            return None
        now, before = self.trend[0].values[-1], self.trend[0].values[-2]
        return round(now - before, 2) if now is not None and before is not None else None

    @property
    def table(self) -> list[tuple[RankingRow, float | None, WarnedRegion | None]]:
        """The ranking rows with their change against the previous period and their warnings (None if none)."""
        warned = {w.region_code: w for w in self.warned_regions}
        return [(row, self.changes.get(row.region.code), warned.get(row.region.code)) for row in self.ranking]

    @property
    def topic_cards(self) -> list[tuple[Indicator, float | None]]:
        return [(t, self.topic_scores.get(t.code)) for t in self.topics]

    @property
    def warned(self) -> set[str]:
        return {w.region_code for w in self.warned_regions}

    @property
    def warning_count(self) -> int:
        return len(self.warning_lines)

    @property
    def severity_counts(self) -> list[tuple[str, str, int]]:
        return summaries.severity_counts(self.warning_lines)

    @property
    def severity_note(self) -> str:
        """红色 2 · 橙色 5 · 黄色 9 (无 when there is no active warning)."""
        return " · ".join(f"{label} {count}" for _s, label, count in self.severity_counts) or "无"

    @property
    def warnings_since_label(self) -> str:
        return Period.parse(self.warnings_since).label if self.warnings_since else ""


def _trend_points(runs: list[EvaluationRun], codes: set[str]) -> list[ScorePoint]:
    """The composite of every visible ranked region in the given runs (the parent region excluded)."""
    parents = {run.pk: run.parent_region_id for run in runs}
    rows = (EvaluationResult.objects.filter(run__in=list(parents), indicator_code=TOTAL, region__code__in=codes)
            .values_list("run_id", "run__period", "region_id", "region__code", "region__name", "score", "rank",
                         "completeness"))
    return [ScorePoint(period=period, region_code=code, region_name=name, score=score, rank=rank,
                       completeness=completeness)
            for run_id, period, region_id, code, name, score, rank, completeness in rows
            if region_id != parents[run_id]]


def dashboard_overview(*, user, period: str = "", year: str = "", month: str = "",
                       history: int = HISTORY) -> Overview:
    """What the home page and the cockpit show for one evaluated period (the latest unless asked)."""
    regions = list(region_list(user=user))
    codes = {r.code for r in regions}
    city = next((r for r in regions if r.level == RegionLevel.CITY), None)
    counties = [r for r in regions if city and r.parent_id == city.pk]
    own = regions[0] if city is None and len(regions) == 1 else None
    version = active_version()
    ov = Overview(version=version, topics=topic_list(), regions=regions, city=city, counties=counties, own=own)
    if version is None:
        return ov
    runs = {run.period: run for run in run_latest_per_period(user=user, system_version=version)}
    ov.menu = summaries.period_menu(list(runs))
    ov.period = summaries.period_choice(list(runs), period=period, year=year, month=month)
    asked = summaries.period_asked(period=period, year=year, month=month)
    if asked and asked != ov.period:
        ov.asked_label = Period.parse(asked).label
    _attach_warnings(ov, user=user)
    if ov.period is None:
        return ov
    ov.period_label = Period.parse(ov.period).label
    ov.previous = summaries.previous_of(ov.period, list(runs))
    ov.run = runs[ov.period]
    ranking = run_ranking(run=ov.run)
    members = [row for row in ranking.rows if row.member]
    ov.ranked_count = len(members)
    ov.ranking = [row for row in members if row.region.code in codes]
    ov.own_row = next((row for row in ov.ranking if own and row.region.code == own.code), None)
    city_row = next((row for row in ranking.rows if not row.member and city and row.region.pk == city.pk), None)
    ov.figures = summaries.city_figures(
        [ScorePoint(ov.period, row.region.code, row.region.name, row.total.score if row.total else None,
                    row.total.rank if row.total else None, row.total.completeness if row.total else None)
         for row in ov.ranking],
        city_score=city_row.total.score if city_row and city_row.total else None)
    optional = {t.code for t in ov.topics if t.optional}
    ov.averages = summaries.indicator_averages(
        ranking.columns, [[c.score if c else None for c in row.cells] for row in ov.ranking], skip=optional)
    ov.topic_scores = {a.code: a.score for a in summaries.indicator_averages(
        ranking.columns, [[c.score if c else None for c in row.cells] for row in ov.ranking])}

    ov.trend_periods = summaries.history_periods(ov.period, list(runs), count=history)
    points = _trend_points([runs[p] for p in ov.trend_periods], codes)
    ov.trend = summaries.trend_lines(points, ov.trend_periods, own=own.code if own else None,
                                     own_name=own.name if own else "")

    ov.release = (release_list(user=user, system=version.system).filter(status=ReleaseStatus.PUBLISHED)
                  .order_by("-period", "-published_at", "-id").first())
    entries = ov.release.entries if ov.release else []
    ov.list_counts = summaries.list_counts(entries)
    total_entries = [e for e in entries if e.get("indicator") == TOTAL and e.get("region") in codes]
    ov.red = [e for e in total_entries if e.get("list") == "red"]
    ov.black = [e for e in total_entries if e.get("list") == "black"]
    previous_scores = {p.region_code: p.score for p in points if p.period == ov.previous}
    ov.changes = score_changes(ov.scores, previous_scores)
    return ov


def _active_warnings(*, user, period: str | None, region: str = "", indicator: str = ""):
    """The active (not yet resolved or closed) warnings the user may see — the same set the 监测预警 page lists
    by default, so the counts agree; they are today's state whatever month the page shows."""
    return warning_list(user=user, active=True, region=region, indicator=indicator)


def _lines(qs) -> list[WarningLine]:
    statuses = dict(WarningStatus.choices)
    fields = ("pk", "region__code", "region__name", "indicator_name", "kind", "severity", "first_period",
              "last_period", "explanation", "status")
    return [WarningLine(pk=pk, region_code=code, region_name=name, indicator_name=indicator, kind=kind,
                        severity=severity, first_period=first, last_period=last, explanation=explanation,
                        status_label=statuses.get(status, ""))
            for pk, code, name, indicator, kind, severity, first, last, explanation, status
            in qs.values_list(*fields)]


def _attach_warnings(ov: Overview, *, user) -> None:
    qs = _active_warnings(user=user, period=ov.period)
    ov.warnings_since = ""
    ov.warning_lines = _lines(qs)
    ov.warned_regions = warned_regions(warning_map(warnings=qs), ov.warning_lines, top=TOP_WARNINGS)


def topic_warnings(*, user, code: str, region: str = "", period: str = "") -> list[WarningLine]:
    """The active warnings of one topic (the first-level indicator or any indicator under it) in the region
    and the regions under it that the user may see, the most severe first; counted from the month shown
    like the home page's."""
    return summaries.warnings_sorted(
        _lines(_active_warnings(user=user, period=period or None, region=region, indicator=code)))


def map_centres(*, region: Region) -> dict[str, list[float]]:
    """{child code: [lng, lat]} for markers on the region's stored map (empty without a map)."""
    layer = region_map_layer(region=region)
    return summaries.feature_centres(layer.geojson) if layer else {}


@dataclass
class Bottleneck:
    period: str
    steps: list[StepSummary]
    slowest: StepSummary | None
    segment_label: str = ""  # the kind of case shown (设立), for a process whose kinds have different steps


def process_bottleneck(*, user, process: str = "business_registrations") -> Bottleneck | None:
    """The steps of a process in the user's regions (latest period) and the slowest one on average. A process
    whose kinds have different steps (设立, 变更, 简易注销) shows its first kind, never the kinds added up step by
    step; statistics stored before segments existed are shown as they are."""
    from bizenv.datasets.catalog import DATASETS, choice_label

    dataset = DATASETS.get(process)
    for segment in [*(dataset.segments[:1] if dataset else ()), ""]:
        period, rows = step_statistics(user=user, process=process, segment=segment)
        if rows:
            break
    if not rows:
        return None
    steps = summarise_steps(rows)
    timed = [s for s in steps if s.mean_days is not None]
    return Bottleneck(period=period, steps=steps, slowest=max(timed, key=lambda s: s.mean_days) if timed else None,
                      segment_label=choice_label(segment) if segment else "")
