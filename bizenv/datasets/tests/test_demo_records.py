import datetime as dt

import chinese_calendar
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bizenv.datasets.catalog import DATASETS, PROCESSES, FieldType
from bizenv.datasets.demo_records import UNKNOWN_REGION, conforming_schema, demo_months, demo_window, generate
from bizenv.datasets.lake import arrow_schema
from bizenv.demo.regions import CITY_CHILDREN

MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]
REGIONS = [
    {"code": code, "name": name, "level": str(level), "population": population, "has_pipeline_gas": gas,
     "peer_group": peer}
    for code, name, level, population, _gdp, _area, gas, peer, _extra in CITY_CHILDREN
]
CODES = {r["code"] for r in REGIONS}
BEST, WORSENING = "990102", "990122"  # the defaults: the first district and the second county by code
WORKDAYS = np.array([d for d in (dt.date(2022, 12, 1) + dt.timedelta(days=i) for i in range(4 * 366))
                     if chinese_calendar.is_workday(d)], dtype="datetime64[D]")


@pytest.fixture(scope="module")
def tables():
    return generate(regions=REGIONS, months=MONTHS, seed=7)


def _working_days(start: pa.ChunkedArray, end: pa.ChunkedArray) -> np.ndarray:
    """Seed 004's duration: 0.5 for the same working day, else the working days between (NaN if open)."""
    s = start.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    e = end.to_numpy(zero_copy_only=False)
    done = ~np.isnat(e)
    days = np.searchsorted(WORKDAYS, e[done].astype("datetime64[D]")) - np.searchsorted(WORKDAYS, s[done])
    out = np.full(len(s), np.nan)
    out[done] = np.maximum(days, 0.5)
    return out


def _violations(code: str, table: pa.Table) -> np.ndarray:
    """Rows that break a catalogue rule: missing required field, unknown region, negative value, backwards times."""
    ds = DATASETS[code]
    bad = np.zeros(table.num_rows, bool)
    for f in ds.fields:
        column = table.column(f.name)
        if f.required:
            bad |= column.is_null().to_numpy(zero_copy_only=False)
        if f.minimum is not None:
            bad |= pc.fill_null(pc.less(column, f.minimum), False).to_numpy(zero_copy_only=False)
    bad |= ~pc.is_in(table.column("region_code"), pa.array(sorted(CODES))).to_numpy(zero_copy_only=False)
    for start, end in ds.ordered:
        bad |= pc.fill_null(pc.less(table.column(end), table.column(start)), False).to_numpy(zero_copy_only=False)
    return bad


def _months(table: pa.Table, field: str) -> np.ndarray:
    return pc.strftime(table.column(field), format="%Y-%m").to_numpy(zero_copy_only=False)


def test_same_seed_gives_the_same_records_and_another_seed_others(tables):
    again = generate(regions=REGIONS, months=MONTHS, seed=7)
    assert all(again[code].equals(tables[code]) for code in DATASETS)
    other = generate(regions=REGIONS, months=MONTHS[:3], seed=8)
    assert not other["business_registrations"].equals(tables["business_registrations"].slice(0, 10))


def test_every_dataset_of_the_catalogue_has_its_schema(tables):
    assert list(tables) == list(DATASETS)
    for code, table in tables.items():
        assert table.num_rows > 0, code
        assert table.schema == conforming_schema(DATASETS[code]), code
        complete = table.filter(pc.invert(pa.array(_violations(code, table))))
        assert complete.cast(arrow_schema(DATASETS[code])).schema == arrow_schema(DATASETS[code]), code


def test_choices_are_respected_and_record_ids_are_unique(tables):
    for code, table in tables.items():
        for f in DATASETS[code].fields:
            if f.choices:
                values = set(pc.unique(table.column(f.name)).to_pylist()) - {None}
                assert values <= set(f.choices), (code, f.name, values - set(f.choices))
        if code != "process_steps":
            ids = table.column("record_id")
            assert pc.count_distinct(ids).as_py() == table.num_rows, code
    assert set(pc.unique(tables["process_steps"].column("process")).to_pylist()) == {
        "business_registrations", "electricity_connections", "water_connections", "gas_connections",
        "construction_permits", "property_transfers"}


def test_about_one_row_in_a_thousand_breaks_a_rule_and_each_kind_occurs(tables):
    bad = {code: int(_violations(code, t).sum()) for code, t in tables.items()}
    total = sum(t.num_rows for t in tables.values())
    assert all(n >= 1 for n in bad.values()), bad
    assert 0.0005 < sum(bad.values()) / total < 0.002
    cases = tables["business_registrations"]
    assert pc.sum(pc.equal(cases.column("region_code"), UNKNOWN_REGION)).as_py() >= 1
    assert pc.sum(pc.less(cases.column("cost"), 0)).as_py() >= 1
    assert cases.column("channel").null_count >= 1
    assert pc.sum(pc.less(cases.column("completed_at"), cases.column("applied_at"))).as_py() >= 1


def test_volumes_follow_population_and_the_processes_differ_in_frequency(tables):
    per_region = dict(zip(*[c.to_pylist() for c in pc.value_counts(
        tables["business_registrations"].column("region_code")).flatten()], strict=True))
    assert per_region["990125"] > 2 * per_region["990124"]  # 石桥县 297k vs 白马县 118k inhabitants
    rows = {code: t.num_rows for code, t in tables.items()}
    assert rows["business_registrations"] > rows["electricity_connections"] > rows["water_connections"]
    assert rows["construction_permits"] < rows["property_transfers"] < rows["electricity_connections"]
    assert rows["service_cases"] > 10 * rows["tenders"]
    assert 150_000 < sum(rows.values()) < 320_000
    # no pipeline gas, no gas connections
    no_gas = {r["code"] for r in REGIONS if not r["has_pipeline_gas"]}
    gas_regions = set(pc.unique(tables["gas_connections"].column("region_code")).to_pylist())
    assert not (gas_regions - {UNKNOWN_REGION}) & no_gas


def test_the_worsening_county_gets_slower_and_the_best_is_near_the_best_values(tables):
    t = tables["business_registrations"].filter(pc.equal(pc.field("kind"), "establishment"))
    days = _working_days(t.column("applied_at"), t.column("completed_at"))
    month, region = _months(t, "applied_at"), t.column("region_code").to_numpy(zero_copy_only=False)
    first, last = np.isin(month, MONTHS[:6]), np.isin(month, MONTHS[-6:])
    worse = region == WORSENING
    assert np.nanmean(days[worse & last]) > 2 * np.nanmean(days[worse & first])
    best = region == BEST
    assert np.nanmean(days[best & last]) < 1.0
    assert np.nanmean(days[~best & ~worse & last]) > 1.5
    costs = t.column("cost").to_numpy(zero_copy_only=False)
    assert np.mean(costs[best & last] == 0) > 0.95

    steps = tables["process_steps"].filter(pc.equal(pc.field("process"), "business_registrations"))
    best_ids = t.filter(pc.equal(pc.field("region_code"), BEST)).column("record_id")
    per_case = pc.value_counts(steps.filter(pc.is_in(steps.column("record_id"), best_ids)).column("record_id"))
    assert np.mean(per_case.field("counts").to_numpy()) < 2.3


def test_cases_applied_around_spring_festival_take_longer(tables):
    t = tables["business_registrations"].filter(pc.equal(pc.field("kind"), "establishment"))
    days = _working_days(t.column("applied_at"), t.column("completed_at"))
    month = _months(t, "applied_at")
    festival = [f"{d:%Y-%m}" for d in (dt.date(2023, 1, 22), dt.date(2024, 2, 10), dt.date(2025, 1, 29))]
    assert set(festival) <= set(MONTHS)
    spring = np.nanmean(days[np.isin(month, festival)])
    calm = np.nanmean(days[np.isin(month, [m for m in MONTHS if m[5:] in ("04", "05", "06")])])
    assert spring > 1.25 * calm


def test_service_cases_over_the_statutory_limit_are_few_and_more_in_the_worsening_county(tables):
    t = tables["service_cases"].filter(pc.invert(pa.array(_violations("service_cases", tables["service_cases"]))))
    days = _working_days(t.column("applied_at"), t.column("completed_at"))
    over = days > t.column("statutory_limit_days").to_numpy()
    region = t.column("region_code").to_numpy(zero_copy_only=False)
    last_year = np.isin(_months(t, "applied_at"), MONTHS[-12:])
    assert 0.003 < over.mean() < 0.06
    assert over[(region == WORSENING) & last_year].mean() > 2 * over[region != WORSENING].mean()


def test_online_share_rises_and_tenders_look_like_tenders(tables):
    t = tables["business_registrations"]
    online = pc.fill_null(pc.equal(t.column("channel"), "online"), False).to_numpy(zero_copy_only=False)
    month = _months(t, "applied_at")
    assert online[np.isin(month, MONTHS[-6:])].mean() > online[np.isin(month, MONTHS[:6])].mean() + 0.15
    tenders = tables["tenders"]
    assert 3 < pc.mean(tenders.column("bidder_count")).as_py() < 10
    local = tenders.column("winner_local").drop_null().to_numpy(zero_copy_only=False)
    assert 0.3 < local.mean() < 0.9
    good = tenders.filter(pc.invert(pa.array(_violations("tenders", tenders))))
    gap = pc.days_between(good.column("published_at"), good.column("bid_deadline_at"))
    assert pc.min(gap).as_py() >= 20  # 招标投标法: at least 20 days to bid


def test_steps_belong_to_existing_cases_and_run_in_office_hours_on_working_days(tables):
    steps = tables["process_steps"]
    for process in PROCESSES:
        mine = steps.filter(pc.equal(pc.field("process"), process))
        ids = tables[process].column("record_id")
        assert pc.all(pc.is_in(mine.column("record_id"), ids)).as_py() in (True, None), process
    assert pc.sum(pc.equal(steps.column("region_code"), UNKNOWN_REGION)).as_py() == 0  # steps keep the real region
    good = steps.filter(pc.invert(pa.array(_violations("process_steps", steps))))
    for field in ("started_at", "finished_at"):
        stamps = good.column(field).drop_null().to_numpy(zero_copy_only=False)
        assert np.isin(stamps.astype("datetime64[D]"), WORKDAYS).all(), field
        seconds = (stamps - stamps.astype("datetime64[D]")).astype(int)
        assert seconds.min() >= 8 * 3600 + 2700 and seconds.max() <= 18 * 3600, field
    # step numbers run 1..n within a case
    first = pc.equal(steps.column("step_no"), 1).to_numpy(zero_copy_only=False)
    assert first.sum() == pc.count_distinct(pc.binary_join_element_wise(
        steps.column("process"), steps.column("record_id"), ":")).as_py()


def test_nothing_happens_after_the_extraction_date_and_unfinished_cases_stay_open():
    as_of = dt.date(2025, 12, 20)
    tables = generate(regions=REGIONS[:4], months=MONTHS[-3:], seed=1, as_of=as_of)
    limit = pa.scalar(dt.datetime(2025, 12, 20), pa.timestamp("s"))
    for code, table in tables.items():
        for f in DATASETS[code].fields:
            if f.type == FieldType.TIMESTAMP:
                assert not pc.any(pc.greater_equal(table.column(f.name), limit)).as_py(), (code, f.name)
    construction = tables["construction_permits"]
    assert construction.column("completed_at").null_count > 0


def test_volumes_grow_with_the_scale_factor():
    small = generate(regions=REGIONS, months=MONTHS[:3], seed=3)
    large = generate(regions=REGIONS, months=MONTHS[:3], seed=3, scale_factor=3.0)
    ratio = sum(t.num_rows for t in large.values()) / sum(t.num_rows for t in small.values())
    assert 2.7 < ratio < 3.3


def test_months_outside_the_calendar_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="chinese-calendar 不含 2031 年"):
        generate(regions=REGIONS, months=["2031-01"], as_of=dt.date(2031, 3, 1))


def test_demo_months_are_the_36_months_before_the_current_one():
    months = demo_months(today=dt.date(2026, 11, 23))
    assert len(months) == 36 and months[0] == "2023-11" and months[-1] == "2026-10"
    assert demo_months(today=dt.date(2026, 1, 5), count=2) == ["2025-11", "2025-12"]


def test_the_demo_window_stops_where_the_calendar_does():
    assert demo_window(today=dt.date(2026, 11, 23)) == demo_months(today=dt.date(2026, 11, 23))
    months = demo_window(today=dt.date(2027, 3, 1))  # chinese-calendar 1.11 ends with 2026
    assert months[-1] == "2026-12" and len(months) == 36
    generate(regions=REGIONS[:2], months=months[-2:], as_of=dt.date(2027, 3, 1))  # no year it cannot count


@pytest.mark.django_db
def test_the_demo_collection_lands_records_computes_metrics_and_leaves_departments_late(lake):
    from bizenv.core.models import AuditLog
    from bizenv.datasets.models import BatchStatus, QuarantinedRecord, RecordBatch
    from bizenv.demo import build_demo
    from bizenv.demo.records import demo_collection_build
    from bizenv.observations.models import Observation, ObservationStatus, ReportingRound
    from bizenv.observations.selectors import round_completeness

    build_demo(progress=lambda m: None)
    today = dt.date(2026, 11, 23)
    counts = demo_collection_build(scale="small", progress=lambda m: None, today=today)

    batches = RecordBatch.objects.filter(filename__startswith="demo:", status=BatchStatus.COMMITTED)
    assert sorted(batches.values_list("dataset", flat=True)) == sorted(DATASETS)
    landed = sum(b.rows_accepted for b in batches)
    assert counts["原始记录"] == landed > 150_000
    assert 0.0005 < QuarantinedRecord.objects.count() / landed < 0.002

    time = Observation.objects.filter(indicator__code="starting_business.time.establishment", source="metric")
    worse = {o.period: o.value for o in time.filter(region__code=WORSENING)}
    assert len(worse) == 36
    periods = sorted(worse)
    assert np.mean([worse[p] for p in periods[-6:]]) > 2 * np.mean([worse[p] for p in periods[:6]])
    best = [o.value for o in time.filter(region__code=BEST)]
    assert np.mean(best) < 1.0

    reporting_round = ReportingRound.objects.get()
    assert reporting_round.period == "2026-09" and reporting_round.deadline < today
    done = round_completeness(user=None, reporting_round=reporting_round, today=today)
    assert done.is_overdue and done.missing
    late = {t.key for t in done.by_department if t.done == 0}
    assert {"housing", "customs"} <= late and "samr" not in late
    reported = Observation.objects.filter(reporting_round=reporting_round)
    assert {ObservationStatus.APPROVED, ObservationStatus.SUBMITTED, ObservationStatus.RETURNED} <= set(
        reported.values_list("status", flat=True))

    entries = AuditLog.objects.count()
    assert demo_collection_build(scale="small", progress=lambda m: None, today=today) == counts
    assert AuditLog.objects.count() == entries
