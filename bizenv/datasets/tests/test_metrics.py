"""Metric definitions: parsing and validation with Chinese errors; the shipped files cover the default system."""

from pathlib import Path

import pytest
import yaml

from bizenv.core.errors import ApplicationError
from bizenv.datasets.metrics import (
    Aggregation,
    FilterOp,
    MeasureKind,
    metric_spec_parse,
    metric_specs_load,
)

SHIPPED = Path(__file__).resolve().parents[1] / "metric_definitions"
DEFAULT_SYSTEM = Path(__file__).resolve().parents[2] / "indicators" / "systems" / "default.yaml"


def base(**changes):
    raw = {
        "code": "t.time", "name": "耗时", "indicator": "starting_business.time.establishment",
        "dataset": "business_registrations",
        "filters": [{"field": "kind", "op": "eq", "value": "establishment"}],
        "measure": {"kind": "working_days", "start": "applied_at", "end": "completed_at"},
        "aggregation": "mean", "unit": "工作日",
    }
    raw.update(changes)
    return raw


def shipped_specs():
    return [s for p in sorted(SHIPPED.glob("*.yaml")) for s in metric_specs_load(p.read_text(encoding="utf-8"),
                                                                                  filename=p.name)]


def metric_leaves():
    def walk(nodes):
        for n in nodes:
            if n.get("children"):
                yield from walk(n["children"])
            elif n.get("source_kind") == "metric":
                yield n["code"]
    return set(walk(yaml.safe_load(DEFAULT_SYSTEM.read_text(encoding="utf-8"))["indicators"]))


def test_a_valid_definition_parses_into_a_spec():
    spec = metric_spec_parse(base())
    assert spec.measure.kind == MeasureKind.WORKING_DAYS
    assert spec.aggregation == Aggregation.MEAN
    assert spec.filters[0].op == FilterOp.EQ
    assert spec.period_field == "applied_at"
    assert metric_spec_parse(spec.to_dict()) == spec  # the stored form reads back the same


def test_every_metric_leaf_of_the_default_system_has_a_shipped_definition():
    specs = shipped_specs()
    indicators = {s.indicator for s in specs}
    assert metric_leaves() <= indicators
    assert indicators <= metric_leaves()


def test_shipped_codes_are_unique():
    codes = [s.code for s in shipped_specs()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": "nope"}, "未知的数据集"),
        ({"filters": [{"field": "colour", "op": "eq", "value": "x"}]}, "不是数据集 business_registrations 的字段"),
        ({"filters": [{"field": "kind", "op": "like", "value": "x"}]}, "运算符“like”无效"),
        ({"filters": [{"field": "kind", "op": "eq", "value": "merger"}]}, "不在字段 kind 的可选值中"),
        ({"filters": [{"field": "kind", "op": "in", "value": "establishment"}]}, "应为非空列表"),
        ({"filters": [{"field": "kind", "op": "gte", "value": "a"}]}, "只能用于数值或时间字段"),
        ({"filters": [{"field": "cost", "op": "gte", "value": "many"}]}, "不是float类型"),
        ({"filters": [{"field": "cost", "op": "eq"}]}, "缺少 value"),
        ({"measure": {"kind": "working_days", "start": "kind", "end": "completed_at"}}, "需要 timestamp"),
        ({"measure": {"kind": "teleport"}}, "measure.kind“teleport”无效"),
        ({"aggregation": "share"}, "汇总方式 share 需要是/否结果"),
        ({"aggregation": "mode"}, "汇总方式 aggregation“mode”无效"),
        ({"measure": {"kind": "share_true", "field": "channel"}}, "需要 boolean"),
        ({"scale": -1}, "缩放系数"),
        ({"colour": "red"}, "未知的键：colour"),
        ({"code": ""}, "缺少口径编码"),
    ],
)
def test_invalid_definitions_give_chinese_errors(changes, message):
    with pytest.raises(ApplicationError) as exc:
        metric_spec_parse(base(**changes))
    assert message in str(exc.value)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ApplicationError) as exc:
        metric_spec_parse(base(aggregation="mode", filters=[{"field": "colour", "op": "eq", "value": 1}]))
    assert len(exc.value.details) == 2


def test_boolean_measure_needs_share_or_count():
    raw = base(dataset="tenders", filters=[], measure={"kind": "share_true", "field": "winner_local",
                                                      "expected": False}, aggregation="mean")
    with pytest.raises(ApplicationError, match="只能是 share 或 count"):
        metric_spec_parse(raw)
    raw["aggregation"] = "share"
    assert metric_spec_parse(raw).measure.expected is False


def test_step_count_is_not_for_the_steps_dataset_itself():
    raw = base(dataset="process_steps", filters=[], measure={"kind": "step_count"})
    with pytest.raises(ApplicationError, match="办件数据集"):
        metric_spec_parse(raw)


def test_file_with_duplicate_codes_is_rejected():
    text = yaml.safe_dump({"definitions": [base(), base()]}, allow_unicode=True)
    with pytest.raises(ApplicationError) as exc:
        metric_specs_load(text, filename="dup.yaml")
    assert "重复" in str(exc.value)


def test_broken_yaml_names_the_line():
    with pytest.raises(ApplicationError, match="不是有效的 YAML/JSON"):
        metric_specs_load("definitions: [\n  {code: a", filename="bad.yaml")


def test_json_is_accepted():
    import json

    specs = metric_specs_load(json.dumps([base()], ensure_ascii=False), filename="a.json")
    assert specs[0].code == "t.time"


def test_timestamp_filters_are_normalised():
    spec = metric_spec_parse(base(filters=[{"field": "applied_at", "op": "gte", "value": "2026-01-01"}]))
    assert spec.filters[0].value == "2026-01-01 00:00:00"


def test_describe_is_chinese():
    text = metric_spec_parse(base()).describe()
    assert "平均值" in text and "数据集“企业开办办件”（业务类型 等于 设立）" in text
    assert "establishment" not in text and "business_registrations" not in text
