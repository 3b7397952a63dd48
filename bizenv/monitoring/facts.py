"""The stored facts behind two warning kinds: 办件超期 (overdue, from the raw-record lake) and 逾期未报
(missing_report, from reporting rounds), as the plain dataclasses of `specs` that the rules evaluate.

Overdue cases. A case's duration is the seed-004 working-day duration the metric definitions use
(`WorkCalendar`: working days after the start date up to and including the end date, at least 0.5), computed in
DuckDB by joining the calendar's workday table on both dates, exactly as `datasets.engine` does; a date the
calendar does not cover is the calendar's Chinese error, never a guess. The facts are the state at the check date
`as_of`: a case started after `as_of` is not counted; a case finished on or before `as_of` is finished, and late
when its duration exceeds its limit; any other case is open, and open-overdue when the working days from its start
to `as_of` (same rule) exceed its limit. A case without a limit can be neither.

Cases are placed in the month of their start (`applied_at` for service_cases) — the dataset's time field, which
also partitions the lake — so a month's facts read only that month's files and a check repeated with the same
`as_of` gives the same numbers. (The metric 按承诺时限办结率 places finished cases by `completed_at` instead; a
month's late share here is over the cases applied in it.)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.datasets.catalog import DATASETS, dataset_get
from bizenv.datasets.lake import lake_files
from bizenv.monitoring.specs import MissingReportFact, OverdueFact
from bizenv.workdays.calendar import MIN_STEP_DAYS, WorkCalendar, uncovered_message

MAX_CASES = 500
DEFAULT_DATASET = "service_cases"


@dataclass(frozen=True)
class OverdueSource:
    """Where a dataset keeps what overdue needs: start and end timestamps, the limit in working days, and the
    fields shown in the drill-down (`step` for datasets whose rows are steps of a case)."""

    start: str
    end: str
    limit: str
    item: str
    department: str | None = None
    step: str | None = None


OVERDUE_SOURCES: dict[str, OverdueSource] = {
    "service_cases": OverdueSource("applied_at", "completed_at", "statutory_limit_days", "item_name",
                                   department="department_code"),
    # One row per step of a case: a step is late against its own limit (环节时限), as the bottleneck statistics count.
    "process_steps": OverdueSource("started_at", "finished_at", "limit_days", "step_name", step="step_no"),
}


@dataclass(frozen=True)
class OverdueCase:
    """One late or open-overdue case (a step, for process_steps) as of the check date, for the drill-down page."""

    record_id: str
    region_code: str
    period: str  # the month of its start
    item_name: str
    department_code: str
    applied_at: datetime
    completed_at: datetime | None  # None when still open at the check date
    limit_days: float
    days_used: float  # working days to completion, or elapsed to the check date when open
    days_over: float
    is_open: bool
    step_no: int | None = None

    @property
    def state_label(self) -> str:
        return "未办结" if self.is_open else "已办结"


def overdue_source(dataset: str) -> OverdueSource:
    """The overdue fields of a dataset, or a Chinese error naming the datasets that have them."""
    dataset_get(dataset)
    source = OVERDUE_SOURCES.get(dataset)
    if source is None:
        known = "、".join(DATASETS[code].name for code in OVERDUE_SOURCES)
        raise ApplicationError(f"数据集“{DATASETS[dataset].name}”没有办理时限，不能判断超期；可用的数据集：{known}",
                               code=ErrorCode.INVALID)
    return source


def _months(periods: Iterable[str]) -> dict[str, list[str]]:
    """{month: [requested periods containing it]} for periods given as months, quarters or years."""
    out: dict[str, list[str]] = {}
    for text in periods:
        period = Period.parse(text)
        for month in period.months():
            out.setdefault(str(month), []).append(str(period))
    return out


class _OverdueQuery:
    """The per-record working-day durations of one dataset as of a date, in DuckDB (needs files and a calendar
    only, so a benchmark can drive it without a database)."""

    def __init__(self, *, dataset: str, files: Sequence[Path], calendar: WorkCalendar, as_of: date):
        import duckdb

        self.source = overdue_source(dataset)
        self.dataset = DATASETS[dataset]
        self.files = [str(p) for p in files]
        self.calendar = calendar
        self.as_of = as_of
        calendar.require([as_of.year])
        table = calendar.table()
        index = (as_of - table.first_day).days
        self.as_of_cum, self.as_of_segment = int(table.cum[index]), int(table.segment[index])
        self.con = duckdb.connect(config={"threads": 2})
        self.con.execute("SET enable_progress_bar = false")
        self.con.register("bizenv_calendar", table.to_arrow())

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> _OverdueQuery:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _records(self) -> str:
        """SQL of every record started by `as_of` in $regions and $months, with its duration (`days`, NULL where the
        calendar lacks a date: `uncovered`), whether it was open at `as_of`, and the working days over its limit."""
        s = self.source
        column = {name: f'"{name}"' for name in self.dataset.field_names}
        department = f"CAST({column[s.department]} AS VARCHAR)" if s.department else "NULL::VARCHAR"
        step = f"CAST({column[s.step]} AS BIGINT)" if s.step else "NULL::BIGINT"
        start, end = column[s.start], column[s.end]
        return f"""
        WITH r AS (
            SELECT record_id, region_code, {column[s.item]} AS item_name, {department} AS department_code,
                   {step} AS step_no, {start} AS started, {end} AS ended,
                   CAST({column[s.limit]} AS DOUBLE) AS limit_days, strftime({start}, '%Y-%m') AS month,
                   CAST({start} AS DATE) AS s_day,
                   CASE WHEN CAST({end} AS DATE) <= $as_of THEN CAST({end} AS DATE) END AS e_day
            FROM read_parquet($files, union_by_name=true)
            WHERE region_code IN (SELECT UNNEST($regions)) AND CAST({start} AS DATE) <= $as_of
              AND strftime({start}, '%Y-%m') IN (SELECT UNNEST($months))
        ), j AS (
            SELECT r.*, r.e_day IS NULL AS is_open, cs.cum AS s_cum, cs.segment AS s_seg,
                   CASE WHEN r.e_day IS NULL THEN $as_of_cum ELSE ce.cum END AS e_cum,
                   CASE WHEN r.e_day IS NULL THEN $as_of_seg ELSE ce.segment END AS e_seg
            FROM r LEFT JOIN bizenv_calendar cs ON cs.day = r.s_day
                   LEFT JOIN bizenv_calendar ce ON ce.day = r.e_day
        ), d AS (
            SELECT *, CASE WHEN s_cum IS NOT NULL AND e_cum IS NOT NULL AND s_seg = e_seg
                           THEN greatest(CAST(e_cum - s_cum AS DOUBLE), {MIN_STEP_DAYS}) END AS days
            FROM j
        )
        SELECT *, days IS NULL AS uncovered, days - limit_days AS over FROM d
        """

    def _params(self, regions: Collection[str], months: Collection[str]) -> dict:
        return {"files": self.files, "regions": sorted(regions), "months": sorted(months), "as_of": self.as_of,
                "as_of_cum": self.as_of_cum, "as_of_seg": self.as_of_segment}

    def _raise_uncovered(self, count: int, first_day: date | None) -> None:
        if not count:
            return
        if first_day is not None and not self.calendar.covers(first_day.year):
            raise ApplicationError(uncovered_message([first_day.year]))
        raise ApplicationError("开始与结束日期之间有未维护的年份，无法计算工作日。")

    def counts(self, *, regions: Collection[str], months: Collection[str], cap: int) -> list[tuple]:
        """(region, month, finished, late, open_overdue, [{id, over} most days over first, at most `cap`]) per
        region and month with at least one record."""
        if not self.files or not regions or not months:
            return []
        sql = f"""
        SELECT region_code, month,
               count(*) FILTER (WHERE NOT is_open AND limit_days IS NOT NULL) AS finished,
               count(*) FILTER (WHERE NOT is_open AND days > limit_days) AS late,
               count(*) FILTER (WHERE is_open AND days > limit_days) AS open_overdue,
               list(struct_pack(id := record_id, over := over) ORDER BY over DESC, record_id)
                   FILTER (WHERE days > limit_days)[1:{int(cap)}] AS cases,
               count(*) FILTER (WHERE uncovered) AS uncovered,
               min(CASE WHEN s_cum IS NULL THEN s_day ELSE e_day END) FILTER (WHERE uncovered) AS first_uncovered
        FROM ({self._records()}) GROUP BY region_code, month ORDER BY region_code, month
        """
        rows = self.con.execute(sql, self._params(regions, months)).fetchall()
        self._raise_uncovered(sum(r[6] for r in rows), min((r[7] for r in rows if r[7]), default=None))
        return [r[:6] for r in rows]

    def cases(self, *, regions: Collection[str], months: Collection[str], limit: int) -> list[OverdueCase]:
        """The late and open-overdue records, most working days over first."""
        if not self.files or not regions or not months:
            return []
        params = self._params(regions, months)
        check = self.con.execute(
            f"SELECT count(*), min(CASE WHEN s_cum IS NULL THEN s_day ELSE e_day END) "
            f"FROM ({self._records()}) WHERE uncovered", params).fetchone()
        self._raise_uncovered(check[0], check[1])
        rows = self.con.execute(
            f"SELECT record_id, region_code, month, item_name, department_code, started, ended, limit_days, days, "
            f"over, is_open, step_no FROM ({self._records()}) WHERE days > limit_days "
            f"ORDER BY over DESC, record_id, step_no LIMIT {int(limit)}", params).fetchall()
        return [OverdueCase(record_id=r[0], region_code=r[1], period=r[2], item_name=r[3] or "",
                            department_code=r[4] or "", applied_at=r[5], completed_at=None if r[10] else r[6],
                            limit_days=r[7], days_used=r[8], days_over=r[9], is_open=r[10], step_no=r[11])
                for r in rows]


def overdue_facts_from_files(*, files: Sequence[Path], calendar: WorkCalendar, region_codes: Collection[str],
                             periods: Collection[str], as_of: date, dataset: str = DEFAULT_DATASET, indicator: str,
                             cap: int = MAX_CASES) -> list[OverdueFact]:
    """`overdue_facts` over given Parquet files and calendar (no database: benchmarks and file-only checks)."""
    wanted = _months(periods)
    with _OverdueQuery(dataset=dataset, files=files, calendar=calendar, as_of=as_of) as query:
        rows = query.counts(regions=region_codes, months=wanted, cap=cap)
    totals: dict[tuple[str, str], list] = {}
    for region, month, finished, late, open_overdue, cases in rows:
        for period in wanted.get(month, ()):
            entry = totals.setdefault((region, period), [0, 0, 0, []])
            entry[0] += finished
            entry[1] += late
            entry[2] += open_overdue
            entry[3].extend(cases or ())
    out = []
    for (region, period), (finished, late, open_overdue, cases) in sorted(totals.items()):
        cases.sort(key=lambda c: (-c["over"], c["id"]))
        ids = tuple(dict.fromkeys(c["id"] for c in cases))[:cap]  # a case's steps share its record id
        out.append(OverdueFact(region=region, period=period, indicator=indicator, dataset=dataset,
                               finished=finished, late=late, open_overdue=open_overdue, cases=ids))
    return out


def overdue_facts(*, region_codes: Collection[str], periods: Collection[str], as_of: date,
                  dataset: str = DEFAULT_DATASET, indicator: str) -> list[OverdueFact]:
    """Finished, late and open-overdue cases per region and period (month, quarter or year) as of `as_of`, with the
    record ids of the late and open-overdue ones (most days over first, at most 500); a region and period
    without any case has no fact."""
    overdue_source(dataset)
    months = _months(periods)
    files = lake_files(dataset=dataset, months=months)
    return overdue_facts_from_files(files=files, calendar=WorkCalendar.load(), region_codes=region_codes,
                                    periods=periods, as_of=as_of, dataset=dataset, indicator=indicator)


def overdue_cases(*, region_code: str, period: str, as_of: date, dataset: str = DEFAULT_DATASET,
                  limit: int = MAX_CASES) -> list[OverdueCase]:
    """The late and open-overdue cases of one region and period as of `as_of`, most working days over first."""
    overdue_source(dataset)
    months = list(_months([period]))
    files = lake_files(dataset=dataset, months=months)
    with _OverdueQuery(dataset=dataset, files=files, calendar=WorkCalendar.load(), as_of=as_of) as query:
        return query.cases(regions=[region_code], months=months, limit=limit)


def dataset_indicator(dataset: str, *, system_version) -> str | None:
    """The first-level indicator a dataset informs in a system version: the dataset's topic (专题) when the version
    has it as a first-level indicator, else the one first-level ancestor of the indicators that the dataset's active
    metric definitions feed; None when neither names exactly one."""
    from bizenv.datasets.models import MetricDefinition

    topic = dataset_get(dataset).topic
    indicators = list(system_version.indicators.only("id", "parent_id", "code", "level"))
    by_code = {i.code: i for i in indicators}
    if topic and topic in by_code and by_code[topic].level == 1:
        return topic
    by_id = {i.pk: i for i in indicators}
    firsts = set()
    for code in MetricDefinition.objects.filter(dataset=dataset, is_active=True).values_list("indicator_code",
                                                                                            flat=True):
        node = by_code.get(code)
        while node is not None and node.level > 1:
            node = by_id.get(node.parent_id)
        if node is not None and node.level == 1:
            firsts.add(node.code)
    return firsts.pop() if len(firsts) == 1 else None


def missing_report_facts(*, as_of: date, periods: Collection[str] | None = None,
                         system_version=None) -> list[MissingReportFact]:
    """Every owed item of a reporting round (open or closed) whose deadline is before `as_of` and that is still not
    submitted, approved or locked — one per round, region and indicator, the owing lead departments named.

    The item's status is its current one (a late submission clears it); `as_of` decides only what is past its
    deadline. With `periods`, an item is kept when its round's period or its own period (a yearly indicator is owed
    in the December round) is among them; with `system_version`, only that version's rounds."""
    from bizenv.observations.models import ReportingRound
    from bizenv.observations.selectors import round_items

    rounds = ReportingRound.objects.filter(deadline__lt=as_of).select_related("system_version")
    if system_version is not None:
        rounds = rounds.filter(system_version=system_version)
    wanted = None if periods is None else {str(Period.parse(p)) for p in periods}
    facts = []
    for reporting_round in rounds.order_by("period", "id"):
        items = round_items(user=None, reporting_round=reporting_round, today=as_of)
        for item in items:
            if not item.overdue:
                continue
            if wanted is not None and reporting_round.period not in wanted and item.period not in wanted:
                continue
            facts.append(MissingReportFact(
                region=item.region.code, period=reporting_round.period, indicator=item.indicator.code,
                round_name=reporting_round.name, deadline=reporting_round.deadline.isoformat(),
                departments="、".join(d.name for d in item.departments), item_period=item.period))
    return facts
