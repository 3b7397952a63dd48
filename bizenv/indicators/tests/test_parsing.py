from io import BytesIO

import pytest
from openpyxl import Workbook

from bizenv.indicators.parsing import parse_excel, parse_file, parse_yaml
from bizenv.indicators.specs import walk
from bizenv.indicators.tests.conftest import FIXTURES


def _problem_texts(result):
    return [str(p) for p in result.problems]


def test_minimal_yaml_is_accepted_as_written():
    result = parse_yaml((FIXTURES / "minimal.yaml").read_bytes())

    assert result.problems == []
    spec = result.spec
    assert (spec.code, spec.name, spec.version) == ("DB2020", "Doing Business 2020", "1")
    codes = [(node.code, level) for node, _parent, level in walk(spec.indicators)]
    assert codes == [("SB", 1), ("SB.PROC", 2), ("SB.PROC.M", 3), ("SB.PROC.W", 3), ("PT", 1), ("PT.TTCR", 2)]
    ttcr = spec.indicators[1].children[0]
    assert (ttcr.best, ttcr.worst, ttcr.transform_power, ttcr.direction) == (26.1, 84.0, 0.8, "lower_better")


def test_fields_inherit_from_parent_and_direction_is_inferred():
    spec = parse_yaml((FIXTURES / "small.yaml").read_bytes()).spec
    power, gas, trade = spec.indicators
    time, cost = power.children

    assert time.lead_departments == ["power_supply"]
    assert time.responsible_departments == ["housing"]
    assert cost.responsible_departments == []  # an explicit [] stops inheritance
    assert (time.source_kind, time.cycle) == ("metric", "monthly")
    assert time.direction == "lower_better"  # best 1 < worst 20
    assert time.weight == 1.0  # default
    assert gas.children[0].cycle == "quarterly"
    assert gas.children[0].source_kind == ""
    assert trade.optional is True
    assert trade.children[0].source_kind == "survey"
    assert power.weight_variants[0].when == {"has_pipeline_gas": False}
    assert power.weight_variants[0].weight == 9


def test_yaml_syntax_error_names_the_line():
    text = "code: X\nname: 测试\nindicators:\n  - code: A\n    name: [未闭合\n"

    result = parse_yaml(text)

    assert result.spec is None
    (problem,) = result.problems
    assert problem.location.line == 6 or problem.location.line == 5
    assert "YAML 语法错误" in str(problem)
    assert str(problem).startswith("第 ")


@pytest.mark.parametrize(
    ("snippet", "line", "field", "message"),
    [
        ("    weight: 多\n", 6, "weight", "权重必须是大于 0 的数字"),
        ("    best: 一\n", 6, "best", "最佳值必须是数字"),
        ("    colour: red\n", 6, "colour", "未知字段"),
        ("    cycle: weekly\n", 6, "cycle", "取值“weekly”无效"),
        ("    source_kind: rumour\n", 6, "source_kind", "无效"),
        ("    optional: 也许\n", 6, "optional", "true 或 false"),
        ("    transform: 0.8\n", 6, "transform", "power"),
        ("    lead_departments: {a: 1}\n", 6, "lead_departments", "部门编码列表"),
    ],
)
def test_wrong_field_reports_line_and_field_in_chinese(snippet, line, field, message):
    text = (
        "code: X\nname: 测试\nindicators:\n  - code: A\n    name: 甲\n"
        + snippet
        + "    best: 1\n    worst: 2\n"
    )
    if snippet.startswith("    best"):
        text = text.replace("    best: 1\n", "", 1)

    result = parse_yaml(text)

    matching = [p for p in result.problems if p.field == field]
    assert matching, _problem_texts(result)
    assert matching[0].location.line == line
    assert message in matching[0].message
    assert str(matching[0]).startswith(f"第 {line} 行，字段 {field}：")


def test_duplicate_key_in_one_mapping_is_reported():
    result = parse_yaml("code: X\nname: 测试\nname: 又一个\nindicators: []\n")

    assert any(p.field == "name" and p.location.line == 3 and "重复" in p.message for p in result.problems)


def test_root_must_be_a_mapping():
    result = parse_yaml("- 一\n- 二\n")

    assert result.spec is None
    assert "指标体系" in result.problems[0].message


def test_file_format_chosen_by_extension():
    result = parse_file(b"code: X", "system.txt")

    assert result.spec is None
    assert ".yaml" in result.problems[0].message and ".xlsx" in result.problems[0].message


def _workbook(rows, system_rows=None, header=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "体系"
    ws.append(["字段", "值"])
    for row in system_rows or [("编码", "XL"), ("名称", "Excel 体系"), ("版本", "1")]:
        ws.append(list(row))
    sheet = wb.create_sheet("指标")
    sheet.append(
        header or ["编码", "上级编码", "名称", "权重", "方向", "最佳值", "最差值", "权重变体", "牵头单位"]
    )
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_excel_rows_build_the_tree_with_variants_and_labels():
    content = _workbook(
        [
            ("A", None, "甲", 2, None, None, None, "has_pipeline_gas=false:0", "samr、tax"),
            ("A.1", "A", "甲一", None, "越低越好", 1, 10, None, None),
            ("B", None, "乙", 1, "higher_better", 100, 0, None, "无"),
        ]
    )

    result = parse_excel(content)

    assert result.problems == []
    a, b = result.spec.indicators
    assert a.weight == 2 and a.weight_variants[0].when == {"has_pipeline_gas": False}
    assert a.weight_variants[0].weight == 0
    assert a.lead_departments == ["samr", "tax"]
    assert a.children[0].lead_departments == ["samr", "tax"]  # blank inherits
    assert a.children[0].direction == "lower_better"
    assert b.lead_departments == []


@pytest.mark.parametrize(
    ("row", "column", "field", "message"),
    [
        (("A", None, "甲", "重", None, 1, 2, None, None), "权重", "weight", "权重必须是大于 0 的数字"),
        (("A", None, "甲", 1, "向上", 1, 2, None, None), "方向", "direction", "无效"),
        (("A", None, "甲", 1, None, "好", 2, None, None), "最佳值", "best", "最佳值必须是数字"),
        (("A", None, "甲", 1, None, 1, 2, "gas:7", None), "权重变体", "weight_variants", "格式有误"),
        (("A", "Z", "甲", 1, None, 1, 2, None, None), "上级编码", "parent", "上级编码“Z”不存在"),
        (("A", None, None, 1, None, 1, 2, None, None), "名称", "name", "不能为空"),
    ],
)
def test_broken_excel_rows_report_row_column_and_field(row, column, field, message):
    result = parse_excel(_workbook([row]))

    matching = [p for p in result.problems if p.field == field]
    assert matching, _problem_texts(result)
    problem = matching[0]
    assert (problem.location.sheet, problem.location.row, problem.location.column) == ("指标", 2, column)
    assert message in problem.message
    assert str(problem).startswith(f"工作表“指标”第 2 行，列“{column}”，字段 {field}：")


def test_excel_unknown_column_and_missing_sheet():
    unknown = parse_excel(_workbook([("A", None, "甲")], header=["编码", "上级编码", "名称", "颜色"]))
    assert any("未知的列“颜色”" in p.message and p.location.row == 1 for p in unknown.problems)

    wb = Workbook()
    wb.active.title = "Sheet1"
    buffer = BytesIO()
    wb.save(buffer)
    missing = parse_excel(buffer.getvalue())
    assert missing.spec is None and "缺少工作表" in missing.problems[0].message


def test_not_a_workbook_is_rejected_in_chinese():
    result = parse_excel(b"this is not a zip file")

    assert result.spec is None
    assert "不是有效的 Excel（.xlsx）文件" in result.problems[0].message
