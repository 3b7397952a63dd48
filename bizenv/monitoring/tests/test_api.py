"""The monitoring JSON API: warnings seen by role, the lifecycle answered with Chinese 403/404/409, measures with
checked evidence, reviews, the map, rules, runs, notifications, and the audit rows every action leaves."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizenv.core.audit import AuditLog
from bizenv.core.models import Job
from bizenv.monitoring.models import (
    MeasureEvidence,
    Notification,
    RectificationMeasure,
    RectificationMethod,
    Warning,
    WarningRule,
    WarningStatus,
)
from bizenv.monitoring.specs import ExplanationFacts
from bizenv.monitoring.tests.world import *  # noqa: F403 — the shared fixtures
from bizenv.monitoring.tests.world import RULES_YAML, months
from bizenv.organisations.models import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/monitoring"
# The smallest well-formed PDF: a catalog with an empty page tree.
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def facts_of(region, *, indicator="starting.time", name="开办企业时间", value=12.0, line=10.0) -> dict:
    return asdict(ExplanationFacts(
        indicator=indicator, indicator_name=name, parent="starting", parent_name="开办企业", unit="工作日",
        measure="value", direction="lower_better", region=region.code, region_name=region.name, period="2026-10",
        own=value, average=6.0, best_region="990101", best_region_name="东湖县", best=3.0, benchmark=None,
        benchmark_cities="", reference=line, reference_label="预警线", rank_from_bottom=1, ranked=4,
        extra=(("超期件数", "3 件"),)))


@pytest.fixture
def rule(version):
    return WarningRule.objects.create(system_version=version, code="LINE", name="开办时间超预警线", kind="threshold",
                                      severity="red", indicators=["starting.time"], params={"line": 10},
                                      clear_periods=2)


@pytest.fixture
def make_warning(version, rule):
    def make(region, *, indicator="starting.time", name="开办企业时间", level1="starting", severity="red",
             status=WarningStatus.OPEN, first="2026-09", last="2026-10", cleared=0, **extra):
        return Warning.objects.create(
            rule=rule, system_version=version, region=region, indicator_code=indicator, indicator_name=name,
            level1_code=level1, kind=rule.kind, severity=severity, status=status, first_period=first,
            last_period=last, last_checked_period=last, cleared_periods=cleared, value=12.0, reference=10.0,
            history=[{"period": first, "value": 11.0, "reference": 10.0},
                     {"period": last, "value": 12.0, "reference": 10.0}],
            explanation=f"{region.name}开办企业时间为 12 个工作日，超过预警线 10 个工作日。",
            facts=facts_of(region, indicator=indicator, name=name), **extra)

    return make


@pytest.fixture
def warnings(make_warning, counties):
    """东湖县: a red 开办企业时间 warning; 西山县: an orange one; 南河区: a yellow 办电时间 warning."""
    return [
        make_warning(counties[0]),
        make_warning(counties[1], severity="orange"),
        make_warning(counties[2], indicator="power.time", name="办电时间", level1="power", severity="yellow"),
    ]


@pytest.fixture
def admins(make_user):
    return [make_user(role, username=role) for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)]


def audited(action: str, obj) -> int:
    return AuditLog.objects.filter(action=action, object_id=str(obj.pk)).count()


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---------------------------------------------------------------------------------------------------------
# Who sees what


def test_the_office_lists_every_warning_with_chinese_labels(warnings, office):
    page = client_of(office).get(f"{API}/warnings/").json()
    assert page["count"] == 3 and page["page"] == 1 and page["pages"] == 1
    first = next(w for w in page["items"] if w["region"] == "990101")
    assert (first["region_name"], first["indicator"], first["indicator_name"], first["level1"]) == (
        "东湖县", "starting.time", "开办企业时间", "starting")
    assert (first["kind"], first["kind_label"]) == ("threshold", "超出预警线")
    assert (first["severity"], first["severity_label"]) == ("red", "红色")
    assert (first["status"], first["status_label"]) == ("open", "待签收")
    assert (first["first_period"], first["last_period"], first["value"], first["reference"]) == (
        "2026-09", "2026-10", 12.0, 10.0)
    assert "超过预警线" in first["explanation"] and first["measure_count"] == 0


def test_the_list_filters_and_pages(warnings, office):
    client = client_of(office)
    assert [w["region"] for w in client.get(f"{API}/warnings/?severity=orange").json()["items"]] == ["990102"]
    assert [w["region"] for w in client.get(f"{API}/warnings/?indicator=power").json()["items"]] == ["990103"]
    assert client.get(f"{API}/warnings/?region=990100").json()["count"] == 3
    assert client.get(f"{API}/warnings/?period=2026-08").json()["count"] == 0
    assert client.get(f"{API}/warnings/?period=2026-9").json()["count"] == 3
    assert client.get(f"{API}/warnings/?status=closed").json()["count"] == 0
    second = client.get(f"{API}/warnings/?page=2&page_size=2").json()
    assert (second["count"], second["pages"], len(second["items"])) == (3, 2, 1)
    quarter = client.get(f"{API}/warnings/?period=2026-Q3")
    assert quarter.status_code == 400 and "月份" in quarter.json()["detail"]


def test_a_county_sees_only_its_own_region(warnings, county_user):
    client = client_of(county_user)
    assert [w["region"] for w in client.get(f"{API}/warnings/").json()["items"]] == ["990101"]
    hidden = client.get(f"{API}/warnings/{warnings[1].pk}")
    assert hidden.status_code == 404 and "不存在或无权查看" in hidden.json()["detail"]
    assert client.get(f"{API}/warnings/{warnings[0].pk}").status_code == 200


def test_a_department_sees_only_the_indicators_it_leads_or_is_responsible_for(warnings, version, dept_user,
                                                                            power_user, departments_power):
    samr = client_of(dept_user).get(f"{API}/warnings/").json()
    assert sorted(w["region"] for w in samr["items"]) == ["990101", "990102"]  # 开办企业 is led by samr
    power = client_of(power_user).get(f"{API}/warnings/").json()
    assert [w["indicator"] for w in power["items"]] == ["power.time"]  # responsible for 办电时间 only
    assert client_of(power_user).get(f"{API}/warnings/{warnings[0].pk}").status_code == 404


@pytest.fixture
def departments_power(version):
    from bizenv.organisations.models import Department

    version.indicators.get(code="power.time").responsible_departments.add(Department.objects.get(code="power"))


def test_leaders_see_everything_and_the_three_administrators_are_refused(warnings, make_user, admins):
    leader = make_user(Role.LEADER, username="leader")
    assert client_of(leader).get(f"{API}/warnings/").json()["count"] == 3
    for admin in admins:
        client = client_of(admin)
        for url in (f"{API}/warnings/", f"{API}/warnings/{warnings[0].pk}", f"{API}/map", f"{API}/methods/",
                    f"{API}/rules/"):
            answer = client.get(url)
            assert answer.status_code == 403, (admin.username, url)
            assert "查看监测预警" in answer.json()["detail"]


def test_anonymous_callers_are_asked_to_log_in(warnings):
    answer = Client().get(f"{API}/warnings/")
    assert answer.status_code == 401 and "登录" in answer.json()["detail"]


# ---------------------------------------------------------------------------------------------------------
# Detail and map


def test_the_detail_carries_facts_history_cases_and_what_the_user_may_do(make_warning, counties, county_user,
                                                                         office):
    earlier = make_warning(counties[0], status=WarningStatus.RESOLVED, first="2026-01", last="2026-02", cleared=2)
    warning = make_warning(counties[0], previous=earlier, cases=["A-001", "A-002"], cleared=1)
    mine = client_of(county_user).get(f"{API}/warnings/{warning.pk}").json()
    assert (mine["previous"], mine["cleared_periods"], mine["clear_periods"]) == (earlier.pk, 1, 2)
    assert mine["rule"] == "LINE" and mine["rule_name"] == "开办时间超预警线"
    assert mine["facts"]["reference_label"] == "预警线" and mine["facts"]["own"] == 12.0
    assert mine["facts"]["extra"] == [{"label": "超期件数", "value": "3 件"}]
    assert [h["period"] for h in mine["history"]] == ["2026-09", "2026-10"]
    assert mine["cases"] == ["A-001", "A-002"] and mine["measures"] == []
    assert (mine["is_active"], mine["can_act"], mine["can_manage"]) == (True, True, False)
    boss = client_of(office).get(f"{API}/warnings/{warning.pk}").json()
    assert (boss["can_act"], boss["can_manage"]) == (False, True)


def test_the_map_counts_active_warnings_with_their_highest_severity(make_warning, counties, office, county_user):
    make_warning(counties[0], severity="yellow")
    make_warning(counties[0], indicator="starting.cost", name="开办企业费用", severity="orange")
    make_warning(counties[0], indicator="power.time", name="办电时间", severity="red", status=WarningStatus.CLOSED)
    make_warning(counties[1], severity="yellow")
    regions = {r["region"]: r for r in client_of(office).get(f"{API}/map").json()}
    assert (regions["990101"]["count"], regions["990101"]["severity"], regions["990101"]["severity_label"]) == (
        2, "orange", "橙色")
    assert regions["990102"]["count"] == 1 and regions["990102"]["region_name"] == "西山县"
    assert list(r["region"] for r in client_of(county_user).get(f"{API}/map").json()) == ["990101"]
    assert client_of(office).get(f"{API}/map?period=2026-01").json() == []


# ---------------------------------------------------------------------------------------------------------
# Lifecycle


def test_acknowledge_once_and_a_second_time_is_a_conflict(warnings, county_user):
    client = client_of(county_user)
    done = post(client, f"{API}/warnings/{warnings[0].pk}/acknowledge")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["status_label"]) == ("acknowledged", "已签收")
    again = post(client, f"{API}/warnings/{warnings[0].pk}/acknowledge")
    assert again.status_code == 409 and again.json()["detail"] == "该预警当前为“已签收”，不能再签收。"
    assert audited("warning.acknowledge", warnings[0]) == 1


def test_a_county_cannot_touch_another_countys_warning(warnings, county_user):
    client = client_of(county_user)
    for action in ("acknowledge", "resolve", "close"):
        answer = post(client, f"{API}/warnings/{warnings[1].pk}/{action}", {"reason": "不适用"})
        assert answer.status_code == 404 and "不存在或无权查看" in answer.json()["detail"]
    assert Warning.objects.get(pk=warnings[1].pk).status == WarningStatus.OPEN


def test_a_county_on_its_own_warning_cannot_take_the_offices_actions(warnings, county_user):
    client = client_of(county_user)
    for action in ("resolve", "close"):
        answer = post(client, f"{API}/warnings/{warnings[0].pk}/{action}", {"reason": "不适用"})
        assert answer.status_code == 403 and "只有营商办" in answer.json()["detail"]
    assert not AuditLog.objects.filter(action__in=["warning.resolve", "warning.close"]).exists()


def test_resolve_needs_the_condition_cleared_and_a_second_resolve_is_a_conflict(make_warning, counties, office):
    client = client_of(office)
    still = make_warning(counties[0], cleared=0)
    refused = post(client, f"{API}/warnings/{still.pk}/resolve")
    assert refused.status_code == 409 and "才能销号" in refused.json()["detail"]
    ready = make_warning(counties[1], cleared=1)
    done = post(client, f"{API}/warnings/{ready.pk}/resolve")
    assert done.status_code == 200 and done.json()["status_label"] == "已销号"
    assert done.json()["finished_by"] == "测试office" and not done.json()["is_active"]
    again = post(client, f"{API}/warnings/{ready.pk}/resolve")
    assert again.status_code == 409 and again.json()["detail"] == "该预警当前为“已销号”，不能销号。"
    assert audited("warning.resolve", ready) == 1 and audited("warning.resolve", still) == 0


def test_close_needs_a_reason(warnings, office):
    client = client_of(office)
    empty = post(client, f"{API}/warnings/{warnings[0].pk}/close", {"reason": "  "})
    assert empty.status_code == 400 and empty.json()["detail"] == "关闭预警必须填写理由。"
    closed = post(client, f"{API}/warnings/{warnings[0].pk}/close", {"reason": "数据录入错误，已更正"}).json()
    assert (closed["status"], closed["close_reason"]) == ("closed", "数据录入错误，已更正")
    assert audited("warning.close", warnings[0]) == 1


# ---------------------------------------------------------------------------------------------------------
# Measures and evidence


def submit(client, warning, method, *files, description="再造开办流程，一窗通办"):
    return client.post(f"{API}/warnings/{warning.pk}/measures",
                       {"method": method.pk, "description": description, "files": list(files)})


def test_a_measure_with_a_pdf_puts_the_warning_into_rectification(warnings, method, county_user, office):
    client = client_of(county_user)
    made = submit(client, warnings[0], method, SimpleUploadedFile("整改方案.pdf", PDF, "application/pdf"))
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["status_label"], body["method_name"]) == ("submitted", "待审核", "流程再造")
    assert body["created_by"] == "测试county1"
    [evidence] = body["evidence"]
    assert (evidence["name"], evidence["kind"], evidence["size"]) == ("整改方案.pdf", "pdf", len(PDF))
    assert evidence["kind_label"] == "PDF 文件"
    download = client.get(evidence["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert client_of(office).get(evidence["url"] + "?inline=true")["Content-Disposition"].startswith("inline")
    detail = client.get(f"{API}/warnings/{warnings[0].pk}").json()
    assert (detail["status"], detail["measure_count"], len(detail["measures"])) == ("rectifying", 1, 1)
    measure = RectificationMeasure.objects.get()
    assert audited("measure.submit", measure) == 1 and len(media_files()) == 1


def test_a_renamed_executable_is_refused_and_nothing_is_saved(warnings, method, county_user):
    client = client_of(county_user)
    refused = submit(client, warnings[0], method, SimpleUploadedFile("报告.pdf", PDF, "application/pdf"),
                     SimpleUploadedFile("x.pdf", EXE, "application/pdf"))
    assert refused.status_code == 400
    assert "x.pdf" in refused.json()["detail"] and "可执行程序" in refused.json()["detail"]
    assert not RectificationMeasure.objects.exists() and not MeasureEvidence.objects.exists()
    assert media_files() == [] and not AuditLog.objects.filter(action="measure.submit").exists()
    assert Warning.objects.get(pk=warnings[0].pk).status == WarningStatus.OPEN


def test_a_measure_needs_a_known_method_a_description_and_a_file(warnings, method, county_user):
    client = client_of(county_user)
    no_file = submit(client, warnings[0], method)
    assert no_file.status_code == 400 and no_file.json()["detail"] == "请至少上传一份佐证材料。"
    no_text = submit(client, warnings[0], method, SimpleUploadedFile("a.pdf", PDF, "application/pdf"), description="")
    assert no_text.status_code == 400 and no_text.json()["detail"] == "请填写整改举措的说明。"
    stopped = RectificationMethod.objects.create(name="制度完善", active=False)
    for chosen in (stopped, RectificationMethod(pk=9999, name="无")):
        answer = submit(client, warnings[0], chosen, SimpleUploadedFile("a.pdf", PDF, "application/pdf"))
        assert answer.status_code == 400 and "整改方式" in answer.json()["detail"]
    assert not RectificationMeasure.objects.exists()


def test_only_the_warnings_county_or_department_submits_measures(warnings, method, office, other_county_user):
    pdf = SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    assert submit(client_of(other_county_user), warnings[0], method, pdf).status_code == 404
    pdf.seek(0)
    refused = submit(client_of(office), warnings[0], method, pdf)
    assert refused.status_code == 403 and "上报整改举措" in refused.json()["detail"]


def test_the_office_reviews_a_measure_once(warnings, method, county_user, office):
    submit(client_of(county_user), warnings[0], method, SimpleUploadedFile("a.pdf", PDF, "application/pdf"))
    measure = RectificationMeasure.objects.get()
    url = f"{API}/measures/{measure.pk}/review"
    by_county = post(client_of(county_user), url, {"accept": True})
    assert by_county.status_code == 403 and "只有营商办" in by_county.json()["detail"]
    boss = client_of(office)
    no_comment = post(boss, url, {"accept": False, "comment": ""})
    assert no_comment.status_code == 400 and "审核意见" in no_comment.json()["detail"]
    asked = post(boss, url, {"accept": False, "comment": "请补充办理时限的前后对比"})
    assert asked.status_code == 200
    assert (asked.json()["status"], asked.json()["status_label"]) == ("more_requested", "需补充")
    assert asked.json()["reviewed_by"] == "测试office" and asked.json()["review_comment"].startswith("请补充")
    again = post(boss, url, {"accept": True})
    assert again.status_code == 409 and again.json()["detail"] == "该整改举措当前为“需补充”，已审核，不能再次审核。"
    assert audited("measure.review", measure) == 1
    assert post(boss, f"{API}/measures/99999/review", {"accept": True}).status_code == 404


def test_methods_list_the_active_ones(method, county_user):
    RectificationMethod.objects.create(name="制度完善", active=False)
    assert client_of(county_user).get(f"{API}/methods/").json() == [
        {"id": method.pk, "name": "流程再造", "description": ""}]


# ---------------------------------------------------------------------------------------------------------
# Rules and runs


def test_rules_of_the_active_version_with_labels(version, rule, county_user):
    system = version.system.code
    listed = client_of(county_user).get(f"{API}/rules/?system={system}").json()
    assert (listed["system"], listed["version"]) == (system, "2026")
    [only] = listed["rules"]
    assert (only["code"], only["kind_label"], only["severity_label"], only["params"]) == (
        "LINE", "超出预警线", "红色", {"line": 10})
    unknown = client_of(county_user).get(f"{API}/rules/?system=NONE")
    assert unknown.status_code == 404 and "没有已发布的版本" in unknown.json()["detail"]


def test_rules_import_from_a_body_or_a_file_and_export(version, office, county_user):
    system = version.system.code
    boss = client_of(office)
    made = boss.post(f"{API}/rules/import?system={system}", data=RULES_YAML.encode("utf-8"), content_type="text/yaml")
    assert made.status_code == 200, made.content
    assert (made.json()["created"], made.json()["updated"]) == (1, 0) and "新增 1 条" in made.json()["message"]
    assert audited("warning_rule.create", WarningRule.objects.get(code="LINE")) == 1
    exported = boss.get(f"{API}/rules/export?system={system}")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/yaml")
    assert f"{system}-2026-rules.yaml" in exported["Content-Disposition"]
    text = exported.content.decode("utf-8")
    assert "LINE" in text and "开办时间超预警线" in text
    again = boss.post(f"{API}/rules/import?system={system}", {"file": SimpleUploadedFile("rules.yaml", text.encode("utf-8"))})
    assert again.status_code == 200 and (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    assert client_of(county_user).get(f"{API}/rules/export?system={system}").status_code == 200
    refused = client_of(county_user).post(f"{API}/rules/import?system={system}", data=RULES_YAML, content_type="text/yaml")
    assert refused.status_code == 403 and "管理预警规则" in refused.json()["detail"]


def test_a_rule_file_with_problems_imports_nothing_and_lists_them_in_chinese(version, office):
    url = f"{API}/rules/import?system={version.system.code}"
    bad = RULES_YAML + "  - {code: ODD, kind: nonsense, indicator: nowhere, severity: purple}\n"
    refused = client_of(office).post(url, data=bad.encode("utf-8"), content_type="text/yaml")
    assert refused.status_code == 400 and "未导入任何规则" in refused.json()["detail"]
    problems = refused.json()["errors"]
    assert problems and all(isinstance(p, str) for p in problems) and any("ODD" in p for p in problems)
    assert not WarningRule.objects.exists()
    empty = client_of(office).post(url, {"other": "x"})
    assert empty.status_code == 400 and "file" in empty.json()["detail"]
    gbk = client_of(office).post(url, data="规则".encode("gbk"), content_type="text/yaml")
    assert gbk.status_code == 400 and "UTF-8" in gbk.json()["detail"]


def test_a_run_is_queued_once_by_the_office_only(version, office, county_user):
    boss = client_of(office)
    queued = post(boss, f"{API}/run", {"period": "2026-10"})
    assert queued.status_code == 202 and queued.json()["job"] == Job.objects.get().pk
    same = post(boss, f"{API}/run", {"period": "2026-10"})
    assert same.status_code == 202 and same.json()["job"] is None and "排队" in same.json()["message"]
    refused = post(client_of(county_user), f"{API}/run", {})
    assert refused.status_code == 403 and "管理预警规则" in refused.json()["detail"]
    wrong = post(boss, f"{API}/run", {"period": "2026年10月"})
    assert wrong.status_code == 400 and "格式不正确" in wrong.json()["detail"]
    assert Job.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------
# Effect


def test_the_effect_compares_the_region_with_peers_without_warnings(fill, make_warning, counties, county_user):
    # given 东湖县's 开办企业时间 went from 3 to 12 working days from its first measure on, its peers unchanged
    after = months("2026-03", "2026-06")
    fill(months("2025-07", "2026-06"), breach=set(after))
    warning = make_warning(counties[0], first="2026-03", last="2026-06", first_measure_period="2026-03")
    # when its effect is asked for
    answer = client_of(county_user).get(f"{API}/warnings/{warning.pk}/effect")
    # then it is clearly worse than the peers
    assert answer.status_code == 200, answer.content
    effect = answer.json()["effect"]
    assert (effect["verdict"], effect["verdict_label"], effect["peer_count"]) == ("worsened", "明显变差", 3)
    assert effect["did"] == pytest.approx(9.0) and effect["improvement"] == pytest.approx(-9.0)
    assert effect["after_periods"] == after and "东湖县" in effect["sentence"]
    assert effect["chart"]["series"]


def test_no_effect_before_a_measure(warnings, county_user, other_county_user):
    answer = client_of(county_user).get(f"{API}/warnings/{warnings[0].pk}/effect").json()
    assert answer["effect"] is None and "尚未上报整改举措" in answer["message"]
    assert client_of(other_county_user).get(f"{API}/warnings/{warnings[0].pk}/effect").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Notifications


def test_notifications_list_and_read(county_user, office):
    for i in range(3):
        Notification.objects.create(recipient=county_user, event=f"e{i}", kind="warning", title=f"预警 {i}")
    Notification.objects.create(recipient=office, event="e0", kind="warning", title="别人的")
    client = client_of(county_user)
    page = client.get(f"{API}/notifications/").json()
    assert (page["count"], page["unread"]) == (3, 3) and {n["read"] for n in page["items"]} == {False}
    first = page["items"][0]["id"]
    assert post(client, f"{API}/notifications/read", {"id": first}).json() == {"marked": 1}
    assert client.get(f"{API}/notifications/?unread=true").json()["count"] == 2
    assert post(client, f"{API}/notifications/read").json() == {"marked": 2}
    assert client.get(f"{API}/notifications/").json()["unread"] == 0
    assert Notification.objects.get(recipient=office).read_at is None


# ---------------------------------------------------------------------------------------------------------
# The spec


def test_the_openapi_spec_lists_the_monitoring_paths(office):
    paths = client_of(office).get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/monitoring/warnings/", "/api/v1/monitoring/warnings/{pk}", "/api/v1/monitoring/map",
                 "/api/v1/monitoring/warnings/{pk}/acknowledge", "/api/v1/monitoring/warnings/{pk}/measures",
                 "/api/v1/monitoring/measures/{pk}/review", "/api/v1/monitoring/rules/",
                 "/api/v1/monitoring/rules/export", "/api/v1/monitoring/rules/import", "/api/v1/monitoring/run",
                 "/api/v1/monitoring/methods/", "/api/v1/monitoring/notifications/",
                 "/api/v1/monitoring/notifications/read", "/api/v1/monitoring/warnings/{pk}/effect"):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/v1/monitoring/warnings/{pk}/measures"]["post"]["requestBody"][
        "content"]
