"""The metric engine: MetricSpec → Ibis expression over the lake's Parquet files, run on DuckDB or Spark.

Working-day durations run inside the engine: the calendar's workday table (day, running count
of working days, segment of contiguous covered years) is registered as a table and joined on
the start and end dates, so duration = max(cum[end] − cum[start], 0.5) is plain SQL on either
backend. A date outside the covered years is counted in the same query and turned into the
calendar's Chinese error instead of a value.

The engine needs only file paths and a WorkCalendar (no database), so benchmarks can drive it.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, PeriodKind
from bizenv.datasets.calendar import WorkCalendar, uncovered_message
from bizenv.datasets.catalog import DATASETS, FieldType
from bizenv.datasets.lake import arrow_schema
from bizenv.datasets.metrics import STEPS_DATASET, Aggregation, FilterOp, MeasureKind, MetricSpec

P90 = 0.9


class EngineKind(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


ENGINE_LABELS = {EngineKind.DUCKDB: "DuckDB（单机内置）", EngineKind.SPARK: "Apache Spark"}


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
    def _durations(self, t: ir.Table, start: str, end: str) -> ir.Table:
        """Add `_days` (seed 004 duration, null when the end is missing) and `_uncovered` (0/1)."""
        cal = self.calendar_table()
        cs = cal.rename(_s_day="day", _s_cum="cum", _s_seg="segment")
        ce = cal.rename(_e_day="day", _e_cum="cum", _e_seg="segment")
        t = t.mutate(_sd=t[start].date(), _ed=t[end].date())
        j = t.left_join(cs, t._sd == cs._s_day).left_join(ce, t._ed == ce._e_day)
        ok = j._s_cum.notnull() & j._e_cum.notnull() & (j._s_seg == j._e_seg)
        days = ibis.greatest((j._e_cum - j._s_cum).cast("float64"), ibis.literal(0.5))
        uncovered = j._ed.notnull() & ~ok.fill_null(False)
        return j.mutate(
            _days=ibis.ifelse(ok, days, ibis.null("float64")),
            _uncovered=uncovered.cast("int64"),
            _uncovered_day=ibis.ifelse(uncovered, ibis.ifelse(j._s_cum.isnull(), j._sd, j._ed),
                                       ibis.null("date")),
        ).drop("_s_day", "_s_cum", "_s_seg", "_e_day", "_e_cum", "_e_seg")

    @staticmethod
    def _literal(dataset: str, name: str, value):
        ftype = DATASETS[dataset].field(name).type
        if ftype == FieldType.TIMESTAMP:
            return ibis.timestamp(datetime.fromisoformat(value))
        return ibis.literal(value)

    def _filtered(self, spec: MetricSpec, t: ir.Table) -> ir.Table:
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
        return t.filter(*preds) if preds else t

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

    def compile(self, spec: MetricSpec, kind: PeriodKind, periods: Sequence[Period]) -> ir.Table:
        """One definition as an aggregate table: code, region_code, year, idx, value, records, uncovered."""
        ts = spec.period_field
        t = self._period_filter(self._filtered(spec, self.table(spec.dataset)), ts, periods)
        t = t.mutate(_year=t[ts].year().cast("int64"), _idx=self._period_index(t[ts], kind))
        m = spec.measure
        if m.kind in (MeasureKind.WORKING_DAYS, MeasureKind.SHARE_WITHIN_LIMIT):
            t = self._durations(t, m.start, m.end)
            if m.kind == MeasureKind.WORKING_DAYS:
                t = t.mutate(_v=t._days)
            else:
                limit = t[m.limit_field].cast("float64")
                t = t.mutate(_v=ibis.ifelse(t._days.notnull() & limit.notnull(), t._days <= limit,
                                            ibis.null("boolean")))
        else:
            t = t.mutate(_uncovered=ibis.literal(0, "int64"), _uncovered_day=ibis.null("date"))
            if m.kind == MeasureKind.STEP_COUNT:
                s = self.table(STEPS_DATASET)
                s = s.filter(s.process == spec.dataset).group_by(_rid="record_id").aggregate(
                    _steps=lambda x: x.count())
                t = t.join(s, t.record_id == s._rid).mutate(_v=lambda x: x._steps.cast("float64"))
            elif m.kind == MeasureKind.COUNT:
                t = t.mutate(_v=ibis.literal(1.0, "float64"))
            elif m.kind in (MeasureKind.COST, MeasureKind.VALUE):
                t = t.mutate(_v=t[m.field].cast("float64"))
            elif m.kind == MeasureKind.REDUCTION:
                base = t[m.base_field].cast("float64")
                t = t.mutate(_v=ibis.ifelse(base > 0, 1.0 - t[m.field].cast("float64") / base,
                                            ibis.null("float64")))
            else:  # share_true
                t = t.mutate(_v=t[m.field] == ibis.literal(m.expected))
        v = t._v
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
        return t.group_by(region_code="region_code", year="_year", idx="_idx").aggregate(
            value=value.cast("float64"),
            records=v.count().cast("int64"),
            uncovered=t._uncovered.sum().cast("int64"),
            first_uncovered=t._uncovered_day.min(),
        ).mutate(code=ibis.literal(spec.code, "string")).select(
            "code", "region_code", "year", "idx", "value", "records", "uncovered", "first_uncovered")

    # -- run --------------------------------------------------------------------------------------
    def _execute(self, expr: ir.Table) -> pa.Table:
        return expr.to_pyarrow()

    def run(self, specs: Sequence[MetricSpec], periods: Sequence[Period]) -> list[MetricResult]:
        """Every definition for every region and requested period; one query per period kind."""
        wanted = {str(p) for p in periods}
        if not specs or not periods:
            return []
        self.calendar.require({p.year for p in periods})
        results: list[MetricResult] = []
        for kind, group in itertools.groupby(sorted(periods, key=lambda p: p.kind), key=lambda p: p.kind):
            group = list(group)
            exprs = [self.compile(spec, kind, group) for spec in specs]
            expr = exprs[0] if len(exprs) == 1 else ibis.union(*exprs, distinct=False)
            table = self._execute(expr)
            self._raise_uncovered(table)
            for row in table.to_pylist():
                if row["records"] == 0 and row["value"] is None:
                    continue
                period = str(Period(row["year"], kind, row["idx"]))
                if period in wanted:
                    results.append(MetricResult(row["code"], row["region_code"], period, row["value"],
                                                int(row["records"])))
        results.sort(key=lambda r: (r.code, r.region_code, r.period))
        return results

    def _raise_uncovered(self, table: pa.Table) -> None:
        rows = [r for r in table.select(["uncovered", "first_uncovered"]).to_pylist() if r["uncovered"]]
        if rows:
            years = {r["first_uncovered"].year for r in rows if r["first_uncovered"] is not None}
            missing = [y for y in years if not self.calendar.covers(y)] or sorted(years)
            raise ApplicationError(uncovered_message(missing))

    def step_statistics(self, months: Sequence[Period]) -> list[StepResult]:
        """Mean and p90 duration and the share over the step's limit, per process × region × month × step."""
        months = [p for p in months if p.kind == PeriodKind.MONTH] or [m for p in months for m in p.months()]
        if not months:
            return []
        self.calendar.require({p.year for p in months})
        wanted = {str(p) for p in months}
        s = self._period_filter(self.table(STEPS_DATASET), "started_at", months)
        s = self._durations(s, "started_at", "finished_at")
        over = ibis.ifelse(s._days.notnull() & s.limit_days.notnull(), s._days > s.limit_days,
                           ibis.null("boolean"))
        s = s.mutate(_over=over, _year=s.started_at.year().cast("int64"), _idx=s.started_at.month().cast("int64"))
        expr = s.group_by("process", "region_code", "step_no", year="_year", idx="_idx").aggregate(
            step_name=s.step_name.max(),
            cases=s.count().cast("int64"),
            mean_days=s._days.mean(),
            p90_days=s._days.quantile(P90),
            share_over_limit=s._over.cast("float64").mean(),
            uncovered=s._uncovered.sum().cast("int64"),
            first_uncovered=s._uncovered_day.min(),
        )
        table = self._execute(expr)
        self._raise_uncovered(table)
        out = []
        for row in table.to_pylist():
            period = str(Period(row["year"], PeriodKind.MONTH, row["idx"]))
            if period in wanted:
                out.append(StepResult(row["process"], row["region_code"], period, int(row["step_no"]),
                                      row["step_name"], int(row["cases"]), row["mean_days"], row["p90_days"],
                                      row["share_over_limit"]))
        out.sort(key=lambda r: (r.process, r.region_code, r.period, r.step_no))
        return out
