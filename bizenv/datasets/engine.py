"""The metric engine: MetricSpec → Ibis expression over the lake's Parquet files, run on DuckDB or Spark.

Working-day durations run inside the engine: the calendar's workday table (day, running count
of working days, segment of contiguous covered years) is registered as a table and joined on
the start and end dates, so duration = max(cum[end] − cum[start], 0.5) is plain SQL on either
backend. A date outside the covered years is counted in the same query and turned into the
calendar's Chinese error instead of a value.

The engine needs only file paths and a WorkCalendar (no database), so benchmarks can drive it.
"""

from __future__ import annotations

import functools
import itertools
import operator
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, PeriodKind
from bizenv.datasets.catalog import DATASETS, FieldType
from bizenv.datasets.lake import arrow_schema
from bizenv.datasets.metrics import STEPS_DATASET, Aggregation, EngineKind, FilterOp, MeasureKind, MetricSpec
from bizenv.workdays.calendar import WorkCalendar, uncovered_message

P90 = 0.9




@dataclass(frozen=True)
class MetricResult:
    """The value of one definition for one region and period, and how many records it rests on."""

    code: str
    region_code: str
    period: str
    value: float | None
    record_count: int


@dataclass(frozen=True)
class StepResult:
    """Duration statistics of one step of a process for one region and month."""

    process: str
    region_code: str
    period: str
    step_no: int
    step_name: str
    cases: int
    mean_days: float | None
    p90_days: float | None
    share_over_limit: float | None
    segment: str = ""  # "" for every case of the process, else the case's segment (设立 / 变更 …)


def lake_windows(specs: Sequence[MetricSpec], months: Sequence[str]) -> dict[str, list[str] | None]:
    """The lake months each dataset must be read for (None: every month) so that a run over `months`
    sees every record the full run counts in them.

    The lake is partitioned by each dataset's own time field. A definition that places records by
    that field needs only the months asked for; one that places them by another field (on-time rate
    by `completed_at`) finds them in earlier partitions too, and a case's steps (step counts) lie in
    whatever month each step started, so those datasets are read whole and the query selects the
    periods. Step statistics place steps by `started_at`, the steps' own partition field; their segments come
    from case records of any earlier month, so datasets with segments are read whole.
    """
    months = sorted(set(months))
    windows: dict[str, list[str] | None] = {STEPS_DATASET: months}

    def need(dataset: str, whole: bool) -> None:
        windows[dataset] = None if whole or windows.get(dataset, months) is None else months

    for spec in specs:
        need(spec.dataset, spec.period_field != spec.dataset_def.time_field)
        if spec.measure.kind == MeasureKind.STEP_COUNT:
            need(STEPS_DATASET, True)
    for dataset in DATASETS.values():  # per-segment step statistics take each step's case from any month
        if dataset.segment_field:
            need(dataset.code, True)
    return windows


_SPARK = None


def spark_session():
    """One local Spark session per process: local[2], small memory, no UI, bound to 127.0.0.1."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        _SPARK = (
            SparkSession.builder.master("local[2]")
            .appName("bizenv-metrics")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "1g")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


class MetricEngine:
    """Compiles and runs metric definitions over given Parquet files on one backend."""

    def __init__(self, kind: EngineKind | str = EngineKind.DUCKDB, *, files: Mapping[str, Sequence[Path]],
                 calendar: WorkCalendar, duckdb_config: Mapping | None = None):
        self.kind = EngineKind(kind)
        self.files = {k: [Path(p) for p in v] for k, v in files.items()}
        self.calendar = calendar
        self._tables: dict[str, ir.Table] = {}
        self._calendar_table: ir.Table | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="bizenv-engine-")
        self._names = itertools.count(1)
        if self.kind == EngineKind.SPARK:
            self.con = ibis.pyspark.connect(spark_session())
        else:
            self.con = ibis.duckdb.connect(**dict(duckdb_config or {}))

    # -- context ----------------------------------------------------------------------------------
    def close(self) -> None:
        if self.kind == EngineKind.SPARK:
            session = spark_session()
            for name in list(session.catalog.listTables()):
                if name.isTemporary and name.name.startswith("bizenv_"):
                    session.catalog.dropTempView(name.name)
        else:
            self.con.disconnect()
        self._tmp.cleanup()

    def __enter__(self) -> MetricEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- inputs -----------------------------------------------------------------------------------
    def records_in(self, datasets: Iterable[str]) -> int:
        """How many rows the engine's files hold for these datasets (from Parquet footers)."""
        return sum(pq.ParquetFile(p).metadata.num_rows for d in set(datasets) for p in self.files.get(d, []))

    def table(self, dataset: str) -> ir.Table:
        if dataset not in self._tables:
            paths = [str(p) for p in self.files.get(dataset, [])]
            if not paths:  # an empty file with the dataset's schema keeps every query valid
                empty = Path(self._tmp.name) / f"{dataset}-empty.parquet"
                pq.write_table(arrow_schema(DATASETS[dataset]).empty_table(), empty)
                paths = [str(empty)]
            name = f"bizenv_{dataset}_{next(self._names)}"
            if self.kind == EngineKind.SPARK:
                spark_session().read.parquet(*paths).createOrReplaceTempView(name)
                self._tables[dataset] = self.con.table(name)
            else:
                self._tables[dataset] = self.con.read_parquet(paths, table_name=name)
        return self._tables[dataset]

    def calendar_table(self) -> ir.Table:
        if self._calendar_table is None:
            arrow = self.calendar.table().to_arrow()
            name = f"bizenv_calendar_{next(self._names)}"
            if self.kind == EngineKind.SPARK:
                path = Path(self._tmp.name) / f"{name}.parquet"
                pq.write_table(arrow, path)
                spark_session().read.parquet(str(path)).createOrReplaceTempView(name)
                self._calendar_table = self.con.table(name)
            else:
                self.con.con.register(name, arrow)  # an Arrow view: no copy, no DDL
                self._calendar_table = self.con.table(name)
        return self._calendar_table

    # -- compile ----------------------------------------------------------------------------------
    def _durations(self, t: ir.Table, start: str, end: str, tag: str = "") -> ir.Table:
        """Add `_days{tag}` (seed 004 duration, null when the end is missing), `_unc{tag}` (0/1: a date
        the calendar does not cover) and `_uday{tag}` (that date)."""
        cal = self.calendar_table()
        s, e = f"_s{tag}", f"_e{tag}"
        cs = cal.rename(**{f"{s}_day": "day", f"{s}_cum": "cum", f"{s}_seg": "segment"})
        ce = cal.rename(**{f"{e}_day": "day", f"{e}_cum": "cum", f"{e}_seg": "segment"})
        t = t.mutate(**{f"{s}_d": t[start].date(), f"{e}_d": t[end].date()})
        j = t.left_join(cs, t[f"{s}_d"] == cs[f"{s}_day"]).left_join(ce, t[f"{e}_d"] == ce[f"{e}_day"])
        s_cum, e_cum = j[f"{s}_cum"], j[f"{e}_cum"]
        ok = s_cum.notnull() & e_cum.notnull() & (j[f"{s}_seg"] == j[f"{e}_seg"])
        days = ibis.greatest((e_cum - s_cum).cast("float64"), ibis.literal(0.5))
        uncovered = j[f"{e}_d"].notnull() & ~ok.fill_null(False)
        return j.mutate(**{
            f"_days{tag}": ibis.ifelse(ok, days, ibis.null("float64")),
            f"_unc{tag}": uncovered.cast("int64"),
            f"_uday{tag}": ibis.ifelse(uncovered, ibis.ifelse(s_cum.isnull(), j[f"{s}_d"], j[f"{e}_d"]),
                                       ibis.null("date")),
        }).drop(f"{s}_day", f"{s}_cum", f"{s}_seg", f"{e}_day", f"{e}_cum", f"{e}_seg")

    @staticmethod
    def _literal(dataset: str, name: str, value):
        ftype = DATASETS[dataset].field(name).type
        if ftype == FieldType.TIMESTAMP:
            return ibis.timestamp(datetime.fromisoformat(value))
        return ibis.literal(value)

    def _predicate(self, spec: MetricSpec, t: ir.Table) -> ir.BooleanValue | None:
        """The definition's filters as one condition (None: every record)."""
        preds = []
        for f in spec.filters:
            col = t[f.field]
            if f.op == FilterOp.IS_NULL:
                preds.append(col.isnull())
            elif f.op == FilterOp.NOT_NULL:
                preds.append(col.notnull())
            elif f.op in (FilterOp.IN, FilterOp.NOT_IN):
                values = [self._literal(spec.dataset, f.field, v) for v in f.value]
                expr = col.isin(values)
                preds.append(expr if f.op == FilterOp.IN else ~expr)
            else:
                lit = self._literal(spec.dataset, f.field, f.value)
                preds.append({FilterOp.EQ: col == lit, FilterOp.NE: col != lit,
                              FilterOp.GTE: col >= lit, FilterOp.LTE: col <= lit}[f.op])
        if not preds:
            return None
        return functools.reduce(operator.and_, preds).fill_null(False)

    @staticmethod
    def _period_filter(t: ir.Table, ts: str, periods: Sequence[Period]) -> ir.Table:
        first = min(p.first_day for p in periods)
        after = max(p.last_day for p in periods) + timedelta(days=1)
        return t.filter(t[ts] >= ibis.timestamp(datetime.combine(first, datetime.min.time())),
                        t[ts] < ibis.timestamp(datetime.combine(after, datetime.min.time())))

    @staticmethod
    def _period_index(col: ir.TimestampValue, kind: PeriodKind) -> ir.IntegerValue:
        if kind == PeriodKind.MONTH:
            return col.month().cast("int64")
        if kind == PeriodKind.QUARTER:
            return col.quarter().cast("int64")
        return ibis.literal(1, "int64")

    def compile_group(self, specs: Sequence[MetricSpec], kind: PeriodKind, periods: Sequence[Period]) -> ir.Table:
        """Definitions sharing a dataset and period field, fused into one scan of the dataset.

        Each definition i becomes conditional columns of one aggregate per region and period:
        v{i} (value), n{i} (records with a value), u{i} (records whose dates the calendar lacks)
        and d{i} (the first such date).
        """
        first = specs[0]
        ts = first.period_field
        t = self._period_filter(self.table(first.dataset), ts, periods)
        t = t.mutate(_year=t[ts].year().cast("int64"), _idx=self._period_index(t[ts], kind))
        tags: dict[tuple[str, str], str] = {}
        for spec in specs:
            if spec.needs_calendar:
                tags.setdefault((spec.measure.start, spec.measure.end), str(len(tags)))
        for (start, end), tag in tags.items():
            t = self._durations(t, start, end, tag)
        if any(spec.measure.kind == MeasureKind.STEP_COUNT for spec in specs):
            st = self.table(STEPS_DATASET)
            st = st.filter(st.process == first.dataset).group_by(_rid="record_id").aggregate(
                _steps=lambda x: x.count())
            t = t.left_join(st, t.record_id == st._rid)
        aggs = {}
        for i, spec in enumerate(specs):
            value, uncovered, uday = self._measure(spec, t, tags)
            pred = self._predicate(spec, t)
            if pred is not None:
                value = ibis.ifelse(pred, value, ibis.null(value.type()))
                if uncovered is not None:
                    uncovered = ibis.ifelse(pred, uncovered, 0)
            aggs[f"v{i}"] = self._aggregate(spec, value)
            aggs[f"n{i}"] = value.count().cast("int64")
            if uncovered is not None:
                aggs[f"u{i}"] = uncovered.sum().cast("int64")
                aggs[f"d{i}"] = ibis.ifelse(uncovered == 1, uday, ibis.null("date")).min()
        return t.group_by(region_code="region_code", year="_year", idx="_idx").aggregate(**aggs)

    @staticmethod
    def _measure(spec: MetricSpec, t: ir.Table, tags: Mapping[tuple[str, str], str]):
        """(per-record value, uncovered flag or None, uncovered date or None) of one definition."""
        m = spec.measure
        if spec.needs_calendar:
            tag = tags[(m.start, m.end)]
            days, unc, uday = t[f"_days{tag}"], t[f"_unc{tag}"], t[f"_uday{tag}"]
            if m.kind == MeasureKind.WORKING_DAYS:
                return days, unc, uday
            limit = t[m.limit_field].cast("float64")
            return ibis.ifelse(days.notnull() & limit.notnull(), days <= limit, ibis.null("boolean")), unc, uday
        if m.kind == MeasureKind.STEP_COUNT:
            return t._steps.cast("float64"), None, None
        if m.kind == MeasureKind.COUNT:
            return ibis.literal(1.0, "float64"), None, None
        if m.kind in (MeasureKind.COST, MeasureKind.VALUE):
            return t[m.field].cast("float64"), None, None
        if m.kind == MeasureKind.REDUCTION:
            base = t[m.base_field].cast("float64")
            return ibis.ifelse(base > 0, 1.0 - t[m.field].cast("float64") / base, ibis.null("float64")), None, None
        return t[m.field] == ibis.literal(m.expected), None, None  # share_true

    @staticmethod
    def _aggregate(spec: MetricSpec, v: ir.Column) -> ir.FloatingValue:
        agg = spec.aggregation
        if agg == Aggregation.SHARE:
            value = v.cast("float64").mean()
        elif agg == Aggregation.COUNT:
            value = v.count().cast("float64")
        elif agg == Aggregation.MEAN:
            value = v.mean()
        elif agg == Aggregation.MEDIAN:
            value = v.quantile(0.5)
        elif agg == Aggregation.P90:
            value = v.quantile(P90)
        else:
            value = v.sum()
        if spec.scale != 1:
            value = value * spec.scale
        return value.cast("float64")

    # -- run --------------------------------------------------------------------------------------
    def _execute(self, expr: ir.Table) -> pa.Table:
        return expr.to_pyarrow()

    def run(self, specs: Sequence[MetricSpec], periods: Sequence[Period]) -> list[MetricResult]:
        """Every definition for every region and requested period: one fused query per dataset and period kind."""
        wanted = {str(p) for p in periods}
        if not specs or not periods:
            return []
        self.calendar.require({p.year for p in periods})
        groups: dict[tuple[str, str], list[MetricSpec]] = {}
        for spec in specs:
            groups.setdefault((spec.dataset, spec.period_field), []).append(spec)
        results: list[MetricResult] = []
        for kind, kind_periods in itertools.groupby(sorted(periods, key=lambda p: p.kind), key=lambda p: p.kind):
            kind_periods = list(kind_periods)
            for group in groups.values():
                table = self._execute(self.compile_group(group, kind, kind_periods))
                uncovered = [(row.get(f"u{i}") or 0, row.get(f"d{i}")) for row in table.to_pylist()
                             for i in range(len(group))]
                self._raise_uncovered([d for n, d in uncovered if n], any(n for n, _ in uncovered))
                for row in table.to_pylist():
                    period = str(Period(row["year"], kind, row["idx"]))
                    if period not in wanted:
                        continue
                    for i, spec in enumerate(group):
                        if row[f"n{i}"]:
                            results.append(MetricResult(spec.code, row["region_code"], period, row[f"v{i}"],
                                                        int(row[f"n{i}"])))
        results.sort(key=lambda r: (r.code, r.region_code, r.period))
        return results

    def _raise_uncovered(self, days: Sequence, any_uncovered: bool) -> None:
        if not any_uncovered:
            return
        years = {d.year for d in days if d is not None}
        missing = [y for y in years if not self.calendar.covers(y)] or sorted(years)
        if not missing:  # both dates covered but a year between them is not
            raise ApplicationError("开始与结束日期之间有未维护的年份，无法计算工作日。")
        raise ApplicationError(uncovered_message(missing))

    def step_statistics(self, months: Sequence[Period]) -> list[StepResult]:
        """Mean and p90 duration and the share over the step's limit, per process × region × month × step —
        over every case (segment "") and, for a process with segments (设立 / 变更 …), per segment too.

        A step takes its case's segment from the case record (joined on record_id), which may lie in an
        earlier month's partition: lake_windows reads segmented datasets whole."""
        months = [p for p in months if p.kind == PeriodKind.MONTH] or [m for p in months for m in p.months()]
        if not months:
            return []
        self.calendar.require({p.year for p in months})
        wanted = {str(p) for p in months}
        s = self._period_filter(self.table(STEPS_DATASET), "started_at", months)
        s = self._durations(s, "started_at", "finished_at", "")
        over = ibis.ifelse(s._days.notnull() & s.limit_days.notnull(), s._days > s.limit_days,
                           ibis.null("boolean"))
        s = s.mutate(_over=over, _year=s.started_at.year().cast("int64"), _idx=s.started_at.month().cast("int64"))
        tables = [("", self._step_aggregate(s, ()))]
        for dataset in DATASETS.values():
            if not dataset.segment_field or not self.files.get(dataset.code):
                continue
            cases = self.table(dataset.code)
            cases = cases.filter(cases[dataset.segment_field].notnull()).group_by(_rid="record_id").aggregate(
                _segment=cases[dataset.segment_field].max())
            own = s.filter(s.process == dataset.code)
            own = own.join(cases, own.record_id == cases._rid)
            tables.append((dataset.code, self._step_aggregate(own, ("_segment",))))
        out = []
        for _process, expr in tables:
            table = self._execute(expr)
            flagged = [r for r in table.select(["uncovered", "first_uncovered"]).to_pylist() if r["uncovered"]]
            self._raise_uncovered([r["first_uncovered"] for r in flagged], bool(flagged))
            for row in table.to_pylist():
                period = str(Period(row["year"], PeriodKind.MONTH, row["idx"]))
                if period in wanted:
                    out.append(StepResult(row["process"], row["region_code"], period, int(row["step_no"]),
                                          row["step_name"], int(row["cases"]), row["mean_days"], row["p90_days"],
                                          row["share_over_limit"], row.get("_segment") or ""))
        out.sort(key=lambda r: (r.process, r.segment, r.region_code, r.period, r.step_no))
        return out

    @staticmethod
    def _step_aggregate(s: ir.Table, keys: tuple[str, ...]) -> ir.Table:
        return s.group_by("process", *keys, "region_code", "step_no", year="_year", idx="_idx").aggregate(
            step_name=s.step_name.max(),
            cases=s.count().cast("int64"),
            mean_days=s._days.mean(),
            p90_days=s._days.quantile(P90),
            share_over_limit=s._over.cast("float64").mean(),
            uncovered=s._unc.sum().cast("int64"),
            first_uncovered=ibis.ifelse(s._unc == 1, s._uday, ibis.null("date")).min(),
        )
