"""Metric services: versioned shipped definitions, idempotent runs writing observations with provenance,
step statistics, the calendar administration, and the `bizenv calendar` / `bizenv metrics` commands."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.core.models import AuditLog, Job, JobStatus
from bizenv.core.periods import Period
from bizenv.datasets import metric_services as ms
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.engine import MetricEngine
from bizenv.datasets.lake import lake_files, lake_write_files
from bizenv.datasets.models import (
    BatchStatus,
    LakeFile,
    MetricDefinition,
    MetricRun,
    RecordBatch,
    StepStatistic,
)
from bizenv.datasets.synthetic_records import generate
from bizenv.datasets.tasks import metric_run_job
from bizenv.datasets.tests.recordkit import EAST, NORTH
from bizenv.indicators.tests.conftest import SYSTEMS_DIR, import_file, load_departments
from bizenv.observations.models import Observation, ObservationRevision, ObservationSource
from bizenv.workdays import services as wd
from bizenv.workdays.calendar import WorkCalendar
from bizenv.workdays.models import CalendarOverride, CalendarYear

SHIPPED = Path(ms.__file__).parent / "metric_definitions"


@pytest.fixture
def system(town):
    load_departments()
    return import_file(SYSTEMS_DIR / "default.yaml", publish=True)


def land(tables, *, only=None):
    """Put tables in the lake as committed batches (what ingestion does after validation)."""
    for code, table in tables.items():
        if only and code not in only:
            continue
        batch = RecordBatch.objects.create(dataset=code, status=BatchStatus.COMMITTED, rows_total=table.num_rows,
                                           rows_accepted=table.num_rows)
        for f in lake_write_files(dataset=DATASETS[code], table=table, batch_id=batch.pk):
            LakeFile.objects.create(batch=batch, dataset=code, month=f["month"], path=f["path"], rows=f["rows"],
                                    size_bytes=f["size_bytes"])


@pytest.fixture
def records(system):
    tables = generate(3000, seed=5, regions=(EAST, NORTH))
    land(tables)
    return tables


def test_loading_shipped_definitions_is_idempotent(town):
    first = ms.metric_definitions_load_shipped(actor=None)
    assert len(first.created) == MetricDefinition.objects.count() > 20
    audits = AuditLog.objects.count()
    again = ms.metric_definitions_load_shipped(actor=None)
    assert again.created == [] and again.new_versions == [] and len(again.unchanged) == len(first.created)
    assert AuditLog.objects.count() == audits  # a no-op writes nothing


def test_a_changed_file_creates_the_next_version(town, tmp_path):
    ms.metric_definitions_load_shipped(actor=None)
    data = yaml.safe_load((SHIPPED / "getting_water.yaml").read_text(encoding="utf-8"))
    data["definitions"][1]["aggregation"] = "median"
    (tmp_path / "getting_water.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    summary = ms.metric_definitions_load_shipped(actor=None, directory=tmp_path)
    assert summary.new_versions == ["getting_water.time v2"]
    versions = MetricDefinition.objects.filter(code="getting_water.time").order_by("version")
    assert [(d.version, d.is_active, d.spec["aggregation"]) for d in versions] == [
        (1, False, "mean"), (2, True, "median")]
    assert AuditLog.objects.filter(action="metric_definition.version").count() == 1


def test_an_invalid_definition_saves_nothing(town):
    with pytest.raises(ApplicationError, match="未知的数据集"):
        ms.metric_definition_save(actor=None, spec={"code": "x", "name": "x", "indicator": "x", "dataset": "nope",
                                                    "measure": "count", "aggregation": "count"})
    assert not MetricDefinition.objects.exists()


def test_run_writes_observations_with_provenance_and_step_statistics(records, system):
    ms.metric_definitions_load_shipped(actor=None)
    outcome = ms.metric_run(actor=None, periods=["2025-02", "2025-03"])
    run = outcome.run
    assert not outcome.reused and run.status == ms.RunStatus.DONE
    assert outcome.created > 0 and run.observations_written == outcome.created
    assert run.records_read > 0
    obs = Observation.objects.get(indicator__code="getting_water.time", region__code=EAST, period="2025-03",
                                  system_version=system)
    definition = MetricDefinition.objects.get(code="getting_water.time", is_active=True)
    assert obs.source == ObservationSource.METRIC
    assert (obs.metric_definition, obs.metric_run, obs.record_count > 0) == (definition, run, True)
    assert obs.revisions.exists()
    stats = StepStatistic.objects.filter(process="water_connections", region__code=EAST, period="2025-03")
    assert stats.exists() and all(s.metric_run_id == run.pk for s in stats)
    assert all(s.mean_days >= 0.5 and s.p90_days >= 0.5 and s.cases > 0 for s in stats)


def test_rerun_with_the_same_inputs_writes_nothing(records):
    ms.metric_definitions_load_shipped(actor=None)
    first = ms.metric_run(actor=None, periods=["2025-02"])
    runs, revisions = MetricRun.objects.count(), ObservationRevision.objects.count()
    again = ms.metric_run(actor=None, periods=["2025-02"])
    assert again.reused and again.run.pk == first.run.pk
    assert (MetricRun.objects.count(), ObservationRevision.objects.count()) == (runs, revisions)
    assert "未写入任何数据" in str(again)


def test_new_records_or_a_calendar_change_mean_a_new_run(records, system):
    ms.metric_definitions_load_shipped(actor=None)
    first = ms.metric_run(actor=None, periods=["2025-02"])
    wd.calendar_override_set(actor=None, day=date(2025, 2, 10), is_workday=False, note="测试")
    second = ms.metric_run(actor=None, periods=["2025-02"])
    assert not second.reused and second.run.pk != first.run.pk
    assert second.updated > 0  # durations across 02-10 changed
    land(generate(500, seed=9, regions=(EAST,), first=date(2025, 2, 1), last=date(2025, 2, 28)),
         only={"tenders"})
    third = ms.metric_run(actor=None, periods=["2025-02"])
    assert not third.reused


def test_default_periods_are_the_lake_months(records):
    assert str(ms.lake_months()[0]) == "2024-01"


def test_a_year_the_calendar_does_not_cover_fails_the_run_with_a_chinese_message(system):
    tables = generate(200, seed=3, regions=(EAST,), first=date(2026, 12, 1), last=date(2026, 12, 31))
    late = tables["gas_connections"]
    import pyarrow as pa
    import pyarrow.compute as pc

    completed = pc.add(late.column("completed_at"), pa.scalar(40 * 86400, pa.duration("s")))
    land({"gas_connections": late.set_column(late.schema.get_field_index("completed_at"), "completed_at",
                                             completed)})
    ms.metric_definitions_load_shipped(actor=None)
    with pytest.raises(ApplicationError, match="未覆盖 2027"):
        ms.metric_run(actor=None, periods=["2026-12"])
    run = MetricRun.objects.get()
    assert run.status == ms.RunStatus.FAILED and "2027" in run.message
    CalendarYear.objects.create(year=2027)
    assert ms.metric_run(actor=None, periods=["2026-12"]).run.status == ms.RunStatus.DONE


def test_run_needs_review_permission(records, town):
    with pytest.raises(PermissionDenied):
        ms.metric_run(actor=town.users["east"], periods=["2025-02"])


def test_unknown_engine_is_rejected(records):
    with pytest.raises(ApplicationError, match="未知的计算引擎"):
        ms.metric_run(actor=None, engine="excel", periods=["2025-02"])


def test_calendar_overrides_are_audited_and_only_for_the_sysadmin(town):
    admin, office = town.users["sysadmin"], town.users["office"]
    with pytest.raises(PermissionDenied):
        wd.calendar_override_set(actor=office, day=date(2026, 5, 6), is_workday=False)
    wd.calendar_override_set(actor=admin, day=date(2026, 5, 6), is_workday=False, note="地方假日")
    wd.calendar_override_set(actor=admin, day=date(2026, 5, 6), is_workday=False, note="地方假日")  # no-op
    assert AuditLog.objects.filter(action="calendar_override.set").count() == 1
    from bizenv.workdays.calendar import WorkCalendar

    assert not WorkCalendar.load().is_workday(date(2026, 5, 6))
    wd.calendar_override_remove(actor=admin, day=date(2026, 5, 6))
    assert not CalendarOverride.objects.exists()
    assert WorkCalendar.load().is_workday(date(2026, 5, 6))


def test_marking_a_year_complete(town):
    admin = town.users["sysadmin"]
    with pytest.raises(ApplicationError, match="已由内置节假日数据覆盖"):
        wd.calendar_year_mark_complete(actor=admin, year=2025)
    wd.calendar_year_mark_complete(actor=admin, year=2027, note="国务院办公厅通知")
    from bizenv.workdays.calendar import WorkCalendar

    assert WorkCalendar.load().covers(2027)
    wd.calendar_year_unmark(actor=admin, year=2027)
    assert not WorkCalendar.load().covers(2027)


def test_calendar_duration_command(db, capsys):
    from bizenv.cli import main

    assert main(["calendar", "duration", "2026-03-02", "2026-03-02"]) == 0
    assert capsys.readouterr().out.strip() == "0.5"
    assert main(["calendar", "duration", "2026-03-06", "2026-03-09"]) == 0
    assert capsys.readouterr().out.strip() == "1"
    assert main(["calendar", "duration", "2027-01-04", "2027-01-05"]) == 1
    assert "未覆盖 2027" in capsys.readouterr().err


def test_metrics_run_command(records, capsys):
    from bizenv.cli import main

    assert main(["metrics", "run", "--period", "2025-02"]) == 0
    out = capsys.readouterr().out
    assert "计算完成" in out
    assert main(["metrics", "run", "--period", "2025-02"]) == 0
    assert "未写入任何数据" in capsys.readouterr().out
    assert main(["metrics", "run", "--period", "2025-13"]) == 1
    assert "格式不正确" in capsys.readouterr().err


def test_metric_pages_for_the_office_only(records, town):
    ms.metric_definitions_load_shipped(actor=None)
    office = town.client("office")
    response = office.post("/data/metrics/", {"engine": "duckdb", "periods": "2025-02"})
    job = Job.objects.get(kind="datasets.metric_run")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    metric_run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress) == (JobStatus.SUCCEEDED, 100)
    assert "查看计算记录" in office.get(f"/jobs/{job.pk}/").content.decode()
    page = office.get("/data/metrics/").content.decode()
    assert "getting_water.time" in page and "计算记录" in page and "已完成" in page
    detail = office.get("/data/metrics/getting_water.time/").content.decode()
    assert "工作日" in detail and "v1" in detail
    assert office.post("/data/metrics/", {"engine": "duckdb", "periods": "2025-13"}).status_code == 400
    assert office.get("/data/metrics/nope/").status_code == 404
    assert town.client("east").get("/data/metrics/").status_code == 403


def test_calendar_page_for_the_sysadmin(town):
    admin = town.client("sysadmin")
    page = admin.get("/data/calendar/?year=2027").content.decode()
    assert "未覆盖" in page
    assert "明年（2027 年）的节假日尚未维护" in page  # today is fixed at 2026-12-03
    response = admin.post("/data/calendar/?year=2027", {"action": "set", "o-day": "2027-01-01", "o-is_workday": "0",
                                                         "o-note": "元旦"})
    assert response.status_code == 302 and CalendarOverride.objects.get().note == "元旦"
    admin.post("/data/calendar/", {"action": "mark", "y-year": "2027", "y-note": "通知已发布"})
    assert CalendarYear.objects.filter(year=2027).exists()
    maintained = admin.get("/data/calendar/?year=2027").content.decode()
    assert "已维护" in maintained and "next-year-uncovered" not in maintained
    bad = admin.post("/data/calendar/", {"action": "mark", "y-year": "2025"})
    assert bad.status_code == 400 and "已由内置节假日数据覆盖" in bad.content.decode()
    admin.post("/data/calendar/overrides/2027-01-01/delete/")
    admin.post("/data/calendar/years/2027/delete/")
    assert not CalendarOverride.objects.exists() and not CalendarYear.objects.exists()
    assert town.client("office").get("/data/calendar/").status_code == 403


def test_a_rerun_that_changes_values_keeps_each_change_in_the_history_and_spares_locked_values(records, system):
    ms.metric_definitions_load_shipped(actor=None)
    first = ms.metric_run(actor=None, periods=["2025-02"])
    locked = Observation.objects.filter(region__code=EAST, period="2025-02")
    locked_ids = set(locked.values_list("pk", flat=True))
    locked.update(status="locked")
    wd.calendar_override_set(actor=None, day=date(2025, 2, 10), is_workday=False, note="测试")

    second = ms.metric_run(actor=None, periods=["2025-02"])

    assert second.updated > 0 and second.created == 0
    assert first.created == Observation.objects.filter(period="2025-02").count()
    changed = Observation.objects.filter(metric_run=second.run)
    assert changed.count() == second.updated
    for obs in changed:
        update = obs.revisions.get(action="update")
        assert update.old_values["metric_run_id"] == first.run.pk and update.new_values["metric_run_id"] == second.run.pk
        assert obs.revisions.filter(action="create").count() == 1
    assert ObservationRevision.objects.filter(action="update").count() == second.updated
    spared = Observation.objects.filter(pk__in=locked_ids)
    assert {(o.metric_run_id, o.status) for o in spared} == {(first.run.pk, "locked")}
    assert any(f" {EAST} 2025-02：" in line and "已锁定" in line for line in second.skipped)
    assert "已锁定" in second.run.message
    finish = AuditLog.objects.filter(action="metric_run.finish").last()
    assert finish.new_values["updated"] == second.updated
    assert not AuditLog.objects.filter(action__startswith="observation.").exists()
    stats = StepStatistic.objects.filter(period="2025-02")
    assert stats.count() == second.step_rows == first.step_rows
    assert {s.metric_run_id for s in stats} == {first.run.pk, second.run.pk}  # changed rows name the new run


# ---------------------------------------------------------------------------------- runs over a window of months
WINDOW_MONTHS = ["2025-09", "2025-10", "2025-11", "2025-12"]


@pytest.fixture
def crossing(system):
    """A lake of four months whose cases end, and whose steps start, in later months than they were applied in."""
    tables = generate(4000, seed=21, regions=(EAST, NORTH), first=date(2025, 9, 1), last=date(2025, 12, 31))
    land(tables)
    cases = tables["service_cases"].to_pandas().dropna(subset=["completed_at"])
    late = cases[cases.completed_at.dt.strftime("%Y-%m") != cases.applied_at.dt.strftime("%Y-%m")]
    assert len(late) > 20  # cases applied in one partition are counted in the next month by completed_at
    steps = tables["process_steps"].to_pandas()
    applied = pd.concat([tables[d].select(["record_id", "applied_at"]).to_pandas().assign(process=d)
                         for d in tables if d not in ("process_steps", "tenders")])
    steps = steps.merge(applied, on=["process", "record_id"])
    outside = steps[steps.started_at.dt.strftime("%Y-%m") != steps.applied_at.dt.strftime("%Y-%m")]
    assert len(outside) > 20  # steps of a case that lie in another month's partition
    ms.metric_definitions_load_shipped(actor=None)
    return tables


def metric_values():
    return {(o.indicator.code, o.region.code, o.period): (o.value, o.record_count)
            for o in Observation.objects.filter(source=ObservationSource.METRIC).select_related("indicator", "region")}


def step_values():
    return {(s.process, s.segment, s.region.code, s.period, s.step_no): (s.cases, s.mean_days, s.p90_days,
                                                                           s.share_over_limit)
            for s in StepStatistic.objects.select_related("region")}


def assert_window_runs_change_nothing(engine, full_values, full_steps):
    for periods in (["2025-11"], ["2025-10", "2025-12"], ["2025-09", "2025-Q4"]):
        revisions = ObservationRevision.objects.count()
        outcome = ms.metric_run(actor=None, engine=engine, periods=periods)
        wanted = {k for k in full_values if k[2] in periods}
        assert wanted
        assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, len(wanted)), (engine, periods)
        assert ObservationRevision.objects.count() == revisions
        assert metric_values() == full_values and step_values() == full_steps, (engine, periods)


def test_a_run_over_any_months_gives_the_values_of_the_full_run(crossing):
    full = ms.metric_run(actor=None, periods=WINDOW_MONTHS)
    full_values, full_steps = metric_values(), step_values()
    assert {k[2] for k in full_values} == set(WINDOW_MONTHS) and full_steps
    assert {k[1] for k in full_steps if k[0] == "business_registrations"} == {
        "", "establishment", "change", "deregistration"}  # per-segment rows too, the same on every window
    on_time = [k for k in full_values if k[0] == "government_services.item_convenience.on_time_rate"]
    assert len(on_time) == 8  # two regions × four months

    assert_window_runs_change_nothing("duckdb", full_values, full_steps)
    stamped = {s.metric_run_id for s in StepStatistic.objects.all()}
    assert stamped == {full.run.pk}  # unchanged statistics keep the run that computed them


def test_rerunning_a_month_writes_nothing_and_records_that_do_not_touch_it_keep_its_values(crossing):
    full = ms.metric_run(actor=None, periods=WINDOW_MONTHS)
    values, steps = metric_values(), step_values()
    first = ms.metric_run(actor=None, periods=["2025-11"])
    assert (first.created, first.updated) == (0, 0)
    revisions = ObservationRevision.objects.count()
    again = ms.metric_run(actor=None, periods=["2025-11"])
    assert again.reused and again.run.pk == first.run.pk and ObservationRevision.objects.count() == revisions
    # cases applied and completed in early October: November's values must not move
    october = generate(300, seed=4, regions=(EAST,), first=date(2025, 10, 1), last=date(2025, 10, 3))
    assert (october["service_cases"].to_pandas().completed_at.max().strftime("%Y-%m")) == "2025-10"
    land(october, only={"service_cases"})
    third = ms.metric_run(actor=None, periods=["2025-11"])
    assert not third.reused and (third.created, third.updated) == (0, 0)
    assert (metric_values(), step_values(), ObservationRevision.objects.count()) == (values, steps, revisions)
    assert {s.metric_run_id for s in StepStatistic.objects.all()} == {full.run.pk}


@pytest.mark.spark
def test_spark_over_any_months_gives_the_values_of_the_full_duckdb_computation(crossing):
    spark_full = ms.metric_run(actor=None, engine="spark", periods=WINDOW_MONTHS)
    full_values, full_steps = metric_values(), step_values()
    assert spark_full.created == len(full_values) > 0 and full_steps

    specs = [spec for _, spec in ms._active_specs()]
    files = {d: lake_files(dataset=d) for d in DATASETS}
    periods = [Period.parse(m) for m in WINDOW_MONTHS]
    with MetricEngine("duckdb", files=files, calendar=WorkCalendar.load()) as engine:
        duck = {(r.code, r.region_code, r.period): (r.value, r.record_count) for r in engine.run(specs, periods)}
        duck_steps = {(r.process, r.segment, r.region_code, r.period, r.step_no): (
            r.cases, r.mean_days, r.p90_days, r.share_over_limit)
                      for r in engine.step_statistics(periods)}
    assert full_values == duck and full_steps.keys() == duck_steps.keys()
    for key, stats in full_steps.items():  # percentiles: the engines' interpolation differs in the last bits
        assert all(a == b or (a is not None and b == pytest.approx(a, rel=1e-12, abs=1e-12))
                   for a, b in zip(stats, duck_steps[key], strict=True)), key
    assert_window_runs_change_nothing("spark", full_values, full_steps)
