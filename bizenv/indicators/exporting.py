"""Writing an indicator system (a resolved spec) as YAML text or an Excel workbook; both re-import."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import yaml

from bizenv.indicators.parsing import (
    CYCLE_LABELS,
    DIRECTION_LABELS,
    EXCEL_COLUMNS,
    EXCEL_SYSTEM_ROWS,
    INDICATOR_SHEET,
    SYSTEM_SHEET,
)
from bizenv.indicators.specs import INHERITED_FIELDS, IndicatorSpec, SystemSpec, walk

_DIRECTION_TEXT = {v: k for k, v in DIRECTION_LABELS.items()}
_SOURCE_TEXT = {"metric": "无感监测", "report": "部门填报", "survey": "满意度调查", "external": "外部数据"}
_CYCLE_TEXT = {v: k for k, v in CYCLE_LABELS.items()}


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as people write YAML by hand.
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def _yaml_node(node: IndicatorSpec, parent: IndicatorSpec | None) -> dict[str, Any]:
    data: dict[str, Any] = {"code": node.code, "name": node.name, "weight": _number(node.weight)}
    if node.optional:
        data["optional"] = True
    if node.unit:
        data["unit"] = node.unit
    if node.direction:
        data["direction"] = node.direction
    if node.best is not None:
        data["best"] = _number(node.best)
    if node.worst is not None:
        data["worst"] = _number(node.worst)
    if node.transform_power is not None:
        data["transform"] = {"power": _number(node.transform_power)}
    if node.definition:
        data["definition"] = node.definition
    if node.remarks:
        data["remarks"] = node.remarks
    for name in INHERITED_FIELDS:
        value = getattr(node, name)
        is_list = name.endswith("departments")
        inherited = getattr(parent, name) if parent is not None else ([] if is_list else "")
        if (list(value or []) if is_list else (value or "")) == (
            list(inherited or []) if is_list else (inherited or "")
        ):
            continue
        # An explicit empty value stops inheritance: [] for departments, null for the others.
        data[name] = list(value) if is_list else (value or None)
    if node.external_ref:
        data["external_ref"] = node.external_ref
    if node.weight_variants:
        data["weight_variants"] = [
            {"when": dict(v.when), "weight": _number(v.weight)} for v in node.weight_variants
        ]
    if node.children:
        data["children"] = [_yaml_node(child, node) for child in node.children]
    return data


def export_yaml(spec: SystemSpec) -> str:
    """The system in the YAML format of docs/formats.md."""
    data: dict[str, Any] = {"code": spec.code, "name": spec.name, "version": spec.version}
    if spec.description:
        data["description"] = spec.description
    if spec.carry_over:
        data["carry_over"] = dict(spec.carry_over)
    data["indicators"] = [_yaml_node(node, None) for node in spec.indicators]
    header = (
        f"# 指标体系 {spec.code} 版本 {spec.version}（由 bizenv 导出，可直接再导入）\n"
        "# 格式说明见 docs/formats.md\n"
    )
    return header + yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False
    )


def _format_condition_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def variants_text(node: IndicatorSpec) -> str:
    """Weight variants in the compact cell syntax: `has_pipeline_gas=false:7; level=county:3`."""
    parts = []
    for v in node.weight_variants:
        conditions = ",".join(f"{k}={_format_condition_value(val)}" for k, val in v.when.items())
        parts.append(f"{conditions}:{_number(v.weight)}")
    return "; ".join(parts)


def _excel_inherited(
    node: IndicatorSpec, parent: IndicatorSpec | None, name: str, labels: dict[str, str]
) -> str:
    value = getattr(node, name)
    parent_value = getattr(parent, name) if parent is not None else None
    if name.endswith("departments"):
        if value:
            return ",".join(value)
        return "无" if parent_value else ""
    if value:
        return labels.get(value, value)
    return "无" if parent_value else ""


def _excel_row(node: IndicatorSpec, parent: IndicatorSpec | None) -> dict[str, Any]:
    return {
        "code": node.code,
        "parent": parent.code if parent else "",
        "name": node.name,
        "weight": _number(node.weight),
        "optional": "是" if node.optional else "",
        "unit": node.unit,
        "direction": _DIRECTION_TEXT.get(node.direction, ""),
        "best": _number(node.best),
        "worst": _number(node.worst),
        "transform": _number(node.transform_power),
        "lead_departments": _excel_inherited(node, parent, "lead_departments", {}),
        "responsible_departments": _excel_inherited(node, parent, "responsible_departments", {}),
        "source_kind": _excel_inherited(node, parent, "source_kind", _SOURCE_TEXT),
        "cycle": _excel_inherited(node, parent, "cycle", _CYCLE_TEXT),
        "external_ref": node.external_ref,
        "weight_variants": variants_text(node),
        "definition": node.definition,
        "remarks": node.remarks,
    }


_HELP_ROWS = [
    ("编码", "必填。字母、数字和 - _ . 组成，在整个体系内唯一。"),
    ("上级编码", "一级指标留空；下级指标填上级指标的编码，上级指标须写在前面的行。最多三级。"),
    ("名称", "必填。"),
    ("权重", "同级指标之间的相对权重，大于 0，留空为 1。"),
    ("可选", "填“是”表示可选指标（默认不计入综合得分）。"),
    ("单位", "如 天、个、%、元。"),
    (
        "方向",
        "越高越好 / 越低越好（或 higher_better / lower_better）；末级指标可留空，由最佳值和最差值推断。",
    ),
    ("最佳值 / 最差值", "末级指标必填，前沿距离计分的两端，不能相等。"),
    ("幂变换", "可选，幂变换指数，大于 0。"),
    ("牵头单位 / 责任单位", "部门编码，多个用逗号或顿号分隔；留空继承上级指标，填“无”表示没有。"),
    ("数据来源", "无感监测 / 部门填报 / 满意度调查 / 外部数据；留空继承上级，填“无”表示不设。"),
    ("采集周期", "月度 / 季度 / 年度；留空继承上级，填“无”表示不设。"),
    ("外部数据字段", "可选，外部数据集中该指标的列名。"),
    (
        "权重变体",
        "按区域属性调整权重：条件=值:权重，多个条件用逗号、多个变体用分号分隔，"
        "例如 has_pipeline_gas=false:7；权重 0 表示该区域不计此指标。",
    ),
]


def export_excel(spec: SystemSpec) -> bytes:
    """The system as an .xlsx workbook (sheets 体系, 指标 and a 填写说明 sheet that import ignores)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0F4C97")
    workbook = Workbook()
    system_sheet = workbook.active
    system_sheet.title = SYSTEM_SHEET
    system_sheet.append(["字段", "值"])
    values = {"code": spec.code, "name": spec.name, "version": spec.version, "description": spec.description}
    for label, name in EXCEL_SYSTEM_ROWS:
        system_sheet.append([label, values[name]])
    system_sheet.column_dimensions["A"].width = 12
    system_sheet.column_dimensions["B"].width = 80

    sheet = workbook.create_sheet(INDICATOR_SHEET)
    sheet.append([header for header, _name in EXCEL_COLUMNS])
    for node, parent, _level in walk(spec.indicators):
        row = _excel_row(node, parent)
        sheet.append([row[name] if row[name] is not None else None for _header, name in EXCEL_COLUMNS])
    for ws in (system_sheet, sheet):
        for cell in ws[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center")
    widths = {
        "code": 16,
        "parent": 14,
        "name": 30,
        "definition": 50,
        "remarks": 30,
        "weight_variants": 28,
        "lead_departments": 18,
        "responsible_departments": 24,
        "external_ref": 24,
    }
    for index, (_header, name) in enumerate(EXCEL_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(name, 10)
    # Codes are text: keep Excel from turning "1.10" into a number.
    for cells in sheet.iter_rows(min_row=2, max_col=2):
        for cell in cells:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(["列", "说明"])
    for row in _HELP_ROWS:
        help_sheet.append(list(row))
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 100
    for cell in help_sheet[1]:
        cell.font = header_font
        cell.fill = header_fill

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
