import pytest

from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.validation import validate_system

HEAD = "code: V\nname: 校验\nindicators:\n"


def _problems(body: str, **kwargs):
    result = parse_yaml(HEAD + body)
    return result.problems + validate_system(result.spec, **kwargs)


def _one(problems, field):
    matching = [p for p in problems if p.field == field]
    assert matching, [str(p) for p in problems]
    return matching[0]


def test_a_valid_tree_has_no_problems():
    assert _problems("  - {code: A, name: 甲, best: 1, worst: 5}\n") == []


def test_duplicate_code_names_both_places():
    problems = _problems(
        "  - {code: A, name: 甲, best: 1, worst: 5}\n  - {code: A, name: 乙, best: 1, worst: 5}\n"
    )

    problem = _one(problems, "code")
    assert problem.location.line == 5
    assert "编码“A”重复（第 4 行已使用）" in problem.message


def test_depth_four_is_refused_at_the_fourth_level():
    body = (
        "  - code: A\n    name: 一\n    children:\n"
        "      - code: A.B\n        name: 二\n        children:\n"
        "          - code: A.B.C\n            name: 三\n            children:\n"
        "              - {code: A.B.C.D, name: 四, best: 1, worst: 2}\n"
    )
    problem = _one(_problems(body), "children")

    assert problem.location.line == 13
    assert "不能超过 3 级" in problem.message and "A.B.C.D" in problem.message


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ("{code: A, name: 甲, weight: 0, best: 1, worst: 5}", "weight", "权重必须是大于 0 的数字"),
        ("{code: A, name: 甲, weight: -2, best: 1, worst: 5}", "weight", "权重必须是大于 0 的数字"),
        ("{code: A, name: 甲, weight: .inf, best: 1, worst: 5}", "weight", "权重必须是大于 0 的数字"),
        ("{code: A, name: 甲, best: 3, worst: 3}", "worst", "不能相等"),
        ("{code: A, name: 甲}", "best", "必须设置最佳值"),
        ("{code: A, name: 甲, direction: lower_better, best: 9, worst: 1}", "direction", "越低越好"),
        ("{code: A, name: 甲, direction: higher_better, best: 1, worst: 9}", "direction", "越高越好"),
        ("{code: A, name: 甲, best: 1, worst: 9, transform: {power: 0}}", "transform", "大于 0"),
    ],
)
def test_leaf_rules(item, field, message):
    problem = _one(_problems(f"  - {item}\n"), field)

    assert problem.location.line == 4
    assert message in problem.message


def test_scoring_parameters_only_on_leaves():
    problems = _problems(
        "  - code: A\n    name: 甲\n    best: 1\n    children:\n"
        "      - {code: A.1, name: 子, best: 1, worst: 2}\n"
    )

    problem = _one(problems, "best")
    assert problem.location.line == 6
    assert "只有末级指标" in problem.message


def test_unknown_departments_are_listed():
    body = "  - {code: A, name: 甲, best: 1, worst: 5, lead_departments: [samr, nosuch]}\n"

    known = _one(_problems(body, department_codes={"samr"}), "lead_departments")
    empty = _one(_problems(body, department_codes=set()), "lead_departments")

    assert "未知的部门编码：nosuch" in known.message
    assert "samr、nosuch" in empty.message and "部门表为空" in empty.message


def test_variant_rules():
    body = (
        "  - code: A\n    name: 甲\n    best: 1\n    worst: 5\n    weight_variants:\n"
        "      - {when: {has_pipeline_gas: false}, weight: 0}\n"
        "      - {when: {pipeline: false}, weight: 2}\n"
        "      - {when: {level: village}, weight: 2}\n"
        "      - {when: {has_pipeline_gas: 'no'}, weight: 2}\n"
        "  - code: B\n    name: 乙\n    best: 1\n    worst: 5\n    weight_variants:\n"
        "      - {when: {has_pipeline_gas: false}, weight: 0}\n"
    )
    messages = [p.message for p in _problems(body, attribute_keys={"coastal"})]

    assert any("权重全部为 0" in m and "has_pipeline_gas=false" in m for m in messages)
    assert any("“pipeline”不是区域属性" in m and "coastal" in m for m in messages)
    assert any("level 的值应为" in m for m in messages)
    assert any("has_pipeline_gas 的值应为 true 或 false" in m for m in messages)


def test_negative_variant_weight_and_free_attribute_allowed():
    body = (
        "  - code: A\n    name: 甲\n    best: 1\n    worst: 5\n    weight_variants:\n"
        "      - {when: {coastal: true}, weight: -1}\n"
        "  - {code: B, name: 乙, best: 1, worst: 5}\n"
    )
    problems = _problems(body, attribute_keys={"coastal"})

    assert [p.message for p in problems] == ["权重变体的权重必须是大于等于 0 的数字"]
    assert problems[0].location.line == 9


def test_draft_mode_allows_unfinished_leaves():
    spec = parse_yaml(HEAD + "  - {code: A, name: 甲}\n").spec

    assert validate_system(spec, complete=False) == []
    assert validate_system(spec, complete=True) != []
