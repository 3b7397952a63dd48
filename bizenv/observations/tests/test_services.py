"""observation_upsert, the review flow, permissions and evidence."""

from __future__ import annotations

import math

import pytest

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.observations import services
from bizenv.observations.checks import FieldError
from bizenv.observations.models import Observation, ObservationRevision, ObservationStatus

S = ObservationStatus


def upsert(actor, version, indicator, region, period="2026-03", **kw):
    kw.setdefault("source", "report")
    return services.observation_upsert(
        actor=actor, system_version=version, indicator=indicator, region=region, period=period, **kw
    )


def test_create_then_same_value_is_a_noop_that_writes_nothing(version, ind, counties, samr):
    obs, outcome = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    assert outcome == "created" and obs.status == S.DRAFT and obs.unit == "工作日"
    revisions, audits = ObservationRevision.objects.count(), AuditLog.objects.count()

    again, outcome = upsert(samr, version, ind["starting.time"], counties[0], value=5.0)

    assert outcome == "unchanged" and again.pk == obs.pk
    assert ObservationRevision.objects.count() == revisions
    assert AuditLog.objects.count() == audits


def test_update_records_old_and_new_values(version, ind, counties, samr):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    obs, outcome = upsert(samr, version, ind["starting.time"], counties[0], value=4.5, note="按新口径")
    assert outcome == "updated"
    last = obs.revisions.order_by("-id").first()
    assert last.action == "update"
    assert last.old_values == {"value": 5.0, "note": ""}
    assert last.new_values == {"value": 4.5, "note": "按新口径"}
    assert AuditLog.objects.filter(action="observation.update", object_id=str(obs.pk)).exists()


@pytest.mark.parametrize("code,value,fragment", [
    ("starting.time", -1, "不能为负数"),
    ("starting.online", 130, "百分比应在 0–100"),
    ("starting.online", -0.5, "百分比"),
    ("survey.score", 150, "得分应在"),
    ("survey.growth", -150, "增长率不能低于"),
    ("starting.time", 1e15, "过大"),
    ("starting.time", math.inf, "有限"),
    ("starting.time", math.nan, "有限"),
    ("starting.time", None, "请填写"),
    ("starting.time", "五", "应为数字"),
])
def test_bad_values_are_rejected_naming_the_field(version, ind, counties, office, code, value, fragment):
    period = "2025" if code.startswith("survey") else "2026-03"
    with pytest.raises(FieldError) as err:
        upsert(office, version, ind[code], counties[0], period=period, value=value)
    assert err.value.field == "数值"
    assert fragment in err.value.message
    assert not Observation.objects.exists()


def test_growth_rate_may_be_negative(version, ind, counties, office):
    obs, _ = upsert(office, version, ind["survey.growth"], counties[0], period="2025", value=-12.5)
    assert obs.value == -12.5


def test_value_and_special_together_are_rejected(version, ind, counties, office):
    with pytest.raises(FieldError, match="只能填写一项"):
        upsert(office, version, ind["starting.time"], counties[0], value=3, special="no_practice")


def test_special_value_is_stored_without_number(version, ind, counties, office):
    obs, _ = upsert(office, version, ind["starting.time"], counties[0], special="not_applicable")
    assert obs.value is None and obs.special == "not_applicable"


@pytest.mark.parametrize("period,fragment", [
    ("2026-13", "格式不正确"), ("2026-Q1", "月度指标"), ("2099-01", "尚未开始"), ("上月", "格式不正确"),
])
def test_bad_periods_are_rejected(version, ind, counties, office, period, fragment):
    with pytest.raises(FieldError, match=fragment) as err:
        upsert(office, version, ind["starting.time"], counties[0], period=period, value=3)
    assert err.value.field == "时期"


def test_unit_must_match_the_indicator(version, ind, counties, office):
    with pytest.raises(FieldError, match="计量单位") as err:
        upsert(office, version, ind["starting.time"], counties[0], value=3, unit="天")
    assert err.value.field == "单位"


def test_only_leaves_may_be_reported(version, ind, counties, office):
    with pytest.raises(FieldError, match="不是末级指标"):
        upsert(office, version, ind["starting"], counties[0], value=3)


def test_department_may_not_write_an_indicator_it_does_not_lead(version, ind, counties, housing):
    with pytest.raises(PermissionDenied, match="不是指标“开办企业时间”的牵头单位"):
        upsert(housing, version, ind["starting.time"], counties[0], value=3)
    assert not Observation.objects.exists()


def test_county_user_may_not_write_another_county(version, ind, counties, county_user):
    upsert(county_user, version, ind["starting.time"], counties[0], value=3)
    with pytest.raises(PermissionDenied, match="西山县"):
        upsert(county_user, version, ind["starting.time"], counties[1], value=3)
    assert Observation.objects.count() == 1


def test_review_flow_submit_return_resubmit_approve_lock(version, ind, counties, samr, office):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    obs = services.observation_submit(actor=samr, observation=obs)
    assert obs.status == S.SUBMITTED and obs.submitted_at is not None
    with pytest.raises(ApplicationError, match="等待营商办审核"):
        upsert(samr, version, ind["starting.time"], counties[0], value=6)

    with pytest.raises(FieldError, match="必须填写审核意见"):
        services.observation_return(actor=office, observation=obs, comment=" ")
    obs = services.observation_return(actor=office, observation=obs, comment="与上月差异过大，请核实")
    assert obs.status == S.RETURNED and obs.review_comment == "与上月差异过大，请核实"

    obs, outcome = upsert(samr, version, ind["starting.time"], counties[0], value=4)
    assert outcome == "updated" and obs.status == S.RETURNED
    obs = services.observation_submit(actor=samr, observation=obs)
    obs = services.observation_approve(actor=office, observation=obs)
    assert obs.status == S.APPROVED and obs.reviewed_by == office
    obs = services.observation_lock(actor=office, observation=obs)
    assert obs.status == S.LOCKED
    actions = list(obs.revisions.values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "update", "submit", "approve", "lock"]


def test_locked_observation_never_changes(version, ind, counties, office):
    obs, _ = upsert(office, version, ind["starting.time"], counties[0], value=5)
    services.observation_lock(actor=office, observation=obs)
    with pytest.raises(ApplicationError, match="已锁定"):
        upsert(office, version, ind["starting.time"], counties[0], value=6)
    with pytest.raises(ApplicationError, match="已锁定"):
        services.observation_return(actor=office, observation=obs, comment="再看看")
    _, outcome = upsert(office, version, ind["starting.time"], counties[0], value=5)
    assert outcome == "unchanged"
    assert Observation.objects.get().value == 5


@pytest.mark.parametrize("start,target", [(S.DRAFT, "approve"), (S.DRAFT, "lock"), (S.SUBMITTED, "lock")])
def test_transitions_not_declared_are_refused(version, ind, counties, samr, office, start, target):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    if start == S.SUBMITTED:
        obs = services.observation_submit(actor=samr, observation=obs)
    action = {"approve": services.observation_approve, "lock": services.observation_lock}[target]
    with pytest.raises(ApplicationError, match="不能变为"):
        action(actor=office, observation=obs)


def test_reporters_cannot_review(version, ind, counties, samr):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    obs = services.observation_submit(actor=samr, observation=obs)
    with pytest.raises(PermissionDenied, match="数据审核"):
        services.observation_approve(actor=samr, observation=obs)


def test_submit_needs_a_value(version, ind, counties, samr):
    from bizenv.observations.models import Observation as O

    obs = O.objects.create(system_version=version, indicator=ind["starting.time"], region=counties[0],
                           period="2026-03", source="report")
    with pytest.raises(ApplicationError, match="尚未填写数值"):
        services.observation_submit(actor=samr, observation=obs)


def test_metric_upsert_is_idempotent_and_protects_from_reporters(version, ind, counties, make_user):
    power = make_user("department", username="power", department="power_supply")
    args = dict(run=None, definition=None, system_version=version, indicator=ind["power.time"],
                region=counties[0], period="2026-03", record_count=120)
    obs, outcome = services.observation_upsert_from_metric(value=3.25, **args)
    assert outcome == "created" and obs.status == S.APPROVED and obs.source == "metric"
    assert services.observation_upsert_from_metric(value=3.25, **args)[1] == "unchanged"
    assert services.observation_upsert_from_metric(value=3.5, **args)[1] == "updated"
    with pytest.raises(FieldError, match="无感监测"):
        upsert(power, version, ind["power.time"], counties[0], value=1)


def test_metric_without_records_creates_a_missing_value_not_zero(version, ind, counties):
    obs, outcome = services.observation_upsert_from_metric(
        run=None, definition=None, system_version=version, indicator=ind["power.time"], region=counties[1],
        period="2026-03", value=None, record_count=0)
    assert outcome == "created" and obs.value is None and obs.record_count == 0


PDF = b"%PDF-1.4\n%test\n"


def test_evidence_is_stored_with_sha256_once(version, ind, counties, samr):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    first = services.evidence_add(actor=samr, observation=obs, filename="证明.pdf", content=PDF)
    second = services.evidence_add(actor=samr, observation=obs, filename="证明副本.pdf", content=PDF)
    assert first.pk == second.pk and len(first.sha256) == 64 and first.size_bytes == len(PDF)
    assert obs.evidence.count() == 1


@pytest.mark.parametrize("name,content,fragment", [
    ("病毒.exe", b"MZ\x90\x00...", "可执行程序"),
    ("假的.pdf", b"not a pdf", "不是 PDF 文件"),
    ("空.pdf", b"", "空文件"),
    ("巨大.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024), "20 MB"),
    ("宏.docm", b"PK\x03\x04", "不是有效的 Word 或 Excel 文件"),
])
def test_bad_evidence_is_rejected(version, ind, counties, samr, name, content, fragment):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    with pytest.raises(FieldError, match=fragment):
        services.evidence_add(actor=samr, observation=obs, filename=name, content=content)
    assert obs.evidence.count() == 0


def test_a_change_to_an_approved_value_goes_back_to_review_by_another_reviewer(
        version, ind, counties, office, make_user):
    reviewer = make_user("office", username="reviewer", department="office")
    obs, _ = upsert(office, version, ind["starting.time"], counties[0], value=297.72 / 100)
    assert obs.status == S.APPROVED

    obs, outcome = upsert(office, version, ind["starting.time"], counties[0], value=3)

    assert outcome == "updated" and obs.status == S.SUBMITTED and obs.submitted_at is not None
    revision = obs.revisions.last()
    assert revision.action == "revise"
    assert revision.old_values["status"] == S.APPROVED and revision.new_values["status"] == S.SUBMITTED
    assert revision.old_values["value"] == pytest.approx(2.9772) and revision.new_values["value"] == 3
    assert AuditLog.objects.filter(action="observation.revise", object_id=str(obs.pk)).exists()
    with pytest.raises(ApplicationError, match="其他审核人员"):
        services.observation_approve(actor=office, observation=obs)
    obs = services.observation_approve(actor=reviewer, observation=obs)
    assert obs.status == S.APPROVED and obs.value == 3 and obs.reviewed_by == reviewer


def test_the_office_still_approves_a_reporters_value_it_corrected_before_approval(
        version, ind, counties, samr, office):
    obs, _ = upsert(samr, version, ind["starting.time"], counties[0], value=5)
    services.observation_submit(actor=samr, observation=obs)
    obs, _ = upsert(office, version, ind["starting.time"], counties[0], value=4)
    assert obs.status == S.SUBMITTED
    assert services.observation_approve(actor=office, observation=obs).status == S.APPROVED


def test_save_effect_says_what_a_save_will_do(version, ind, counties, samr, office):
    effect = services.observation_save_effect
    assert effect(actor=office, observation=None, region=counties[0]) == "approve"
    assert effect(actor=samr, observation=None, region=counties[0]) == "draft"
    obs, _ = upsert(office, version, ind["starting.time"], counties[0], value=5)
    assert effect(actor=office, observation=obs, region=counties[0]) == "resubmit"
    assert effect(actor=samr, observation=obs, region=counties[0]) == "refused"
    obs = services.observation_lock(actor=office, observation=obs)
    assert effect(actor=office, observation=obs, region=counties[0]) == "refused"
