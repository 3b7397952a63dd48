"""The facts behind 办件超期 (raw records in a tmp lake, landed by the real ingestion) and 逾期未报 (a reporting round)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bizenv.core.errors import ApplicationError
from bizenv.datasets import services as dataset_services
from bizenv.datasets.metric_services import metric_definition_save
from bizenv.indicators import services as indicator_services
from bizenv.monitoring.facts import dataset_indicator, missing_report_facts, overdue_cases, overdue_facts
from bizenv.monitoring.specs import MissingReportFact, OverdueFact
from bizenv.observations import services as observation_services
from bizenv.organisations.models import Department, Role
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create
from bizenv.workdays.calendar import WorkCalendar

EAST, NORTH, WEST = "990101", "990102", "990103"
CHECK_DAY = date(2026, 12, 3)
INDICATOR = "government_services"

SYSTEM_YAML = """
code: MON-TEST
name: 监测测试体系
version: "2026"
indicators:
  - code: government_services
    name: 政务服务
    lead_departments: [gov_services]
    source_kind: report
    cycle: monthly
    children:
      - {code: government_services.online, name: 网上可办率, unit: "%", direction: higher_better, best: 100, worst: 50}
      - {code: government_services.on_time, name: 按承诺时限办结率, unit: "%", direction: higher_better, best: 100,
         worst: 80, source_kind: metric}
  - code: starting
    name: 开办企业
    lead_departments: [samr, gov_services]
    source_kind: report
    cycle: monthly
    children:
      - {code: starting.time, name: 开办企业时间, unit: 工作日, best: 1, worst: 20}
  - code: permits
    name: 办理建筑许可
    lead_departments: [housing]
    source_kind: report
    cycle: quarterly
    children:
      - {code: permits.time, name: 审批时间, unit: 工作日, best: 30, worst: 200}
"""

OTHER_YAML = """
code: MON-OTHER
name: 另一体系
version: "2020"
indicators:
  - code: GS
    name: 政务服务
    children:
      - code: GS.speed
        name: 办事速度
        children:
          - {code: GS.speed.on_time, name: 按时办结率, unit: "%", direction: higher_better, best: 100, worst: 80}
"""


@pytest.fixture
def regions(db, settings, tmp_path):
    settings.BIZENV_LAKE_DIR = tmp_path / "lake"
    settings.BIZENV_UPLOAD_DIR = tmp_path / "uploads"
    city = region_create(actor=None, code="990100", name="示范市", level="city")
    return {code: region_create(actor=None, code=code, name=name, level=level, parent=city, sort_order=i)
            for i, (code, name, level) in enumerate([(EAST, "东城区", "district"), (NORTH, "北山县", "county"),
                                                    (WEST, "西岭县", "county")], start=1)}


def case(record_id: str, region: str, applied: str, completed: str | None, limit: float, **extra) -> dict:
    row = {"record_id": record_id, "region_code": region, "department_code": "samr", "item_name": "食品经营许可",
           "channel": "online", "applied_at": applied, "completed_at": completed, "statutory_limit_days": limit}
    row.update(extra)
    return row


@pytest.fixture
def cases(regions):
    """Cases around National Day 2026 (1–7 October off, Saturday 10 October a working day) and in November."""
    rows = [
        # 4 working days (29, 30 Sep; 8, 9 Oct) against 5: on time although 11 calendar days passed
        case("ZW-A", EAST, "2026-09-28 09:00:00", "2026-10-09 17:00:00", 5),
        # 8 working days (29, 30 Sep; 8, 9, 10, 12, 13, 14 Oct) against 5: 3 over
        case("ZW-B", EAST, "2026-09-28 10:00:00", "2026-10-14 16:00:00", 5, item_name="不动产登记",
             department_code="housing"),
        # open: 43 working days from 29 Sep to 3 Dec against 20: 23 over
        case("ZW-C", EAST, "2026-09-29 09:00:00", None, 20, item_name="施工许可", department_code=""),
        # exactly its limit (finished the next working day, limit 1): not late
        case("ZW-G", EAST, "2026-11-02 09:00:00", "2026-11-03 11:00:00", 1),
        # open: 9 working days from Friday 20 Nov to 3 Dec against 5: 4 over
        case("ZW-E", EAST, "2026-11-20 15:00:00", None, 5),
        # open: 3 working days against 10: within its limit
        case("ZW-F", EAST, "2026-11-30 09:00:00", None, 10),
        # finished the same day: 0.5 working day against 1
        case("ZW-N1", NORTH, "2026-09-30 09:00:00", "2026-09-30 15:00:00", 1),
        # August: 8 working days against 2, 6 over (only in a quarter or year asked for)
        case("ZW-N2", NORTH, "2026-08-31 09:00:00", "2026-09-10 10:00:00", 2),
        # a region not asked for
        case("ZW-W1", WEST, "2026-09-01 09:00:00", "2026-09-30 10:00:00", 1),
    ]
    batch = dataset_services.records_ingest(actor=None, dataset="service_cases", rows_or_table=rows)
    assert batch.rows_accepted == len(rows)
    return rows


@pytest.mark.django_db
def test_overdue_facts_count_late_and_open_overdue_cases_by_working_days(cases):
    facts = overdue_facts(region_codes=[EAST, NORTH], periods=["2026-09", "2026-11"], as_of=CHECK_DAY,
                          indicator=INDICATOR)

    assert facts == [
        OverdueFact(region=EAST, period="2026-09", indicator=INDICATOR, dataset="service_cases", finished=2, late=1,
                    open_overdue=1, cases=("ZW-C", "ZW-B")),
        OverdueFact(region=EAST, period="2026-11", indicator=INDICATOR, dataset="service_cases", finished=1, late=0,
                    open_overdue=1, cases=("ZW-E",)),
        OverdueFact(region=NORTH, period="2026-09", indicator=INDICATOR, dataset="service_cases", finished=1, late=0,
                    open_overdue=0, cases=()),
    ]
    assert [f.late_share for f in facts] == [0.5, 0.0, 0.0]


@pytest.mark.django_db
def test_a_quarter_sums_its_months_and_orders_cases_by_days_over(cases):
    facts = overdue_facts(region_codes=[EAST, NORTH], periods=["2026-Q3"], as_of=CHECK_DAY, indicator=INDICATOR)

    assert [(f.region, f.period, f.finished, f.late, f.open_overdue, f.cases) for f in facts] == [
        (EAST, "2026-Q3", 2, 1, 1, ("ZW-C", "ZW-B")),
        (NORTH, "2026-Q3", 2, 1, 0, ("ZW-N2",)),
    ]


@pytest.mark.django_db
def test_facts_are_the_state_at_the_check_date(cases):
    # On 10 October ZW-B was still open after 5 working days (not yet over 5) and ZW-C had used 4 of 20.
    facts = overdue_facts(region_codes=[EAST], periods=["2026-09", "2026-11"], as_of=date(2026, 10, 10),
                          indicator=INDICATOR)

    assert [(f.period, f.finished, f.late, f.open_overdue, f.cases) for f in facts] == [("2026-09", 1, 0, 0, ())]


@pytest.mark.django_db
def test_overdue_cases_list_each_case_with_its_working_days(cases):
    found = overdue_cases(region_code=EAST, period="2026-09", as_of=CHECK_DAY)

    assert [(c.record_id, c.is_open, c.state_label, c.limit_days, c.days_used, c.days_over) for c in found] == [
        ("ZW-C", True, "未办结", 20.0, 43.0, 23.0),
        ("ZW-B", False, "已办结", 5.0, 8.0, 3.0),
    ]
    late = found[1]
    assert (late.item_name, late.department_code, late.region_code, late.period) == ("不动产登记", "housing", EAST,
                                                                                     "2026-09")
    assert late.applied_at == datetime(2026, 9, 28, 10, 0) and late.completed_at == datetime(2026, 10, 14, 16, 0)
    assert found[0].completed_at is None and found[0].department_code == "" and found[0].step_no is None
    # the same duration as the metric definitions' seed-004 rule
    assert late.days_used == WorkCalendar().step_duration(late.applied_at, late.completed_at)
    assert [c.record_id for c in overdue_cases(region_code=EAST, period="2026-09", as_of=CHECK_DAY, limit=1)] == [
        "ZW-C"]


@pytest.mark.django_db
def test_no_records_no_facts(regions):
    assert overdue_facts(region_codes=[EAST], periods=["2026-09"], as_of=CHECK_DAY, indicator=INDICATOR) == []
    assert overdue_cases(region_code=EAST, period="2026-09", as_of=CHECK_DAY) == []


@pytest.mark.django_db
def test_a_check_date_the_calendar_does_not_cover_is_refused(cases):
    with pytest.raises(ApplicationError, match="工作日历未覆盖 2027 年"):
        overdue_facts(region_codes=[EAST], periods=["2026-09"], as_of=date(2027, 1, 5), indicator=INDICATOR)


@pytest.mark.django_db
def test_a_dataset_without_limits_is_refused(regions):
    with pytest.raises(ApplicationError, match="没有办理时限"):
        overdue_facts(region_codes=[EAST], periods=["2026-09"], as_of=CHECK_DAY, dataset="tenders",
                      indicator=INDICATOR)


@pytest.mark.django_db
def test_steps_are_late_against_their_own_limits(regions):
    step = {"process": "service_cases", "record_id": "ZW-B", "region_code": EAST}
    dataset_services.records_ingest(actor=None, dataset="process_steps", rows_or_table=[
        # 2 working days against 1
        {**step, "step_no": 1, "step_name": "受理", "started_at": "2026-09-28 10:00:00",
         "finished_at": "2026-09-30 10:00:00", "limit_days": 1},
        # 4 working days (8, 9, 10, 12 Oct) against 5
        {**step, "step_no": 2, "step_name": "审查", "started_at": "2026-09-30 10:00:00",
         "finished_at": "2026-10-12 10:00:00", "limit_days": 5},
        # no limit: neither counted as finished nor late
        {**step, "step_no": 3, "step_name": "决定", "started_at": "2026-09-30 11:00:00",
         "finished_at": "2026-10-30 10:00:00"},
    ])

    facts = overdue_facts(region_codes=[EAST], periods=["2026-09"], as_of=CHECK_DAY, dataset="process_steps",
                          indicator=INDICATOR)
    found = overdue_cases(region_code=EAST, period="2026-09", as_of=CHECK_DAY, dataset="process_steps")

    assert [(f.finished, f.late, f.open_overdue, f.cases) for f in facts] == [(2, 1, 0, ("ZW-B",))]
    assert [(c.record_id, c.step_no, c.item_name, c.days_used, c.days_over) for c in found] == [
        ("ZW-B", 1, "受理", 2.0, 1.0)]


@pytest.fixture
def departments(db):
    for order, (code, name) in enumerate([("samr", "市市场监管局"), ("gov_services", "市政务服务局"),
                                          ("housing", "市住房城乡建设局")]):
        department_upsert(actor=None, code=code, name=name, kind="bureau", sort_order=order)


@pytest.fixture
def version(departments):
    return indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="mon-test.yaml", publish=True).version


@pytest.mark.django_db
def test_the_dataset_topic_names_its_first_level_indicator(version):
    assert dataset_indicator("service_cases", system_version=version) == "government_services"
    assert dataset_indicator("process_steps", system_version=version) is None


@pytest.mark.django_db
def test_without_the_topic_the_metric_definitions_name_it(departments):
    other = indicator_services.indicator_system_import(
        actor=None, content=OTHER_YAML.encode("utf-8"), filename="mon-other.yaml", publish=True).version
    assert dataset_indicator("service_cases", system_version=other) is None

    metric_definition_save(actor=None, spec={
        "code": "gs.on_time", "name": "按时办结率", "indicator": "GS.speed.on_time", "dataset": "service_cases",
        "filters": [{"field": "completed_at", "op": "not_null"}],
        "measure": {"kind": "share_within_limit", "start": "applied_at", "end": "completed_at",
                    "limit_field": "statutory_limit_days"},
        "aggregation": "share", "unit": "%", "scale": 100})

    assert dataset_indicator("service_cases", system_version=other) == "GS"


def report(version, code: str, region, period: str, value: float, reporting_round, *, actor, submit: bool) -> None:
    indicator = version.indicators.get(code=code)
    obs, _ = observation_services.observation_upsert(
        actor=actor, system_version=version, indicator=indicator, region=region, period=period, value=value,
        source="report", reporting_round=reporting_round)
    if submit:
        observation_services.observation_submit(actor=actor, observation=obs)


@pytest.fixture
def september_round(version, regions, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reporter = user_create(actor=None, username="gov_reporter", password="Ceshi-mima-2026!",
                           department=Department.objects.get(code="gov_services"))
    role_grant_add(actor=None, user=reporter, role=Role.DEPARTMENT, region=regions[EAST].parent)
    rnd = observation_services.reporting_round_open(actor=None, system_version=version, period="2026-09")
    report(version, "government_services.online", regions[EAST], "2026-09", 92, rnd, actor=reporter, submit=True)
    report(version, "government_services.online", regions[NORTH], "2026-09", 88, rnd, actor=reporter,
           submit=False)  # a draft is not a report
    report(version, "starting.time", regions[NORTH], "2026-09", 2, rnd, actor=None, submit=False)  # the office's
    # due after the check date: nothing is overdue yet
    observation_services.reporting_round_open(actor=None, system_version=version, period="2026-11")
    return rnd


@pytest.mark.django_db
def test_missing_reports_are_the_unsubmitted_items_past_the_deadline(september_round):
    deadline = september_round.deadline.isoformat()
    name = september_round.name

    facts = missing_report_facts(as_of=CHECK_DAY)

    assert september_round.deadline < CHECK_DAY
    assert {f.period for f in facts} == {"2026-09"}  # reported in the September round's monitoring
    assert sorted((f.indicator, f.region, f.item_period, f.departments) for f in facts) == [
        ("government_services.online", NORTH, "2026-09", "市政务服务局"),  # a draft
        ("government_services.online", WEST, "2026-09", "市政务服务局"),
        ("permits.time", EAST, "2026-Q3", "市住房城乡建设局"),  # quarterly: owed in the September round
        ("permits.time", NORTH, "2026-Q3", "市住房城乡建设局"),
        ("permits.time", WEST, "2026-Q3", "市住房城乡建设局"),
        ("starting.time", EAST, "2026-09", "市市场监管局、市政务服务局"),
        ("starting.time", WEST, "2026-09", "市市场监管局、市政务服务局"),
    ]
    assert facts[0] == MissingReportFact(region=NORTH, period="2026-09", indicator="government_services.online",
                                         round_name=name, deadline=deadline, departments="市政务服务局",
                                         item_period="2026-09")


@pytest.mark.django_db
def test_missing_reports_wait_for_the_deadline_and_follow_the_periods(september_round, version):
    assert missing_report_facts(as_of=september_round.deadline) == []
    assert len(missing_report_facts(as_of=CHECK_DAY, periods=["2026-09"])) == 7
    assert {(f.indicator, f.item_period) for f in missing_report_facts(as_of=CHECK_DAY, periods=["2026-Q3"])} == {
        ("permits.time", "2026-Q3")}
    assert missing_report_facts(as_of=CHECK_DAY, periods=["2026-10", "2026-11"]) == []
    assert len(missing_report_facts(as_of=CHECK_DAY, system_version=version)) == 7


@pytest.mark.django_db
def test_a_closed_round_still_owes_and_another_version_owes_nothing(september_round):
    observation_services.reporting_round_update(actor=None, reporting_round=september_round, is_open=False)
    other = indicator_services.indicator_system_import(
        actor=None, content=OTHER_YAML.encode("utf-8"), filename="mon-other.yaml", publish=True).version

    assert len(missing_report_facts(as_of=CHECK_DAY)) == 7
    assert missing_report_facts(as_of=CHECK_DAY, system_version=other) == []
