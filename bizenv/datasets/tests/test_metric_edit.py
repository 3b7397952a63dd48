"""Editing a metric definition (编辑口径) on its page: validated YAML, a new version, audited, no-op when unchanged."""

import yaml

from bizenv.core.models import AuditLog
from bizenv.datasets import metric_services as ms
from bizenv.datasets.models import MetricDefinition

CODE = "getting_water.time"


def current_yaml() -> str:
    return yaml.safe_dump(MetricDefinition.objects.get(code=CODE, is_active=True).spec, allow_unicode=True,
                          sort_keys=False)


def test_the_edit_form_is_prefilled_with_the_current_version(town):
    ms.metric_definitions_load_shipped(actor=None)

    page = town.client("office").get(f"/data/metrics/{CODE}/").content.decode()

    assert "编辑口径" in page and "保存为新版本" in page
    assert f"code: {CODE}" in page and "aggregation:" in page


def test_a_changed_spec_becomes_a_new_active_version_and_the_old_one_stays(town):
    ms.metric_definitions_load_shipped(actor=None)
    edited = current_yaml().replace(f"name: {MetricDefinition.objects.get(code=CODE).name}", "name: 获得用水时间（新口径）")

    office = town.client("office")

    response = office.post(f"/data/metrics/{CODE}/", {"spec": edited})

    assert response.status_code == 302
    versions = list(MetricDefinition.objects.filter(code=CODE).order_by("version"))
    assert [(v.version, v.is_active) for v in versions] == [(1, False), (2, True)]
    assert versions[1].name == "获得用水时间（新口径）" and versions[1].created_by == town.users["office"]
    entry = AuditLog.objects.get(action="metric_definition.version")
    assert entry.actor == town.users["office"] and entry.old_values["version"] == 1
    page = office.get(f"/data/metrics/{CODE}/").content.decode()
    assert "已保存为 v2" in page and "v1" in page


def test_saving_the_unchanged_spec_writes_nothing(town):
    ms.metric_definitions_load_shipped(actor=None)
    audit_rows = AuditLog.objects.count()

    response = town.client("office").post(f"/data/metrics/{CODE}/", {"spec": current_yaml()}, follow=True)

    assert MetricDefinition.objects.filter(code=CODE).count() == 1
    assert AuditLog.objects.count() == audit_rows
    assert "口径未改动，未生成新版本" in response.content.decode()


def test_an_invalid_spec_lists_each_problem_with_its_field_and_saves_nothing(town):
    ms.metric_definitions_load_shipped(actor=None)
    spec = yaml.safe_load(current_yaml())
    spec["aggregation"] = "average"
    spec["scale"] = -1
    spec["colour"] = "blue"

    response = town.client("office").post(f"/data/metrics/{CODE}/", {"spec": yaml.safe_dump(spec, allow_unicode=True)})

    page = response.content.decode()
    assert response.status_code == 400
    assert "汇总方式 aggregation“average”无效" in page and "缩放系数 scale" in page and "未知的键：colour" in page
    assert "average" in page  # the user's text stays in the form
    assert MetricDefinition.objects.filter(code=CODE).count() == 1


def test_broken_yaml_a_renamed_code_and_strangers_are_refused(town):
    ms.metric_definitions_load_shipped(actor=None)
    office = town.client("office")

    broken = office.post(f"/data/metrics/{CODE}/", {"spec": "code: [unclosed\nname: x"})
    renamed = office.post(f"/data/metrics/{CODE}/", {"spec": current_yaml().replace(f"code: {CODE}", "code: other")})
    stranger = town.client("east").post(f"/data/metrics/{CODE}/", {"spec": current_yaml()})

    assert broken.status_code == 400 and "不是有效的 YAML" in broken.content.decode()
    assert renamed.status_code == 400 and "口径编码 code 应保持为" in renamed.content.decode()
    assert stranger.status_code == 403
    assert MetricDefinition.objects.count() == MetricDefinition.objects.filter(version=1).count()
