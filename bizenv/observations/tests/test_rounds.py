"""Reporting rounds: owed rows, deadlines, completeness per department and region."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.core.periods import Period
from bizenv.observations import selectors, services
from bizenv.observations.rounds import deadline_for, owed_period


@pytest.mark.parametrize("round_period,cycle,expected", [
    ("2026-09", "monthly", "2026-09"),
    ("2026-09", "quarterly", "2026-Q3"),
    ("2026-08", "quarterly", None),
    ("2026-09", "yearly", None),
    ("2026-12", "yearly", "2026"),
    ("2026-12", "", "2026"),
    ("2026-Q4", "yearly", "2026"),
    ("2026-Q4", "monthly", None),
    ("2026", "quarterly", None),
])
def test_owed_period_follows_the_cycle(round_period, cycle, expected):
    owed = owed_period(Period.parse(round_period), cycle)
    assert (str(owed) if owed else None) == expected


def test_deadline_counts_working_days_after_the_period():
    weekdays = deadline_for(Period.parse("2026-02"), is_workday=lambda d: d.weekday() < 5)
    assert weekdays.day == date(2026, 3, 13)  # ten weekdays after 28 February
    assert "第 10 个工作日" in weekdays.rule


def test_deadline_skips_national_day_holidays(db):
    deadline = services.reporting_round_deadline(period="2026-09")
    # 1–7 October 2026 are statutory holidays, so the tenth working day falls well after 14 October.
    assert deadline.day > date(2026, 10, 14)


def test_deadline_in_an_uncovered_year_says_so(db):
    deadline = services.reporting_round_deadline(period="2026")
    assert deadline.day.year == 2027
    assert "2027 年的法定节假日安排尚未录入" in deadline.rule


def test_only_the_office_opens_rounds_and_only_once(version, office, samr):
    with pytest.raises(PermissionDenied):
        services.reporting_round_open(actor=samr, system_version=version, period="2026-09")
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    assert rnd.name == "2026年9月数据填报" and rnd.deadline > date(2026, 9, 30) and rnd.deadline_rule
    with pytest.raises(ApplicationError, match="已经存在"):
        services.reporting_round_open(actor=office, system_version=version, period="2026-09")


def test_deadline_before_period_end_is_refused(version, office):
    with pytest.raises(ApplicationError, match="应晚于"):
        services.reporting_round_open(actor=office, system_version=version, period="2026-09",
                                      deadline=date(2026, 9, 15))


def test_department_sees_what_it_owes(version, ind, counties, office, samr, housing):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    mine = selectors.round_items(user=samr, reporting_round=rnd, mine=True)
    assert {(i.indicator.code, i.period) for i in mine} == {("starting.time", "2026-09"),
                                                           ("starting.online", "2026-09")}
    assert len(mine) == 2 * len(counties)
    housing_rows = selectors.round_items(user=housing, reporting_round=rnd, mine=True)
    assert {(i.indicator.code, i.period) for i in housing_rows} == {("permits.time", "2026-Q3")}
    # metric-sourced indicators are never owed by a form
    assert all(i.indicator.source_kind != "metric" for i in selectors.round_items(user=office, reporting_round=rnd))


def test_county_user_owes_only_its_county(version, counties, office, county_user):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    items = selectors.round_items(user=county_user, reporting_round=rnd, mine=True)
    assert items and {i.region for i in items} == {counties[0]}


def test_completeness_counts_missing_submitted_and_overdue(version, ind, counties, office, samr):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    obs, _ = services.observation_upsert(actor=samr, system_version=version, indicator=ind["starting.time"],
                                         region=counties[0], period="2026-09", value=3, source="report",
                                         reporting_round=rnd)
    services.observation_submit(actor=samr, observation=obs)
    services.observation_upsert(actor=samr, system_version=version, indicator=ind["starting.time"],
                                region=counties[1], period="2026-09", value=4, source="report",
                                reporting_round=rnd)

    before = selectors.round_completeness(user=office, reporting_round=rnd, today=rnd.deadline)
    after = selectors.round_completeness(user=office, reporting_round=rnd,
                                         today=date.fromordinal(rnd.deadline.toordinal() + 1))

    samr_row = next(t for t in before.by_department if t.key == "samr")
    assert (samr_row.owed, samr_row.submitted, samr_row.draft, samr_row.missing) == (6, 1, 1, 4)
    assert samr_row.overdue == 0 and before.is_overdue is False
    late_row = next(t for t in after.by_department if t.key == "samr")
    assert late_row.overdue == 5 and after.is_overdue
    east = next(t for t in after.by_region if t.label == "东湖县")
    assert east.owed == 3 and east.submitted == 1
    assert after.total.owed == 9 and after.total.done == 1
    assert len(after.missing) == 8


def test_closed_round_refuses_reporters_but_not_the_office(version, ind, counties, office, samr):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    services.reporting_round_update(actor=office, reporting_round=rnd, is_open=False)
    rnd.refresh_from_db()
    args = dict(system_version=version, indicator=ind["starting.time"], region=counties[0], period="2026-09",
                value=3, source="report", reporting_round=rnd)
    with pytest.raises(ApplicationError, match="已关闭"):
        services.observation_upsert(actor=samr, **args)
    assert services.observation_upsert(actor=office, **args)[1] == "created"
