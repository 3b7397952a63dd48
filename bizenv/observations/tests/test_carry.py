"""A new indicator-system version carries the values of the one it replaces (docs/decisions/0004)."""

from __future__ import annotations

import re

import pytest
import yaml

from bizenv.dashboards.tests.test_home import evaluated_world
from bizenv.evaluation.models import EvaluationResult, EvaluationRun
from bizenv.evaluation.scoring import TOTAL
from bizenv.evaluation.services import evaluation_run_create
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.indicators.selectors import active_version, version_spec
from bizenv.indicators.services import SHIPPED_SYSTEMS_DIR, indicator_system_import
from bizenv.indicators.specs import IndicatorSpec, SystemSpec
from bizenv.observations.carry import CarryOutcome, carry_match
from bizenv.observations.models import Observation, ReportingRound

pytestmark = pytest.mark.django_db


def totals(run: EvaluationRun) -> dict[str, float]:
    return dict(EvaluationResult.objects.filter(run=run, indicator_code=TOTAL).values_list("region__code", "score"))


def copy_and_publish(client, version: SystemVersion, label: str = "2027") -> SystemVersion:
    response = client.post(f"/indicators/versions/{version.pk}/copy/", {"version": label, "name": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    new = SystemVersion.objects.get(system=version.system, version=label)
    preview = client.get(f"/indicators/versions/{new.pk}/publish/").content.decode()
    response = client.post(f"/indicators/versions/{new.pk}/publish/")
    assert response.status_code == 302, response.content.decode()[:2000]
    new.refresh_from_db()
    new.preview_html = preview
    return new


def test_publishing_a_copy_keeps_every_page_and_the_latest_evaluation_as_they_were():
    world = evaluated_world()
    office = world.client("office")
    old = active_version()
    before = EvaluationRun.objects.filter(system_version=old, period="2026-10").latest("id")
    old_home = office.get("/").content.decode()
    old_ranking = re.search(r'id="ranking-table">(.*?)</table>', old_home, re.S).group(1)

    new = copy_and_publish(office, old)

    # The office saw beforehand what would carry: every value, nothing to collect again.
    values = Observation.objects.filter(system_version=old).count()
    assert f"将从版本 {old.version} 沿用 <strong>{values}</strong> 个指标值" in new.preview_html
    assert "<strong>0</strong> 个指标值不沿用；0 个末级指标需重新采集" in new.preview_html
    assert "2026年10月</td><td>4</td><td>100.0%</td><td>100.0%" in new.preview_html
    assert active_version() == new
    assert Observation.objects.filter(system_version=new).count() == values
    # Pages stay on the version the periods were evaluated under.
    home = office.get("/").content.decode()
    assert "尚无评价结果" not in home and "示范市营商环境总览 · 2026年10月" in home
    assert re.search(r'id="ranking-table">(.*?)</table>', home, re.S).group(1) == old_ranking
    topic = office.get("/topics/starting_business/").content.decode()
    assert "尚无评价结果" not in topic
    assert "尚无评价结果" not in office.get("/cockpit/").content.decode()
    assert office.get("/compare/").status_code == 200
    export = office.get("/compare/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    report = office.get("/topics/starting_business/report.docx?period=2026-10")
    assert report.status_code == 200

    # The latest period evaluates under the new version to the same composite scores.
    after = evaluation_run_create(actor=None, system_version=new, period="2026-10")
    assert totals(after) == pytest.approx(totals(before))
    assert after.system_version == new


def test_carried_values_keep_their_status_and_point_at_their_origin():
    world = evaluated_world()
    old = active_version()
    ReportingRound.objects.create(system_version=old, period="2026-11", name="2026年11月填报",
                                  deadline="2026-12-10", is_open=True)
    original = Observation.objects.filter(system_version=old).order_by("id").first()
    original.status = "submitted"
    original.save(update_fields=["status"])

    new = copy_and_publish(world.client("office"), old)

    copy = Observation.objects.get(system_version=new, carried_from=original)
    assert (copy.indicator.code, copy.region, copy.period, copy.value, copy.status) == (
        original.indicator.code, original.region, original.period, original.value, "submitted")
    assert new.carried_from == old
    # Reporting goes on in the new version: the open round moved over.
    assert ReportingRound.objects.get(system_version=new, period="2026-11").is_open
    assert not ReportingRound.objects.get(system_version=old, period="2026-11").is_open
    listing = world.client("office").get("/reporting/").content.decode()
    assert listing.count("已由新版本沿用，新的填报在新版本中") == 1  # the old round, not its twin


def _changed_yaml(version: str, edit) -> bytes:
    data = yaml.safe_load((SHIPPED_SYSTEMS_DIR / "default.yaml").read_text(encoding="utf-8"))
    data["version"] = version
    edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _leaf(data: dict, code: str) -> dict:
    stack = list(data["indicators"])
    while stack:
        node = stack.pop()
        if node["code"] == code:
            return node
        stack.extend(node.get("children") or [])
    raise KeyError(code)


def test_import_with_a_renamed_code_maps_it_and_a_changed_unit_needs_new_data(capsys):
    from bizenv.cli import main

    evaluated_world()
    old = active_version()
    leaves = [i.code for i in Indicator.objects.filter(version=old, children__isnull=True).order_by("sort_order")]
    renamed, changed = leaves[0], leaves[1]

    def edit(data):
        data["name"] = data["name"] + "（2027）"
        _leaf(data, renamed)["code"] = renamed + "_v2"
        _leaf(data, changed)["unit"] = "新单位"
        data["carry_over"] = {renamed + "_v2": renamed}

    content = _changed_yaml("2027", edit)
    draft = indicator_system_import(actor=None, content=content, filename="v2027.yaml").version
    assert version_spec(version=draft).carry_over == {renamed + "_v2": renamed}

    assert main(["indicators", "publish", "BIZENV-CN", "2027", "--preview"]) == 0
    out = capsys.readouterr().out
    assert f"{renamed}_v2 ← {renamed}：沿用（按编码对应）" in out
    assert f"{changed} " in out and "需重新采集（口径已变），单位与版本" in out
    assert not SystemVersion.objects.get(pk=draft.pk).is_published

    assert main(["indicators", "publish", "BIZENV-CN", "2027"]) == 0
    assert "已发布 BIZENV-CN 版本 2027" in capsys.readouterr().out
    new = active_version()
    per_code = {code: Observation.objects.filter(system_version=old, indicator__code=code).count()
                for code in (renamed, changed)}
    assert Observation.objects.filter(system_version=new, indicator__code=renamed + "_v2").count() == per_code[renamed]
    assert not Observation.objects.filter(system_version=new, indicator__code=changed).exists()
    assert Indicator.objects.get(version=new, code=changed).needs_new_data
    assert not Indicator.objects.get(version=new, code=renamed + "_v2").needs_new_data
    # Re-importing the same file is still a no-op (the mapping is part of the content).
    again = indicator_system_import(actor=None, content=content, filename="v2027.yaml")
    assert not again.created


def _spec(version: str, leaves: list[IndicatorSpec], carry_over=None) -> SystemSpec:
    return SystemSpec(code="S", name="体系", version=version, carry_over=carry_over or {},
                      indicators=[IndicatorSpec(code="t", name="专题", children=leaves)])


def _node(code: str, **fields) -> IndicatorSpec:
    base = {"name": code, "unit": "天", "direction": "lower_better", "best": 1.0, "worst": 10.0, "cycle": "monthly",
            "definition": f"{code} 的释义"}
    return IndicatorSpec(code=code, **{**base, **fields})


@pytest.mark.parametrize(("new", "carry_over", "expected"), [
    (_node("a"), {}, ("a", CarryOutcome.SAME, "")),
    (_node("a", weight=3.0, name="新名称"), {}, ("a", CarryOutcome.SAME, "")),
    (_node("a", best=0.5), {}, ("a", CarryOutcome.SAME, "最佳值已变，得分按新参数计算")),
    (_node("a", unit="小时"), {}, ("a", CarryOutcome.CHANGED, "单位与版本 1 的 a 不同")),
    (_node("a", direction="higher_better", best=10.0, worst=1.0), {},
     ("a", CarryOutcome.CHANGED, "方向与版本 1 的 a 不同")),
    (_node("a2", definition="a 的释义"), {}, ("a", CarryOutcome.MATCHED, "")),
    (_node("a2", definition="另一个释义"), {"a2": "a"}, ("a", CarryOutcome.MAPPED, "")),
    (_node("a2", definition="另一个释义"), {}, ("", CarryOutcome.NEW, "")),
])
def test_carry_match_table(new, carry_over, expected):
    matches, problems = carry_match(source=_spec("1", [_node("a"), _node("b")]),
                                    target=_spec("2", [new, _node("b")], carry_over))

    found = next(m for m in matches if m.code == new.code)
    assert (found.source_code, found.outcome, found.reason) == expected
    assert problems == []


def test_carry_match_reports_a_mapping_to_nothing_and_two_equal_definitions():
    old = _spec("1", [_node("a"), _node("b", definition="同一释义"), _node("c", definition="同一释义")])
    new = _spec("2", [_node("x", definition="同一释义")], {"a": "zz"})

    matches, problems = carry_match(source=old, target=new)

    assert [(m.code, m.outcome) for m in matches] == [("x", CarryOutcome.NEW)]
    assert "请用编码对应指明" in matches[0].reason
    assert problems == ["编码对应“a ← zz”：a 不是本版本的末级指标，已忽略"]
