import pytest

from bizenv.evaluation.scoring import compile_system
from bizenv.indicators.parsing import parse_yaml
from bizenv.monitoring.rulefile import rule_problems, rules_dump, rules_parse
from bizenv.monitoring.specs import LEAVES, Compare, RuleKind, RuleSpec, Severity

SYSTEM = """
code: T
name: 测试体系
indicators:
  - code: A
    name: 办理破产
    children:
      - {code: A.1, name: 收回债务所需的时间, unit: 年, direction: lower_better, best: 0, worst: 10}
      - {code: A.2, name: 债务回收率, unit: "%", direction: higher_better, best: 100, worst: 0}
  - {code: B, name: 政务服务, direction: higher_better, best: 10, worst: 0}
"""

EVERY_KIND = """
rules:
  - code: T1
    kind: threshold
    severity: red
    name: 收回债务时间超线
    indicators: [A.1, A.2]
    line: 1.5
    description: 超过 1.5 年即预警
  - code: B1
    kind: bottom_rank
    severity: 橙
    level: 1
    n: 3
    regions: [县, 开发区]
  - code: G1
    kind: lag_best
    severity: 黄色
    indicator: TOTAL
    gap: 20
  - code: M1
    kind: lag_benchmark
    severity: yellow
    level: leaves
    ratio: 0.5
  - code: F1
    kind: fluctuation
    severity: orange
    level: leaves
    k: 2
    compare: 同比
    min_history: 6
    enabled: false
  - code: O1
    kind: overdue
    severity: red
    indicators: [B]
    limit: 0.05
    open_limit: 2
    dataset: service_cases
  - code: P1
    kind: missing_report
    severity: yellow
"""


@pytest.fixture(scope="module")
def system():
    parsed = parse_yaml(SYSTEM)
    assert parsed.ok, parsed.problems
    return compile_system(parsed.spec)


def _problems(text, system, **kwargs):
    result = rules_parse(text, system, **kwargs)
    assert not result.ok
    return [str(p) for p in result.problems]


def test_every_kind_reads_into_rule_specs(system):
    result = rules_parse(EVERY_KIND.encode("utf-8"), system, region_groups={"县", "开发区"})
    assert result.ok, [str(p) for p in result.problems]
    rules = {r.code: r for r in result.rules}
    assert list(rules) == ["T1", "B1", "G1", "M1", "F1", "O1", "P1"]
    assert rules["T1"] == RuleSpec(code="T1", kind=RuleKind.THRESHOLD, severity=Severity.RED, name="收回债务时间超线",
                                   indicators=("A.1", "A.2"), line=1.5, description="超过 1.5 年即预警")
    assert (rules["B1"].severity, rules["B1"].level, rules["B1"].n, rules["B1"].region_groups) == \
        (Severity.ORANGE, 1, 3, ("县", "开发区"))
    assert (rules["G1"].severity, rules["G1"].indicators, rules["G1"].gap) == (Severity.YELLOW, ("TOTAL",), 20.0)
    assert (rules["M1"].level, rules["M1"].ratio) == (LEAVES, 0.5)
    assert (rules["F1"].compare, rules["F1"].k, rules["F1"].min_history, rules["F1"].enabled) == \
        (Compare.YOY, 2.0, 6, False)
    assert (rules["O1"].limit, rules["O1"].open_limit, rules["O1"].dataset) == (0.05, 2, "service_cases")
    assert rules["P1"].kind == RuleKind.MISSING_REPORT


def test_dump_reads_back_equal(system):
    rules = rules_parse(EVERY_KIND, system).rules
    text = rules_dump(rules)
    again = rules_parse(text, system)
    assert again.ok, [str(p) for p in again.problems]
    assert again.rules == rules
    assert "收回债务时间超线" in text  # written as Chinese, not escaped


def test_an_empty_rule_list_is_no_rules(system):
    assert rules_parse("rules: []\n", system).rules == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("{code: X1, kind: trend, severity: red}", ["规则 X1", "字段 kind", "未知的规则类型“trend”"]),
        ("{code: X1, kind: threshold, severity: red, indicators: [A.9], line: 1}",
         ["规则 X1", "字段 indicators", "未知的指标编码“A.9”"]),
        ("{code: X1, kind: threshold, severity: red, indicators: [A], line: 1}",
         ["规则 X1", "字段 indicators", "指标 A 不是末级指标"]),
        ("{code: X1, kind: threshold, severity: red, indicators: [A.1], line: 一年}",
         ["规则 X1", "字段 line", "应为数字，实为“一年”"]),
        ("{code: X1, kind: threshold, severity: red, indicators: [A.1], line: '1.5'}",
         ["规则 X1", "字段 line", "应为数字"]),
        ("{code: X1, kind: threshold, severity: red, line: 1}", ["规则 X1", "字段 indicators", "必须用 indicators"]),
        ("{code: X1, kind: threshold, severity: red, indicators: [A.1]}", ["规则 X1", "字段 line", "必须设置 line"]),
        ("{code: X1, kind: bottom_rank, severity: red, level: 1, n: -1}", ["规则 X1", "字段 n", "不小于 0 的整数"]),
        ("{code: X1, kind: bottom_rank, severity: red, level: 1, n: 2.5}", ["规则 X1", "字段 n", "不小于 0 的整数"]),
        ("{code: X1, kind: bottom_rank, severity: red, level: 4, n: 1}",
         ["规则 X1", "字段 level", "没有第 4 层", "0、1、2"]),
        ("{code: X1, kind: bottom_rank, severity: red, level: top, n: 1}", ["规则 X1", "字段 level", "实为“top”"]),
        ("{code: X1, kind: lag_best, severity: red, gap: -5}", ["规则 X1", "字段 gap", "不能小于 0"]),
        ("{code: X1, kind: lag_benchmark, severity: red, ratio: -0.1}", ["规则 X1", "字段 ratio", "不能小于 0"]),
        ("{code: X1, kind: lag_benchmark, severity: red, level: 1, ratio: 0.1}",
         ["规则 X1", "字段 level", "只能写 leaves"]),
        ("{code: X1, kind: fluctuation, severity: red, k: 0, compare: pop}", ["规则 X1", "字段 k", "应大于 0"]),
        ("{code: X1, kind: fluctuation, severity: red, k: 2, compare: mom}",
         ["规则 X1", "字段 compare", "pop（环比）或 yoy（同比）"]),
        ("{code: X1, kind: fluctuation, severity: red, k: 2}", ["规则 X1", "字段 compare", "必须设置 compare"]),
        ("{code: X1, kind: fluctuation, severity: red, k: 2, compare: pop, min_history: 1}",
         ["规则 X1", "字段 min_history", "不小于 2"]),
        ("{code: X1, kind: overdue, severity: red, limit: 5}", ["规则 X1", "字段 limit", "0 到 1 之间"]),
        ("{code: X1, kind: overdue, severity: red, limit: abc}", ["规则 X1", "字段 limit", "应为数字"]),
        ("{code: X1, kind: lag_best, severity: red, gap: 5, line: 3}", ["规则 X1", "字段 line", "不使用参数 line"]),
        ("{code: X1, kind: lag_best, severity: purple, gap: 5}", ["规则 X1", "字段 severity", "未知的预警等级“purple”"]),
        ("{code: X1, kind: lag_best, severity: red, gap: 5, colour: red}", ["规则 X1", "字段 colour", "未知字段"]),
        ("{code: X1, kind: lag_best, severity: red, gap: 5, regions: [园区]}",
         ["规则 X1", "字段 regions", "未知的同类分组“园区”"]),
        ("{code: X1, kind: lag_best, severity: red, gap: 5, enabled: 也许}", ["规则 X1", "字段 enabled"]),
        ("{code: X1, kind: lag_best, severity: red, gap: 5, indicators: [A], level: 1}",
         ["规则 X1", "字段 level", "只能写一个"]),
        ("{kind: lag_best, severity: red, gap: 5}", ["第 1 条规则", "字段 code", "不能为空"]),
        ("{code: 规则一, kind: lag_best, severity: red, gap: 5}", ["第 1 条规则", "字段 code", "只能由字母"]),
    ],
)
def test_bad_rules_are_named_with_their_field(system, rule, expected):
    problems = _problems(f"rules:\n  - {rule}\n", system, region_groups={"县"})
    assert any(all(fragment in p for fragment in expected) for p in problems), problems
    assert all(p.startswith("第 2 行") for p in problems), problems


def test_problems_point_at_the_line_of_the_field(system):
    text = ("rules:\n"
            "  - code: OK1\n    kind: lag_best\n    severity: red\n    gap: 5\n"
            "  - code: X2\n    kind: bottom_rank\n    severity: red\n    level: 1\n    n: -2\n")
    assert _problems(text, system) == ["第 10 行，规则 X2，字段 n：应为不小于 0 的整数，实为 -2"]


def test_duplicate_codes_are_refused(system):
    text = "rules:\n  - {code: R, kind: lag_best, severity: red, gap: 5}\n  - {code: R, kind: lag_best, severity: red, gap: 9}\n"
    assert _problems(text, system) == ["第 3 行，规则 R，字段 code：规则编码重复（第 1 条规则已用）"]


def test_a_yaml_syntax_error_gives_its_line(system):
    problems = _problems("rules:\n  - code: R\n    kind: [lag_best\n    severity: red\n", system)
    assert len(problems) == 1 and problems[0].startswith("第 4 行") and "YAML 语法错误" in problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- {code: R, kind: lag_best, severity: red, gap: 5}\n", "文件内容应以 rules: 开头"),
        ("rules: {code: R}\n", "rules 应是规则列表"),
        ("rules: []\nversion: 2\n", "未知字段“version”"),
        ("rules:\n  - R1\n", "第 1 条规则：每条规则应是一个映射"),
    ],
)
def test_the_file_shape_is_checked(system, text, expected):
    assert any(expected in p for p in _problems(text, system))


def test_without_a_system_only_the_shape_is_checked():
    result = rules_parse("rules:\n  - {code: R, kind: threshold, severity: 红, indicators: [NOPE], line: 1}\n")
    assert result.ok and result.rules[0].indicators == ("NOPE",)


def test_rule_problems_checks_a_rule_built_elsewhere(system):
    rule = RuleSpec(code="R9", kind=RuleKind.FLUCTUATION, severity=Severity.RED, indicators=("A",), k=2.0,
                    compare=Compare.POP)
    assert [str(p) for p in rule_problems(rule, system)] == [
        "规则 R9，字段 indicators：指标 A 不是末级指标：同比环比异常波动规则（fluctuation）比较末级指标的原始值"]


@pytest.mark.parametrize(
    "rule",
    [
        RuleSpec(code="1.10", kind=RuleKind.THRESHOLD, severity=Severity.RED, name="yes", indicators=("A.1",),
                 line=0.1 + 0.2, description="第一行：说明\n第二行 'quoted' \"double\""),
        RuleSpec(code="R-2", kind=RuleKind.LAG_BEST, severity=Severity.YELLOW, level=0, gap=1e-7, enabled=False),
        RuleSpec(code="R_3", kind=RuleKind.FLUCTUATION, severity=Severity.ORANGE, level=LEAVES, k=2.5,
                 compare=Compare.POP, min_history=12, region_groups=("true", "开发区")),
        RuleSpec(code="R4", kind=RuleKind.OVERDUE, severity=Severity.RED, open_limit=0, dataset="service_cases"),
    ],
)
def test_awkward_values_survive_a_round_trip(system, rule):
    result = rules_parse(rules_dump([rule]), system, region_groups={"true", "开发区"})
    assert result.ok, [str(p) for p in result.problems]
    assert result.rules == [rule]
