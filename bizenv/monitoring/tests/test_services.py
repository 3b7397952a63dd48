"""The monitoring run and the warning lifecycle against a real database: warnings open, persist, clear,
resolve (销号) and recur; measures with evidence and their review; notifications once per event."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.core.audit import AuditLog
from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.monitoring.models import MeasureEvidence, Notification, RectificationMeasure, Warning
from bizenv.monitoring.services import (
    measure_review,
    measure_submit,
    monitoring_run,
    monitoring_run_request,
    warning_acknowledge,
    warning_close,
    warning_resolve,
)
from bizenv.monitoring.tests.world import *  # noqa: F403 — the shared fixtures
from bizenv.monitoring.tests.world import months

pytestmark = pytest.mark.django_db

HISTORY = months("2025-01", "2026-06")


def pdf_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = io.BytesIO()
    Figure(figsize=(2, 2)).savefig(out, format="pdf")
    return out.getvalue()


def pdf(name: str = "整改说明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def test_a_breach_opens_one_warning_with_its_explanation_and_a_second_run_changes_nothing(fill, rules):
    # given 东湖县's 开办企业时间 breaches the line of 10 in 2026-06
    fill(HISTORY, breach={"2026-06"})
    # when the rules run twice
    first = monitoring_run(period="2026-06")
    audit_rows = AuditLog.objects.count()
    second = monitoring_run(period="2026-06")
    # then one red warning names the county, the indicator, its value and the line, and nothing changed again
    warning = Warning.objects.get()
    assert (warning.region.name, warning.indicator_name, warning.severity) == ("东湖县", "开办企业时间", "red")
    assert (warning.value, warning.reference, warning.first_period) == (12.0, 10.0, "2026-06")
    assert "东湖县" in warning.explanation and "开办企业时间" in warning.explanation and "12" in warning.explanation
    assert first.opened == 1 and second.opened == 0 and second.updated == 0
    assert AuditLog.objects.count() == audit_rows


def test_a_persisting_condition_updates_its_warning_and_a_cleared_one_is_resolved_by_the_run(fill, rules):
    fill(HISTORY + ["2026-07", "2026-08", "2026-09"], breach={"2026-06", "2026-07"})
    for period in ("2026-06", "2026-07", "2026-08"):
        monitoring_run(period=period)
    warning = Warning.objects.get()
    assert warning.last_period == "2026-07"
    assert [h["period"] for h in warning.history] == ["2026-06", "2026-07"]
    assert warning.cleared_periods == 1 and warning.get_status_display() == "待签收"
    summary = monitoring_run(period="2026-09")
    warning.refresh_from_db()
    assert warning.cleared_periods == 2 and warning.last_checked_period == "2026-09"
    assert warning.get_status_display() == "已销号" and summary.resolved == 1
    assert warning.close_reason == "预警条件已连续 2 期消除，系统自动销号。"


def test_the_office_resolves_once_the_condition_has_cleared_and_a_second_click_is_refused(fill, rules, office):
    fill(HISTORY + ["2026-07"], breach={"2026-06"})
    monitoring_run(period="2026-06")
    warning = Warning.objects.get()
    with pytest.raises(ApplicationError, match="2026年6月预警条件仍然存在，条件消除后才能销号"):
        warning_resolve(actor=office, warning=warning)
    monitoring_run(period="2026-07")
    resolved = warning_resolve(actor=office, warning=warning)
    assert resolved.get_status_display() == "已销号"
    with pytest.raises(ApplicationError, match="当前为“已销号”，不能销号") as refused:
        warning_resolve(actor=office, warning=warning)
    assert refused.value.code == "conflict"


def test_a_recurrence_after_resolution_opens_a_new_warning_linked_to_the_old(fill, rules):
    fill(HISTORY + ["2026-07", "2026-08", "2026-09"], breach={"2026-06", "2026-09"})
    for period in ("2026-06", "2026-07", "2026-08", "2026-09"):
        monitoring_run(period=period)
    old = Warning.objects.get(first_period="2026-06")
    new = Warning.objects.exclude(pk=old.pk).get()
    assert old.get_status_display() == "已销号"
    assert new.previous_id == old.pk and new.first_period == "2026-09" and new.get_status_display() == "待签收"
    # a run over every period again reopens nothing in the resolved warning's months
    monitoring_run()
    assert Warning.objects.count() == 2


def test_closing_needs_a_reason(fill, rules, office):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    warning = Warning.objects.get()
    with pytest.raises(ApplicationError, match="必须填写理由"):
        warning_close(actor=office, warning=warning, reason="  ")
    closed = warning_close(actor=office, warning=warning, reason="数据口径调整")
    assert (closed.get_status_display(), closed.close_reason) == ("已关闭", "数据口径调整")


def test_the_county_and_the_lead_department_act_others_are_refused(fill, rules, county_user,
                                                                     other_county_user, dept_user, power_user):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    warning = Warning.objects.get()
    for outsider in (other_county_user, power_user):
        with pytest.raises(PermissionDenied):
            warning_acknowledge(actor=outsider, warning=warning)
    assert warning_acknowledge(actor=dept_user, warning=warning).get_status_display() == "已签收"
    with pytest.raises(ApplicationError, match="不能再签收"):
        warning_acknowledge(actor=county_user, warning=warning)


def test_a_measure_with_evidence_starts_rectification_and_its_review(fill, rules, county_user, office, method):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    warning = Warning.objects.get()
    measure = measure_submit(actor=county_user, warning=warning, method=method, description="推行并联审批",
                             files=[pdf()])
    warning.refresh_from_db()
    assert warning.get_status_display() == "整改中" and warning.first_measure_period == "2026-12"
    evidence = measure.evidence.get()
    assert evidence.original_name == "整改说明.pdf" and evidence.kind
    assert "evidence" in evidence.path and not evidence.path.endswith("整改说明.pdf")  # stored under a random name
    with pytest.raises(ApplicationError, match="审核意见"):
        measure_review(actor=office, measure=measure, accept=False, comment="")
    reviewed = measure_review(actor=office, measure=measure, accept=False, comment="请补充办件数据")
    assert reviewed.get_status_display() == "需补充"
    with pytest.raises(ApplicationError, match="已审核"):
        measure_review(actor=office, measure=measure, accept=True)
    # the county is told of the outcome, once
    assert Notification.objects.filter(recipient=county_user, event=f"measure.review:{measure.pk}").count() == 1


def test_bad_evidence_saves_nothing(fill, rules, county_user, method, settings):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    warning = Warning.objects.get()
    renamed = SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    with pytest.raises(ApplicationError) as refused:
        measure_submit(actor=county_user, warning=warning, method=method, description="整改",
                       files=[pdf(), renamed])
    assert "整改报告.pdf" in refused.value.message
    assert not RectificationMeasure.objects.exists() and not MeasureEvidence.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    warning.refresh_from_db()
    assert warning.get_status_display() == "待签收"


def test_another_countys_measure_is_refused(fill, rules, other_county_user, method):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    with pytest.raises(PermissionDenied):
        measure_submit(actor=other_county_user, warning=Warning.objects.get(), method=method, description="整改",
                       files=[pdf()])
    assert not RectificationMeasure.objects.exists()


def test_a_new_warning_notifies_the_county_the_lead_department_and_the_office_once(
        fill, rules, county_user, other_county_user, dept_user, power_user, office):
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    monitoring_run(period="2026-06")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"county1", "dept", "office"}
    assert Notification.objects.count() == 3
    note = Notification.objects.get(recipient=county_user)
    assert note.title == "红色预警：东湖县 · 开办企业时间"


def test_a_batch_of_approvals_queues_one_monitoring_run(db):
    from bizenv.core.models import Job

    first = monitoring_run_request(periods=["2026-06"])
    again = monitoring_run_request(periods=["2026-06"])
    assert first is not None and again is None
    other = monitoring_run_request(periods=["2026-07"])
    every = monitoring_run_request(periods=[])
    assert other is not None and every is not None
    # a run of every period waiting covers any later request
    assert monitoring_run_request(periods=["2026-08"]) is None and monitoring_run_request(periods=[]) is None
    assert Job.objects.filter(kind="monitoring_run").count() == 3


@pytest.mark.django_db(transaction=True)
def test_mail_goes_out_after_commit_once_per_person_when_smtp_is_configured(fill, rules, county_user, settings,
                                                                             mailoutbox):
    from django.core import mail

    settings.BIZENV_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    county_user.email = "county1@example.gov.cn"
    county_user.save()
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    monitoring_run(period="2026-06")
    sent = [m for m in mail.outbox if m.to == ["county1@example.gov.cn"]]
    assert len(sent) == 1
    assert sent[0].subject == "【营商环境平台】红色预警：东湖县 · 开办企业时间"
    assert "/monitoring/warnings/" in sent[0].body
    assert Notification.objects.get(recipient=county_user).emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_no_mail_for_a_rolled_back_run(fill, rules, county_user, settings, mailoutbox):
    from django.core import mail
    from django.db import transaction

    settings.BIZENV_EMAIL_ENABLED = True
    county_user.email = "county1@example.gov.cn"
    county_user.save()
    fill(HISTORY, breach={"2026-06"})
    with pytest.raises(RuntimeError), transaction.atomic():
        monitoring_run(period="2026-06")
        raise RuntimeError("rolled back")
    assert mail.outbox == [] and not Notification.objects.exists() and not Warning.objects.exists()


def test_approving_reported_values_queues_one_monitoring_run_after_commit(fill, rules, office, version, counties,
                                                                          django_capture_on_commit_callbacks):
    from bizenv.core.models import Job
    from bizenv.observations.models import Observation
    from bizenv.observations.services import observation_approve

    fill(["2026-06"])
    submitted = list(Observation.objects.filter(period="2026-06")[:3])
    Observation.objects.filter(pk__in=[o.pk for o in submitted]).update(status="submitted")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for observation in submitted:
            observation_approve(actor=office, observation=Observation.objects.get(pk=observation.pk))
    assert callbacks  # nothing was queued before the commit
    jobs = Job.objects.filter(kind="monitoring_run")
    assert jobs.count() == 1 and jobs.get().params == {"periods": ["2026-06"]}
    assert jobs.get().title == "监测预警：按规则检查（指标值或评价有更新）"


def test_switching_a_rule_off_closes_its_open_warnings_at_the_next_check(fill, rules, office):
    fill(HISTORY + ["2026-07"], breach={"2026-06", "2026-07"})
    monitoring_run(period="2026-06")
    rule = rules[0]
    rule.enabled = False
    rule.save()
    monitoring_run(period="2026-07")
    warning = Warning.objects.get()
    assert warning.get_status_display() == "已关闭"
    assert warning.close_reason == "预警规则“开办时间超预警线”已停用，预警随之关闭。"


def test_the_automatic_check_covers_the_recent_twelve_months_only(fill, rules):
    from bizenv.core.models import Job

    fill(months("2025-01", "2026-06"))
    assert monitoring_run_request(periods=["2025-03"], automatic=True) is None  # older than the window
    assert monitoring_run_request(periods=["2025-03", "2026-05"], automatic=True) is not None
    assert Job.objects.get(kind="monitoring_run").params == {"periods": ["2026-05"]}


def test_a_missing_report_owed_by_a_department_is_the_departments_to_act_on(fill, version, county_user, dept_user,
                                                                             counties):
    from bizenv.monitoring.models import WarningRule
    from bizenv.monitoring.selectors import warning_can_act

    rule = WarningRule.objects.create(system_version=version, code="MISS", kind="missing_report", severity="yellow")
    warning = Warning.objects.create(
        rule=rule, system_version=version, region=counties[0], indicator_code="starting.time",
        indicator_name="开办企业时间", level1_code="starting", kind="missing_report", severity="yellow",
        first_period="2026-09", last_period="2026-09", value=1, reference=0, explanation="……",
        facts={"extra": [["应报时期", "2026年9月"], ["责任单位", "市市场监管局"]]})
    assert not warning_can_act(user=county_user, warning=warning)
    assert warning_can_act(user=dept_user, warning=warning)
    warning.facts = {"extra": [["应报时期", "2026年9月"]]}  # owed by the county itself
    assert warning_can_act(user=county_user, warning=warning)
