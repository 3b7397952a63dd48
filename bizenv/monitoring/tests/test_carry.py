"""Publishing a new indicator-system version carries the warning rules of the version it replaces."""

from __future__ import annotations

import pytest
import yaml
from django.template.loader import render_to_string
from django.test import Client

from bizenv.core.audit import AuditLog
from bizenv.indicators.models import SystemVersion
from bizenv.indicators.selectors import active_version
from bizenv.indicators.services import indicator_system_import, system_version_copy, system_version_publish
from bizenv.monitoring.carry import RuleOutcome, rules_carry, rules_carry_plan
from bizenv.monitoring.models import Warning, WarningRule
from bizenv.monitoring.rule_services import rules_import
from bizenv.monitoring.services import monitoring_run
from bizenv.monitoring.tests.world import *  # noqa: F403 — the shared fixtures
from bizenv.monitoring.tests.world import SYSTEM_YAML, months

pytestmark = pytest.mark.django_db

HISTORY = months("2025-01", "2026-06")
MORE_RULES = """
rules:
  - {code: LINE, name: 开办时间超预警线, kind: threshold, indicator: starting.time, line: 10, severity: red}
  - {code: FLUX, name: 开办异常波动, kind: fluctuation, indicators: [starting.time, starting.cost], k: 2,
     compare: pop, severity: yellow, enabled: false}
  - {code: RANK, name: 电力排名末位, kind: bottom_rank, indicators: [power, power.time], n: 1, severity: orange}
  - {code: GAP, name: 二级指标落后, kind: lag_best, level: 2, gap: 30, severity: yellow}
"""
COPIED = ("name", "kind", "severity", "level", "region_groups", "params", "clear_periods", "description", "enabled",
          "sort_order")


def system_yaml(edit) -> bytes:
    """The world's system as version 2027, changed by `edit(data)`."""
    data = yaml.safe_load(SYSTEM_YAML)
    data["version"] = "2027"
    edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def draft_2027(edit):
    return indicator_system_import(actor=None, content=system_yaml(edit), filename="v2027.yaml").version


def rules_by_code(version: SystemVersion) -> dict[str, WarningRule]:
    return {r.code: r for r in WarningRule.objects.filter(system_version=version)}


@pytest.fixture
def more_rules(version):
    rules_import(actor=None, text=MORE_RULES, system_code="BIZENV-CN")
    WarningRule.objects.filter(system_version=version, code="LINE").update(clear_periods=3, description="预警线 10 天")
    return rules_by_code(version)


def test_a_copied_version_gets_every_rule_unchanged_audited_once_and_a_second_carry_adds_nothing(version, more_rules,
                                                                                                 office):
    # given a copy of the active version, which has four rules
    draft = system_version_copy(actor=office, source=version, version="2027")
    # the preview carries all four unchanged and says so
    plan = rules_carry_plan(target=draft)
    assert plan.source == version
    assert [(r.code, r.outcome) for r in plan.rules] == [(c, RuleOutcome.SAME) for c in ("LINE", "FLUX", "RANK", "GAP")]
    assert plan.lines()[0] == "将沿用版本 2026 的 4 条预警规则（共 4 条）；0 条不沿用；0 条新版本已有同编码规则，保持不变。"
    assert not WarningRule.objects.filter(system_version=draft).exists()

    # when the copy is published
    published = system_version_publish(actor=office, version=draft)

    # then the new version has the same rules, each at revision 1 and audited once
    old, new = more_rules, rules_by_code(published)
    assert set(new) == set(old)
    for code, rule in new.items():
        assert [getattr(rule, f) for f in COPIED] == [getattr(old[code], f) for f in COPIED]
        assert rule.indicators == old[code].indicators and rule.revision == 1
    assert (new["LINE"].clear_periods, new["LINE"].description, new["FLUX"].enabled) == (3, "预警线 10 天", False)
    audits = AuditLog.objects.filter(action="warning_rule.carry")
    assert sorted(a.object_repr for a in audits) == sorted(r.name for r in new.values())
    assert all(a.new_values["carried_from"] == "2026" for a in audits)
    report = next(r for r in published.publish_reports if hasattr(r, "open_warnings"))
    assert report.created == 4 and report.lines()[0].startswith("已沿用版本 2026 的 4 条预警规则")
    # the old version keeps its own rules
    assert WarningRule.objects.filter(system_version=version).count() == 4

    # and carrying again changes nothing
    before = AuditLog.objects.count()
    again = rules_carry(actor=None, target=published)
    assert again.created == 0 and len(again.kept) == 4
    assert AuditLog.objects.count() == before
    assert WarningRule.objects.filter(system_version=published).count() == 4


def test_renamed_codes_follow_the_mapping_removed_indicators_are_left_out_and_a_vanished_scope_is_not_carried(
        version, more_rules, capsys):
    from bizenv.cli import main

    # given 2027 renames 开办企业时间 (with a mapping), drops 开办企业费用 and replaces 获得电力 with 获得用水
    def edit(data):
        starting, _power = data["indicators"]
        time, _cost = starting["children"]
        time["code"] = "starting.days"
        starting["children"] = [time]
        data["indicators"] = [starting, {"code": "water", "name": "获得用水", "weight": 5, "children": [
            {"code": "water.time", "name": "用水报装时间", "unit": "工作日", "direction": "lower_better",
             "best": 1, "worst": 30}]}]
        data["carry_over"] = {"starting.days": "starting.time"}

    draft = draft_2027(edit)

    # the preview says, rule by rule, what happens
    plan = rules_carry_plan(target=draft)
    by_code = {r.code: r for r in plan.rules}
    assert by_code["LINE"].outcome == RuleOutcome.RENAMED
    assert by_code["LINE"].indicators == ("starting.days",)
    assert by_code["FLUX"].outcome == RuleOutcome.NARROWED
    assert by_code["FLUX"].dropped == (("starting.cost", "新版本中没有该指标，也没有编码对应"),)
    assert by_code["RANK"].outcome == RuleOutcome.DROPPED and not by_code["RANK"].carries
    assert by_code["RANK"].reason.startswith("指标范围在新版本中没有可沿用的指标：power（") and "power.time（" in \
        by_code["RANK"].reason
    assert by_code["GAP"].outcome == RuleOutcome.SAME
    html = render_to_string("monitoring/_carry_plan.html", {"report": plan})
    assert "<td>RANK</td><td>电力排名末位</td><td>排名末位</td><td>橙色</td><td>不沿用</td>" in html
    assert "<td>指标编码改为 starting.time → starting.days</td>" in html
    assert "其余指标范围未变的规则</td><td>全部原样沿用" in html
    assert main(["indicators", "publish", "BIZENV-CN", "2027", "--preview"]) == 0
    out = capsys.readouterr().out
    assert "将沿用版本 2026 的 3 条预警规则（共 4 条）；1 条不沿用" in out
    assert "规则 LINE 开办时间超预警线：沿用（指标编码按对应改写），指标编码改为 starting.time → starting.days" in out
    assert ("规则 FLUX 开办异常波动：沿用（去掉部分指标），指标编码改为 starting.time → starting.days；"
            "去掉指标 starting.cost（新版本中没有该指标，也没有编码对应）") in out
    assert "规则 RANK 电力排名末位：不沿用，指标范围在新版本中没有可沿用的指标" in out
    assert "原版本 2026 没有未办结的预警；新版本的监测从下一次检查开始" in out
    assert not WarningRule.objects.filter(system_version=draft).exists()

    # when it is published, the rules are written as previewed
    system_version_publish(actor=None, version=draft)
    new = rules_by_code(draft)
    assert set(new) == {"LINE", "FLUX", "GAP"}
    assert (new["LINE"].indicators, new["FLUX"].indicators, new["GAP"].level) == (
        ["starting.days"], ["starting.days"], "2")
    flux = AuditLog.objects.get(action="warning_rule.carry", object_id=str(new["FLUX"].pk))
    assert flux.new_values["dropped"] == ["starting.cost（新版本中没有该指标，也没有编码对应）"]


def test_a_rule_on_a_changed_unit_or_a_missing_level_is_not_carried_and_an_existing_rule_is_kept(version,
                                                                                                  more_rules):
    # given 2027 has one level only and measures 开办企业时间 in hours
    def edit(data):
        data["indicators"] = [
            {"code": "starting.time", "name": "开办企业时间", "unit": "小时", "direction": "lower_better",
             "best": 1, "worst": 200, "weight": 10},
            {"code": "power.time", "name": "办电时间", "unit": "工作日", "direction": "lower_better",
             "best": 1, "worst": 30, "weight": 5}]

    draft = draft_2027(edit)
    WarningRule.objects.create(system_version=draft, code="RANK", name="电力排名末位（新）", kind="bottom_rank",
                               severity="red", indicators=["power.time"], params={"n": 2})

    by_code = {r.code: r for r in rules_carry_plan(target=draft).rules}

    assert by_code["LINE"].outcome == RuleOutcome.DROPPED
    assert by_code["LINE"].reason == ("指标范围在新版本中没有可沿用的指标：starting.time（单位由“工作日”改为“小时”，"
                                      "预警线按原单位设定）")
    assert by_code["GAP"].outcome == RuleOutcome.DROPPED
    assert by_code["GAP"].reason == "新版本没有第 2 层指标（现有层级：1）"
    assert by_code["FLUX"].outcome == RuleOutcome.NARROWED  # a fluctuation is measured in its own unit
    assert by_code["FLUX"].indicators == ("starting.time",)
    assert by_code["RANK"].outcome == RuleOutcome.EXISTS
    rules_carry(actor=None, target=draft)
    assert rules_by_code(draft)["RANK"].name == "电力排名末位（新）"
    assert set(rules_by_code(draft)) == {"RANK", "FLUX"}


def test_a_rule_the_new_system_rejects_is_not_carried_with_the_reason(version, more_rules):
    # given 2027 turns 开办企业时间 into a parent: a threshold needs a leaf
    def edit(data):
        starting = data["indicators"][0]
        starting["children"][0] = {"code": "starting.time", "name": "开办企业时间", "weight": 1, "children": [
            {"code": "starting.time.online", "name": "网上开办时间", "unit": "工作日", "direction": "lower_better",
             "best": 1, "worst": 20}]}

    draft = draft_2027(edit)
    line = next(r for r in rules_carry_plan(target=draft).rules if r.code == "LINE")
    assert line.outcome == RuleOutcome.DROPPED
    assert line.reason == ("新版本中不能使用：指标 starting.time 不是末级指标：超出预警线规则（threshold）"
                           "比较末级指标的原始值")


def test_publishing_through_the_page_carries_the_rules_and_monitoring_runs_on_the_new_version(
        version, fill, rules, office):
    # given 东湖县 breached the line in 2026-06 and the old version warned about it
    fill(HISTORY, breach={"2026-06"})
    monitoring_run(period="2026-06")
    old_warning = Warning.objects.get()
    assert old_warning.system_version == version

    # when the office copies the version and publishes the copy from the publish page
    client = Client()
    client.force_login(office)
    draft = system_version_copy(actor=office, source=version, version="2027")
    page = client.get(f"/indicators/versions/{draft.pk}/publish/").content.decode()
    assert "发布后预警规则如何沿用" in page
    assert "将从版本 2026 沿用 <strong>1</strong> 条预警规则" in page
    assert "原版本 2026 有 1 条未办结预警：新版本下一次检查时仍然触发的，转入新版本的同一规则继续跟踪" in page
    response = client.post(f"/indicators/versions/{draft.pk}/publish/")
    assert response.status_code == 302

    # then the new active version has the rule and its monitoring raises its own warning
    new = active_version(system_code="BIZENV-CN")
    assert new.pk == draft.pk
    rule = WarningRule.objects.get(system_version=new)
    assert (rule.code, rule.indicators, rule.revision) == ("LINE", ["starting.time"], 1)
    summary = monitoring_run(period="2026-06")
    assert summary.opened == 1
    fresh = Warning.objects.get(system_version=new)
    assert (fresh.rule, fresh.region.name, fresh.value) == (rule, "东湖县", 12.0)
    # and the lasting condition is handed over: one active warning, linked to the earlier version's
    old_warning.refresh_from_db()
    assert old_warning.get_status_display() == "已关闭" and "转入新版本继续跟踪" in old_warning.close_reason
    assert fresh.previous_id == old_warning.pk and fresh.is_active
