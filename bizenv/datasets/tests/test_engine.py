"""The metric engine: results against a pandas reference, calendar coverage, DuckDB equals Spark."""

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.engine import MetricEngine
from bizenv.datasets.lake import arrow_schema
from bizenv.datasets.metrics import metric_spec_parse, metric_specs_load
from bizenv.datasets.synthetic_records import generate, write_lake
from bizenv.workdays.calendar import WorkCalendar

SHIPPED = Path(__file__).resolve().parents[1] / "metric_definitions"
PERIODS = [Period.parse("2025-02"), Period.parse("2025-10"), Period.parse("2025-Q1"), Period.parse("2025")]


def shipped_specs():
    return [s for p in sorted(SHIPPED.glob("*.yaml")) for s in metric_specs_load(p.read_text(encoding="utf-8"),
                                                                                  filename=p.name)]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tables = generate(6000, seed=11)
    return tables, write_lake(tables, tmp_path_factory.mktemp("lake"))


def run(kind, files, specs, periods=PERIODS, calendar=None):
    with MetricEngine(kind, files=files, calendar=calendar or WorkCalendar()) as engine:
        return engine.run(specs, periods)


def by_key(results):
    return {(r.code, r.region_code, r.period): r for r in results}


def test_mean_working_days_equal_a_pandas_reference(lake):
    tables, files = lake
    spec = next(s for s in shipped_specs() if s.code == "starting_business.time.establishment")
    got = by_key(run("duckdb", files, [spec], [Period.parse("2025-02")]))
    df = tables["business_registrations"].to_pandas()
    df = df[(df.kind == "establishment") & (df.applied_at.dt.strftime("%Y-%m") == "2025-02")]
    df = df.assign(days=WorkCalendar().durations(df.applied_at.values, df.completed_at.values))
    expected = df.groupby("region_code").days.agg(["mean", "count"])
    assert len(got) == len(expected) > 0
    for region, row in expected.iterrows():
        result = got[(spec.code, region, "2025-02")]
        assert result.value == pytest.approx(row["mean"], abs=1e-12)
        assert result.record_count == row["count"]


def test_step_count_and_share_equal_a_pandas_reference(lake):
    tables, files = lake
    specs = {s.code: s for s in shipped_specs()}
    steps_spec, share_spec = specs["getting_water.steps"], specs["bidding_tendering.nonlocal_win_rate"]
    got = by_key(run("duckdb", files, [steps_spec, share_spec], [Period.parse("2025")]))
    cases = tables["water_connections"].to_pandas()
    cases = cases[cases.applied_at.dt.year == 2025]
    steps = tables["process_steps"].to_pandas()
    per_case = steps[steps.process == "water_connections"].groupby("record_id").size().rename("n")
    merged = cases.join(per_case, on="record_id", how="inner")
    for region, value in merged.groupby("region_code").n.mean().items():
        assert got[("getting_water.steps", region, "2025")].value == pytest.approx(value, abs=1e-12)
    tenders = tables["tenders"].to_pandas()
    tenders = tenders[(tenders.published_at.dt.year == 2025) & tenders.winner_local.notna()]
    for region, value in tenders.groupby("region_code").winner_local.apply(lambda s: (~s.astype(bool)).mean()).items():
        assert got[("bidding_tendering.nonlocal_win_rate", region, "2025")].value == pytest.approx(100 * value)


def test_percentiles_are_exact_not_approximate(tmp_path):
    schema = arrow_schema(DATASETS["property_transfers"])
    applied = np.array(["2025-03-03T09:00"] * 5, dtype="datetime64[s]")
    completed = np.array(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-10", "2025-03-17"],
                         dtype="datetime64[s]")
    table = pa.table({
        "record_id": [f"P{i}" for i in range(5)], "region_code": ["530402"] * 5, "property_type": [None] * 5,
        "property_value": [None] * 5, "channel": ["online"] * 5, "applied_at": applied,
        "completed_at": completed, "cost": [1.0, 2.0, 3.0, 4.0, 100.0],
    }).select(schema.names).cast(schema)
    path = tmp_path / "p.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    base = {"code": "x", "name": "x", "indicator": "registering_property.time", "dataset": "property_transfers",
            "measure": {"kind": "working_days", "start": "applied_at", "end": "completed_at"}}
    specs = [metric_spec_parse({**base, "code": f"t.{agg}", "aggregation": agg})
             for agg in ("mean", "median", "p90", "sum", "count")]
    specs.append(metric_spec_parse({**base, "code": "t.cost", "aggregation": "median",
                                    "measure": {"kind": "cost"}}))
    got = {r.code: r.value for r in run("duckdb", {"property_transfers": [path]}, specs, [Period.parse("2025-03")])}
    days = [0.5, 1, 2, 5, 10]  # 03-03 same day; 03-04; 03-05; 03-10 (Mon); 03-17 (Mon)
    assert got["t.mean"] == pytest.approx(np.mean(days))
    assert got["t.median"] == 2
    assert got["t.p90"] == pytest.approx(np.percentile(days, 90))  # linear interpolation: 8.0
    assert got["t.sum"] == pytest.approx(18.5)
    assert got["t.count"] == 5
    assert got["t.cost"] == 3


def test_uncovered_year_stops_the_run(lake):
    _, files = lake
    spec = next(s for s in shipped_specs() if s.code == "getting_gas.time")
    with pytest.raises(ApplicationError, match="2027"):
        run("duckdb", files, [spec], [Period.parse("2027-01")])


def test_completion_in_an_uncovered_year_is_reported_not_guessed(tmp_path):
    schema = arrow_schema(DATASETS["gas_connections"])
    table = pa.table({
        "record_id": ["G1"], "region_code": ["530402"], "customer_type": [None], "channel": ["online"],
        "applied_at": np.array(["2026-12-30T10:00"], dtype="datetime64[s]"),
        "completed_at": np.array(["2027-01-06T10:00"], dtype="datetime64[s]"), "cost": [None],
    }).select(schema.names).cast(schema)
    import pyarrow.parquet as pq

    pq.write_table(table, tmp_path / "g.parquet")
    spec = next(s for s in shipped_specs() if s.code == "getting_gas.time")
    files = {"gas_connections": [tmp_path / "g.parquet"]}
    with pytest.raises(ApplicationError, match="未覆盖 2027"):
        run("duckdb", files, [spec], [Period.parse("2026-12")])
    marked = WorkCalendar(overrides={date(2027, 1, 1): False}, complete_years=frozenset({2027}))
    [result] = run("duckdb", files, [spec], [Period.parse("2026-12")], calendar=marked)
    assert result.value == 4  # 12-31, 01-04, 01-05, 01-06 (01-01 entered as a holiday)


def test_empty_lake_gives_no_results():
    assert run("duckdb", {}, shipped_specs(), [Period.parse("2025-01")]) == []


def test_step_statistics_match_a_pandas_reference(lake):
    tables, files = lake
    with MetricEngine("duckdb", files=files, calendar=WorkCalendar()) as engine:
        got = {(r.process, r.segment, r.region_code, r.step_no): r
               for r in engine.step_statistics([Period.parse("2025-02")])}
    steps = tables["process_steps"].to_pandas()
    steps = steps[steps.started_at.dt.strftime("%Y-%m") == "2025-02"]
    steps = steps.assign(days=WorkCalendar().durations(steps.started_at.values, steps.finished_at.values))
    key = ("business_registrations", "", "530402", 1)
    one = steps[(steps.process == key[0]) & (steps.region_code == key[2]) & (steps.step_no == key[3])]
    assert got[key].cases == len(one)
    assert got[key].mean_days == pytest.approx(one.days.mean())
    assert got[key].p90_days == pytest.approx(np.nanpercentile(one.days, 90))
    judged = one[one.days.notna() & one.limit_days.notna()]
    assert got[key].share_over_limit == pytest.approx((judged.days > judged.limit_days).mean())
    # per segment: the steps of the cases of that kind only (设立 / 变更 / 简易注销), from the case records
    kinds = tables["business_registrations"].select(["record_id", "kind"]).to_pandas()
    segmented = steps[steps.process == "business_registrations"].merge(kinds, on="record_id")
    assert set(segmented.kind) == {"establishment", "change", "deregistration"}
    for (kind, region, step_no), part in segmented.groupby(["kind", "region_code", "step_no"]):
        row = got[("business_registrations", kind, region, step_no)]
        expected = None if part.days.isna().all() else pytest.approx(part.days.mean())
        assert (row.cases, row.mean_days) == (len(part), expected)
    assert sum(r.cases for k, r in got.items() if k[0] == "business_registrations" and k[1]) == len(segmented)
    assert not any(k[1] for k in got if k[0] == "water_connections")  # a process without segments


@pytest.mark.spark
def test_every_shipped_definition_gives_identical_results_on_duckdb_and_spark(lake):
    _, files = lake
    specs = shipped_specs()
    periods = [Period.parse("2025-02"), Period.parse("2025-Q1")]
    duck = by_key(run("duckdb", files, specs, periods))
    spark = by_key(run("spark", files, specs, periods))
    assert set(duck) == set(spark)
    assert {code for code, _, _ in duck} == {s.code for s in specs}  # every definition produced values
    for key, d in duck.items():
        s = spark[key]
        assert s.record_count == d.record_count, key
        assert (s.value is None) == (d.value is None), key
        if d.value is not None:
            assert abs(s.value - d.value) <= 1e-9, key
    with MetricEngine("duckdb", files=files, calendar=WorkCalendar()) as engine:
        duck_steps = engine.step_statistics([Period.parse("2025-02")])
    with MetricEngine("spark", files=files, calendar=WorkCalendar()) as engine:
        spark_steps = engine.step_statistics([Period.parse("2025-02")])
    assert len(duck_steps) == len(spark_steps) > 0
    for a, b in zip(duck_steps, spark_steps, strict=True):
        assert (a.process, a.segment, a.region_code, a.step_no, a.cases, a.step_name) == (
            b.process, b.segment, b.region_code, b.step_no, b.cases, b.step_name)
        for field in ("mean_days", "p90_days", "share_over_limit"):
            x, y = getattr(a, field), getattr(b, field)
            assert (x is None and y is None) or abs(x - y) <= 1e-9
