"""The daily escalation as the office and the responsible units live it: a warning left unattended is reminded,
sent a numbered letter, given a 督办事项 and put up for an interview, one step a working day, never twice; an
overdue item likewise (督办 being the item's own 督办 action); a letter or an interview made by hand counts; the
rules, the interview record with its commitments and every refusal leaving nothing half-saved."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest

from bizenv.core.audit import audit_verify
from bizenv.core.clock import CHINA
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.monitoring.models import Notification, Warning, WarningStatus
from bizenv.monitoring.services import monitoring_run
from bizenv.monitoring.timeline import timeline_contributors, warning_timeline
from bizenv.workdays.calendar import WorkCalendar
from bizenv.workflows import escalation_services as services
from bizenv.workflows.models import (
    Escalation,
    EscalationRule,
    Interview,
    ItemEvent,
    ItemKind,
    ItemSource,
    ItemStatus,
    Letter,
    WorkItem,
)
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act, months

pytestmark = pytest.mark.django_db


def run_on(settings, day: date, actor=None):
    """The daily job as it runs on `day` (today is that day for everything it does)."""
    settings.BIZENV_TODAY = day.isoformat()
    return services.escalation_advance(actor=actor)


@pytest.fixture
def warning(fill, rules, counties, version):
    """东湖县's 开办企业时间 over its red line in 2026-10, raised on Friday 2026-11-20 (9 working days before
    2026-12-03)."""
    fill(months("2025-01", "2026-10"), breach={"2026-10"})
    monitoring_run()
    found = Warning.objects.get()
    Warning.objects.filter(pk=found.pk).update(created_at=dt.datetime(2026, 11, 20, 9, tzinfo=CHINA))
    found.refresh_from_db()
    return found


@pytest.fixture
def registered():
    from bizenv.monitoring.pages import warning_panels

    timelines, panels = list(timeline_contributors), list(warning_panels)
    services.register_warning_contributions()
    yield
    timeline_contributors[:] = timelines
    warning_panels[:] = panels


def steps_of(**target) -> list[str]:
    return list(Escalation.objects.filter(**target).order_by("on", "id").values_list("step", flat=True))


# ------------------------------------------------------------------------------------------------- rules


def test_default_rules_are_created_once_and_audited(db):
    assert services.escalation_rules_ensure_defaults() == 8
    assert services.escalation_rules_ensure_defaults() == 0
    got = {(r.target, r.step): r.after_workdays for r in EscalationRule.objects.all()}
    assert got == {("warning", "remind"): 3, ("warning", "letter"): 5, ("warning", "supervise"): 10,
                   ("warning", "interview"): 20, ("item", "remind"): 1, ("item", "letter"): 3,
                   ("item", "supervise"): 5, ("item", "interview"): 10}
    assert AuditLog.objects.filter(action="escalation_rule.save").count() == 8


def test_the_office_changes_a_rule_and_a_no_op_writes_nothing(office):
    services.escalation_rules_ensure_defaults()
    rule = EscalationRule.objects.get(target="warning", step="letter")
    before = AuditLog.objects.count()
    services.escalation_rule_save(actor=office, rule=rule, target="warning", step="letter", after_workdays="7",
                                  severities=["red", "orange"])
    rule.refresh_from_db()
    assert (rule.after_workdays, rule.severities, rule.updated_by) == (7, ["red", "orange"], office)
    entry = AuditLog.objects.filter(action="escalation_rule.save").latest("id")
    assert entry.old_values["after_workdays"] == 5 and entry.new_values["after_workdays"] == 7
    services.escalation_rule_save(actor=office, rule=rule, target="warning", step="letter", after_workdays=7,
                                  severities=["orange", "red"])
    assert AuditLog.objects.count() == before + 1


@pytest.mark.parametrize(("target", "after", "severities", "message"), [
    ("warning", "0", (), "工作日数应在 1 到 250 之间"),
    ("warning", "三", (), "工作日数“三”不是整数"),
    ("warning", "5", ("purple",), "预警等级“purple”无效"),
    ("item", "5", ("red",), "任务不分预警等级"),
])
def test_a_wrong_rule_is_refused_in_chinese(office, target, after, severities, message):
    services.escalation_rules_ensure_defaults()
    rule = EscalationRule.objects.get(target=target, step="letter")
    with pytest.raises(ApplicationError) as err:
        services.escalation_rule_save(actor=office, rule=rule, target=target, step="letter", after_workdays=after,
                                      severities=severities)
    assert message in err.value.message
    rule.refresh_from_db()
    assert rule.severities == [] and rule.after_workdays in (5, 3)


def test_only_the_office_sets_rules_and_a_second_rule_for_a_step_is_a_conflict(county_user, office):
    services.escalation_rules_ensure_defaults()
    with pytest.raises(PermissionDenied):
        services.escalation_rule_save(actor=county_user, target="warning", step="remind", after_workdays=2)
    with pytest.raises(ApplicationError) as err:
        services.escalation_rule_save(actor=office, target="warning", step="remind", after_workdays=2)
    assert err.value.code == ErrorCode.CONFLICT and "已存在" in err.value.message


def test_the_rules_page_saves_all_rows_or_none(office):
    services.escalation_rules_ensure_defaults()
    remind = EscalationRule.objects.get(target="item", step="remind")
    letter = EscalationRule.objects.get(target="item", step="letter")
    with pytest.raises(ApplicationError):
        services.escalation_rules_save(actor=office, changes=[
            services.RuleChange(rule=remind, after_workdays=2), services.RuleChange(rule=letter, after_workdays=0)])
    remind.refresh_from_db()
    assert remind.after_workdays == 1


# ------------------------------------------------------------------------------------------- a warning


def test_an_unattended_warning_climbs_the_ladder_one_working_day_at_a_time(
        settings, warning, county_user, dept_user, office, registered):
    assert services.warning_unattended_workdays(warning=warning, as_of=date(2026, 12, 3)) == 9
    Warning.objects.filter(pk=warning.pk).update(created_at=dt.datetime(2026, 11, 2, 9, tzinfo=CHINA))
    warning.refresh_from_db()

    summary = run_on(settings, date(2026, 12, 3))
    assert [(s.step, s.workdays) for s in summary.taken] == [("remind", 23)]
    note = Notification.objects.get(recipient=county_user, kind="escalation")
    assert "东湖县 · 开办企业时间预警已 23 个工作日未处置" in note.title and note.url == f"/monitoring/warnings/{warning.pk}/"
    # the lead department of 开办企业 (samr) hears too
    assert Notification.objects.filter(recipient=dept_user, kind="escalation").count() == 1

    again = run_on(settings, date(2026, 12, 3))
    assert again.taken == [] and steps_of(warning=warning) == ["remind"]

    run_on(settings, date(2026, 12, 4))
    letter = Letter.objects.get()
    assert letter.number == "营商提醒〔2026〕1号" and letter.recipient_region.code == "990101"
    assert letter.warning == warning and letter.indicator_name == "开办企业时间"
    assert letter.deadline == WorkCalendar.load().workday_add(date(2026, 12, 4), 5)
    assert Notification.objects.filter(recipient=county_user, kind="letter").count() == 1

    run_on(settings, date(2026, 12, 7))
    item = WorkItem.objects.get(source=ItemSource.ESCALATION)
    assert (item.kind, item.status, item.warning, item.assignee_region.code) == (
        ItemKind.SUPERVISION, ItemStatus.ISSUED, warning, "990101")
    assert item.issued_on == date(2026, 12, 7) and item.deadline == WorkCalendar.load().workday_add(date(2026, 12, 7), 10)
    assert item.indicator_codes == ["starting.time"] and "未上报整改举措" in item.description

    run_on(settings, date(2026, 12, 8))
    office_note = Notification.objects.get(recipient=office, kind="escalation")
    assert office_note.title.startswith("约谈提示：东湖县 · 开办企业时间预警") and "warning=" in office_note.url
    assert run_on(settings, date(2026, 12, 9)).taken == []

    rows = list(Escalation.objects.filter(warning=warning).order_by("on"))
    assert [(r.step, r.on) for r in rows] == [("remind", date(2026, 12, 3)), ("letter", date(2026, 12, 4)),
                                              ("supervise", date(2026, 12, 7)), ("interview", date(2026, 12, 8))]
    assert rows[1].letter == letter and rows[2].created_item == item
    assert AuditLog.objects.filter(action="escalation.step").count() == 4
    assert audit_verify().ok

    titles = [s.title for s in warning_timeline(warning=warning, measures=[])]
    assert titles[0].endswith("首次预警")
    assert [t for t in titles if t.startswith("升级督办")] == [
        "升级督办：提醒", "升级督办：提醒函", "升级督办：督办", "升级督办：约谈"]
    detail = next(s.detail for s in warning_timeline(warning=warning, measures=[]) if s.title == "升级督办：提醒函")
    assert "营商提醒〔2026〕1号" in detail


def test_a_warning_with_a_measure_is_no_longer_escalated(settings, warning, county_user, method):
    from bizenv.monitoring.services import measure_submit

    run_on(settings, date(2026, 12, 3))
    measure_submit(actor=county_user, warning=warning, method=method, description="压缩开办环节",
                   files=[_pdf()])
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RECTIFYING
    assert run_on(settings, date(2026, 12, 4)).taken == []
    assert steps_of(warning=warning) == ["remind"]


def _pdf():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from matplotlib.figure import Figure

    out = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(out, format="pdf")
    return SimpleUploadedFile("整改报告.pdf", out.getvalue(), content_type="application/pdf")


def test_rules_drive_the_job_disabled_steps_and_severities(settings, warning, office):
    services.escalation_rules_ensure_defaults()
    EscalationRule.objects.filter(target="warning", step="remind").update(enabled=False)
    EscalationRule.objects.filter(target="warning", step="letter").update(severities=["yellow"])
    run_on(settings, date(2026, 12, 3))
    assert steps_of(warning=warning) == []  # 督办 needs 10 working days; today is the 9th
    run_on(settings, date(2026, 12, 4))
    assert steps_of(warning=warning) == ["supervise"] and not Letter.objects.exists()


def test_nothing_is_escalated_on_a_day_off(settings, warning):
    summary = run_on(settings, date(2026, 12, 5))  # a Saturday
    assert summary.workday is False and summary.lines() == ["2026年12月5日不是工作日，不升级督办。"]
    assert not Escalation.objects.exists()


def test_a_letter_by_hand_counts_as_the_letter_step(settings, warning, office, county_user):
    settings.BIZENV_TODAY = "2026-12-03"
    letter = services.letter_create(actor=office, warning=warning)
    assert letter.number == "营商提醒〔2026〕1号" and letter.created_by == office
    row = Escalation.objects.get(warning=warning)
    assert (row.step, row.letter, row.created_by) == ("letter", letter, office)
    assert run_on(settings, date(2026, 12, 3)).taken == []  # one step a day
    run_on(settings, date(2026, 12, 4))
    assert steps_of(warning=warning) == ["letter", "supervise"]  # no reminder after a letter: 督办 is next
    second = services.letter_create(actor=office, warning=warning)
    assert second.number == "营商提醒〔2026〕2号" and Escalation.objects.filter(step="letter").count() == 1


def test_a_letter_by_hand_is_the_offices_and_only_for_an_active_warning(warning, county_user, office):
    with pytest.raises(PermissionDenied):
        services.letter_create(actor=county_user, warning=warning)
    Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.CLOSED)
    warning.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        services.letter_create(actor=office, warning=warning)
    assert err.value.code == ErrorCode.CONFLICT and "已关闭" in err.value.message
    with pytest.raises(ApplicationError) as err:
        services.letter_create(actor=office)
    assert "一条预警或一项任务" in err.value.message
    assert not Letter.objects.exists()


def test_a_second_letter_on_the_same_day_needs_confirming(warning, office, make_item):
    first = services.letter_create(actor=office, warning=warning)
    with pytest.raises(ApplicationError) as err:
        services.letter_create(actor=office, warning=warning)  # pressed twice
    assert err.value.code == ErrorCode.CONFLICT
    assert err.value.message.startswith(f"今天已生成提醒函 {first.number}，未再生成")
    assert Letter.objects.count() == 1 and AuditLog.objects.filter(action="letter.create").count() == 1
    second = services.letter_create(actor=office, warning=warning, again=True)
    assert second.number == "营商提醒〔2026〕2号" and Letter.objects.count() == 2
    item = make_item(assignee="990101")
    services.letter_create(actor=office, item=item)  # another target: no question asked
    with pytest.raises(ApplicationError) as err:
        services.letter_create(actor=office, item=item)
    assert err.value.code == ErrorCode.CONFLICT and "营商提醒〔2026〕3号" in err.value.message


def test_letter_numbers_run_per_year_and_a_number_taken_meanwhile_is_retried(warning, office, monkeypatch):
    first = services.letter_create(actor=office, warning=warning)
    real = services._last_seq
    calls = []

    def stale_then_real(year):
        """The first look misses the letter just numbered (as a concurrent writer would)."""
        calls.append(year)
        return 0 if len(calls) == 1 else real(year)

    monkeypatch.setattr(services, "_last_seq", stale_then_real)
    second = services.letter_create(actor=office, warning=warning, again=True)
    assert (first.seq, second.seq) == (1, 2) and second.number == "营商提醒〔2026〕2号" and len(calls) == 2
    Letter.objects.create(number="营商提醒〔2027〕1号", year=2027, seq=1, title="x", scope_region=warning.region,
                          path="", sha256="")
    assert real(2026) == 2 and real(2027) == 1


def test_a_department_owed_report_is_supervised_through_the_lead_department(settings, warning, office, dept_user):
    Warning.objects.filter(pk=warning.pk).update(
        kind="missing_report", facts={**warning.facts, "extra": [["责任单位", "市市场监管局"]]},
        indicator_code="starting.time", level1_code="starting")
    warning.refresh_from_db()
    department, region = services.sel.warning_unit(warning)
    assert (department.code, region) == ("samr", None)
    services.escalation_rules_ensure_defaults()
    EscalationRule.objects.filter(target="warning", step__in=["remind", "letter"]).update(enabled=False)
    run_on(settings, date(2026, 12, 4))
    item = WorkItem.objects.get(source=ItemSource.ESCALATION)
    assert item.assignee_department.code == "samr" and item.assignee_region is None
    assert Notification.objects.filter(recipient=dept_user, kind="work_item").exists()


# --------------------------------------------------------------------------------------------- an item


@pytest.fixture
def overdue_item(make_item, county_user):
    """An item of 东湖县 accepted and due on 2026-11-25 (6 working days before 2026-12-03)."""
    item = act(make_item(assignee="990101"), "accept", county_user)
    WorkItem.objects.filter(pk=item.pk).update(deadline=date(2026, 11, 25), issued_on=date(2026, 11, 10))
    item.refresh_from_db()
    return item


def test_an_overdue_item_is_reminded_lettered_supervised_and_put_up_for_an_interview(
        settings, overdue_item, county_user, office):
    item = overdue_item
    assert services.item_delay(item=item, as_of=date(2026, 12, 3)).unattended == 6
    run_on(settings, date(2026, 12, 3))
    assert Notification.objects.filter(recipient=county_user, kind="escalation",
                                       title__contains="已逾期 6 个工作日").count() == 1
    run_on(settings, date(2026, 12, 4))
    letter = Letter.objects.get(item=item)
    assert letter.recipient_region.code == "990101" and "逾期" in letter.title
    run_on(settings, date(2026, 12, 7))
    item.refresh_from_db()
    assert item.supervise_count == 1 and item.status == ItemStatus.IN_PROGRESS
    assert run_on(settings, date(2026, 12, 8)).taken == []  # 约谈 after 10; the 8th is the 9th working day
    run_on(settings, date(2026, 12, 9))
    assert steps_of(item=item) == ["remind", "letter", "supervise", "interview"]
    events = list(item.events.filter(action__in=["escalate", "supervise"]).values_list("action", "text"))
    assert [a for a, _ in events] == ["escalate", "escalate", "supervise", "escalate", "escalate"]
    assert "升级督办（提醒函）" in events[1][1] and letter.number in events[1][1]
    assert "已逾期 8 个工作日（12 个日历日）" in events[2][1]  # 11-25 → 12-07
    assert Notification.objects.filter(recipient=office, kind="escalation", url__contains=f"item={item.pk}").exists()


def test_an_item_not_accepted_is_escalated_after_its_acceptance_period(settings, make_item):
    item = make_item(assignee="990101", deadline=date(2026, 12, 31))
    WorkItem.objects.filter(pk=item.pk).update(issued_on=date(2026, 11, 25))
    item.refresh_from_db()
    delay = services.item_delay(item=item, as_of=date(2026, 12, 3))
    assert (delay.overdue, delay.unaccepted, delay.unattended) == (0, 6, 3)
    run_on(settings, date(2026, 12, 3))
    assert steps_of(item=item) == ["remind"]


def test_items_waiting_for_the_issuer_or_finished_are_not_escalated(settings, overdue_item, county_user):
    act(overdue_item, "submit", county_user)
    assert run_on(settings, date(2026, 12, 3)).taken == []
    assert not Escalation.objects.exists()


# ---------------------------------------------------------------------------------------------- interviews


def test_an_interview_record_turns_commitments_into_issued_items(settings, warning, office, county_user):
    settings.BIZENV_TODAY = "2026-12-03"
    interview = services.interview_record(
        actor=office, warning=warning, held_on=date(2026, 12, 2), place="市政务服务中心 3 楼会议室",
        participants="营商办 张三；东湖县 李四", minutes="东湖县说明开办企业时间偏长的原因。",
        commitments=[{"text": "12 月底前开办企业全程网办", "deadline": "2026-12-31"},
                     {"text": "", "deadline": "", "assignee": ""},
                     {"text": "市场监管局派员指导", "deadline": date(2026, 12, 20), "assignee": "samr"}])
    assert (interview.region.code, interview.department) == ("990101", None)
    items = list(WorkItem.objects.filter(interview=interview).order_by("id"))
    assert [(i.title, i.source, i.status, i.kind) for i in items] == [
        ("12 月底前开办企业全程网办", ItemSource.INTERVIEW, ItemStatus.ISSUED, ItemKind.RECTIFICATION),
        ("市场监管局派员指导", ItemSource.INTERVIEW, ItemStatus.ISSUED, ItemKind.RECTIFICATION)]
    assert items[0].assignee_region.code == "990101" and items[1].assignee_department.code == "samr"
    assert items[0].warning == warning and items[0].deadline == date(2026, 12, 31)
    assert [c["item"] for c in interview.commitments] == [i.code for i in items]
    row = Escalation.objects.get(warning=warning, step="interview")
    assert row.interview == interview
    assert AuditLog.objects.filter(action="interview.create").count() == 1
    # the job will not ask for another interview, nor go back to the earlier steps
    assert run_on(settings, date(2026, 12, 4)).taken == []


@pytest.mark.parametrize(("commitments", "held_on", "message"), [
    ([{"text": "整改", "deadline": "2026-12-31"}, {"text": "第二条", "deadline": "2026/12/31"}], "2026-12-01",
     "第 2 条整改承诺：完成时限“2026/12/31”不是有效日期"),
    ([{"text": "整改", "deadline": "2026-11-30"}], "2026-12-01", "第 1 条整改承诺：完成时限 2026年11月30日 早于下发日期"),
    ([{"text": "整改", "deadline": "2026-12-31", "assignee": "nobody"}], "2026-12-01",
     "第 1 条整改承诺：责任单位编码“nobody”不存在"),
    ([{"text": "", "deadline": "2026-12-31"}], "2026-12-01", "第 1 条整改承诺：请填写承诺内容"),
    ([{"text": "整改", "deadline": "2030-12-31"}], "2026-12-01", "第 1 条整改承诺：完成时限 2030年12月31日"),
    ([], "2026-12-09", "约谈日期 2026-12-09 晚于今天"),
])
def test_a_wrong_interview_record_saves_nothing(warning, office, commitments, held_on, message):
    with pytest.raises(ApplicationError) as err:
        services.interview_record(actor=office, warning=warning, held_on=held_on, participants="张三",
                                  minutes="纪要", commitments=commitments)
    assert message in err.value.message
    assert not Interview.objects.exists() and not WorkItem.objects.exists() and not Escalation.objects.exists()


def test_an_interview_about_an_item_is_on_its_timeline(overdue_item, office):
    interview = services.interview_record(actor=office, item=overdue_item, held_on="2026-12-03", participants="张三",
                                          minutes="说明原因", commitments=[{"text": "本周办结", "deadline": "2026-12-04"}])
    event = ItemEvent.objects.filter(item=overdue_item, action="interview").latest("id")
    assert "约谈东湖县" in event.text and interview.commitments[0]["item"] in event.text


def test_escalation_rows_on_an_items_timeline_have_chinese_labels_and_an_amber_tone(settings, overdue_item, office):
    from django.test import Client

    from bizenv.workflows.api import event_out

    settings.BIZENV_TODAY = "2026-12-03"
    services.escalation_advance(actor=None)  # 提醒
    services.letter_create(actor=office, item=overdue_item)
    services.interview_record(actor=office, item=overdue_item, held_on="2026-12-03", participants="张三",
                              minutes="说明原因")
    labels = [event_out(e)["action_label"] for e in overdue_item.events.filter(action__in=["escalate", "letter", "interview"])
              .order_by("id")]
    assert labels == ["升级督办", "提醒函", "约谈"]
    client = Client()
    client.force_login(office)
    html = client.get(f"/workflows/items/{overdue_item.pk}/").content.decode()
    for action in ("escalate", "letter", "interview"):
        assert f'class="tone-amber" data-action="{action}"' in html
    detail = client.get(f"/api/v1/workflows/items/{overdue_item.pk}").json()
    assert {"升级督办", "提醒函", "约谈"} <= {e["action_label"] for e in detail["timeline"]}
    assert "办理" not in {e["action_label"] for e in detail["timeline"]}


def test_only_the_office_records_an_interview(overdue_item, county_user):
    with pytest.raises(PermissionDenied):
        services.interview_record(actor=county_user, item=overdue_item, held_on="2026-12-03", participants="张三",
                                  minutes="说明原因")
    assert not Interview.objects.exists()


# ----------------------------------------------------------------------------------------------- the job


def test_the_daily_schedule_is_made_once_and_runs_the_job(settings, warning):
    from django_q.models import Schedule

    from bizenv.core.models import Job
    from bizenv.workflows import tasks

    assert tasks.escalation_schedule_ensure() is True
    assert tasks.escalation_schedule_ensure() is False
    schedule = Schedule.objects.get(name="workflows.escalation_daily")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "bizenv.workflows.tasks.escalation_daily", Schedule.DAILY, -1)
    assert schedule.next_run.astimezone(CHINA).time() == dt.time(7, 0)
    settings.BIZENV_TODAY = "2026-12-03"
    job = Job.objects.get(pk=tasks.escalation_daily())
    assert job.status == "succeeded" and job.for_office and "提醒 1 项" in job.message
    assert steps_of(warning=warning) == ["remind"]
    tasks.escalation_daily()
    assert steps_of(warning=warning) == ["remind"]


def test_the_worker_s_scheduler_queues_the_daily_job_when_it_is_due(db, monkeypatch):
    from django.utils import timezone
    from django_q import scheduler as scheduler_module
    from django_q.brokers import get_broker
    from django_q.models import OrmQ, Schedule
    from django_q.scheduler import scheduler
    from django_q.signing import SignedPackage

    from bizenv.workflows import tasks

    # the worker closes stale connections first; inside a test's transaction that would close the test's own
    monkeypatch.setattr(scheduler_module, "close_old_django_connections", lambda: None)
    tasks.escalation_schedule_ensure()
    Schedule.objects.filter(name=tasks.SCHEDULE_NAME).update(next_run=timezone.now() - dt.timedelta(minutes=1))
    scheduler(broker=get_broker())
    schedule = Schedule.objects.get(name=tasks.SCHEDULE_NAME)
    assert schedule.next_run > timezone.now() and schedule.task
    queued = [SignedPackage.loads(q.payload) for q in OrmQ.objects.all()]
    assert [q["func"] for q in queued] == ["bizenv.workflows.tasks.escalation_daily"]


def test_a_failing_step_is_reported_and_the_others_go_on(settings, warning, overdue_item, monkeypatch):
    def broken(**_kwargs):
        raise ApplicationError("示例故障")

    monkeypatch.setattr(services, "_step_remind", broken)
    summary = run_on(settings, date(2026, 12, 3))
    assert summary.taken == [] and len(summary.errors) == 2
    assert "的提醒未完成：示例故障" in summary.errors[0]
    assert not Escalation.objects.exists()
