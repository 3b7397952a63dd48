"""Reading indicator-system files (YAML and Excel) into specs.

Problems are in Chinese and name the line (YAML) or row and column (Excel) and the field.

Parsing checks shape: known fields, types and enumerated values. The rules that concern the tree as a
whole (weights, unique codes, depth, scoring parameters, departments) are in `validation.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

from bizenv.core.cells import CellError, cell_number, cell_scalar, cell_text, yes_no
from bizenv.core.officefiles import OfficeFileRefused, office_file_check
from bizenv.indicators.specs import (
    CYCLES,
    DEFAULT_VERSION,
    DIRECTIONS,
    INDICATOR_FILE_KEYS,
    SOURCE_KINDS,
    IndicatorSpec,
    Location,
    Problem,
    SystemSpec,
    VariantSpec,
    resolve_inheritance,
)

YAML_EXTENSIONS = (".yaml", ".yml")
EXCEL_EXTENSIONS = (".xlsx",)
SYSTEM_SHEET = "体系"
INDICATOR_SHEET = "指标"

SYSTEM_FIELDS = ("code", "name", "version", "description", "carry_over", "indicators")
INDICATOR_FIELDS = INDICATOR_FILE_KEYS

DIRECTION_LABELS = {"越高越好": "higher_better", "越低越好": "lower_better"}
SOURCE_KIND_LABELS = {
    "无感监测": "metric",
    "部门填报": "report",
    "满意度调查": "survey",
    "外部数据": "external",
    "无感监测（原始办件计算）": "metric",
}
CYCLE_LABELS = {"月度": "monthly", "季度": "quarterly", "年度": "yearly"}
EXPLICIT_NONE = ("无", "-", "—")

# Excel: the header of each column of the 指标 sheet and the field it holds, in export order.
EXCEL_COLUMNS: list[tuple[str, str]] = [
    ("编码", "code"),
    ("上级编码", "parent"),
    ("名称", "name"),
    ("权重", "weight"),
    ("可选", "optional"),
    ("单位", "unit"),
    ("方向", "direction"),
    ("最佳值", "best"),
    ("最差值", "worst"),
    ("幂变换", "transform"),
    ("牵头单位", "lead_departments"),
    ("责任单位", "responsible_departments"),
    ("数据来源", "source_kind"),
    ("采集周期", "cycle"),
    ("外部数据字段", "external_ref"),
    ("权重变体", "weight_variants"),
    ("指标释义", "definition"),
    ("备注", "remarks"),
]
EXCEL_SYSTEM_ROWS: list[tuple[str, str]] = [
    ("编码", "code"),
    ("名称", "name"),
    ("版本", "version"),
    ("说明", "description"),
]

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass
class ParseResult:
    spec: SystemSpec | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.problems


class FileFormatError(ValueError):
    """The file name does not say YAML or Excel."""


def file_format(filename: str) -> str:
    """'yaml' or 'xlsx' from the file name's extension."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in YAML_EXTENSIONS:
        return "yaml"
    if suffix in EXCEL_EXTENSIONS:
        return "xlsx"
    raise FileFormatError(
        f"无法识别文件“{filename}”的格式：请上传 .yaml / .yml（YAML）或 .xlsx（Excel）文件。"
    )


def parse_file(content: bytes, filename: str) -> ParseResult:
    """Parse YAML or Excel by the file's extension."""
    try:
        kind = file_format(filename)
    except FileFormatError as exc:
        return ParseResult(None, [Problem(str(exc))])
    return parse_yaml(content) if kind == "yaml" else parse_excel(content)


# ---------------------------------------------------------------------------------------------- values


class _Values:
    """Turns raw cell or YAML values into typed spec values, collecting problems as it goes."""

    def __init__(self, where: Callable[[str], Location], problems: list[Problem], *, text_cells: bool):
        self.where = where
        self.problems = problems
        # Excel cells often hold numbers as text and booleans as 是/否; YAML is typed already.
        self.text_cells = text_cells

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append(Problem(message, field_name, self.where(field_name)))

    def text(self, name: str, value: Any, *, max_length: int, required: bool = False) -> str:
        try:
            return cell_text(value, field=name, max_length=max_length, required=required)
        except CellError as exc:
            self.problem(name, exc.reason)
            return exc.value

    def number(self, name: str, value: Any, message: str) -> float | None:
        try:
            return cell_number(value, field=name, message=message, text=self.text_cells)
        except CellError as exc:
            self.problem(name, exc.reason)
            return None

    def boolean(self, name: str, value: Any) -> bool:
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if self.text_cells and yes_no(value) is not None:
            return yes_no(value)
        self.problem(name, "必须是 true 或 false（Excel 中可写“是”或“否”）")
        return False

    def choice(self, name: str, value: Any, allowed: tuple[str, ...], labels: dict[str, str]) -> str:
        if value is None or value == "":
            return ""
        text = str(value).strip() if isinstance(value, str) else value
        if isinstance(text, str):
            text = labels.get(text, text)
        if text not in allowed:
            shown = "、".join(f"{v}" for v in allowed)
            self.problem(name, f"取值“{value}”无效，应为 {shown} 之一")
            return ""
        return text

    def departments(self, name: str, value: Any) -> list[str] | None:
        if value is None:
            return []
        if isinstance(value, str):
            text = value.strip()
            if text in EXPLICIT_NONE or not text:
                return []
            return [p for p in _LIST_SPLIT.split(text) if p]
        if isinstance(value, list):
            codes = []
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    self.problem(name, "部门编码列表中只能是文字编码，例如 [samr, tax]")
                    return []
                codes.append(item.strip())
            return codes
        self.problem(name, "应为部门编码列表，例如 [samr, tax]")
        return []

    def inherited_choice(
        self, name: str, value: Any, allowed: tuple[str, ...], labels: dict[str, str]
    ) -> str:
        if value is None or (isinstance(value, str) and value.strip() in EXPLICIT_NONE):
            return ""
        return self.choice(name, value, allowed, labels)

    def condition_value(self, text: str) -> Any:
        return cell_scalar(text)

    def variants(self, name: str, value: Any) -> list[VariantSpec]:
        if value is None or value == "":
            return []
        if isinstance(value, str) and self.text_cells:
            text = value.strip()
            if text.startswith(("[", "{")):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    self.problem(
                        name, 'JSON 格式有误，例如 [{"when": {"has_pipeline_gas": false}, "weight": 7}]'
                    )
                    return []
                if isinstance(value, dict):
                    value = [value]
            else:
                return self._variants_from_text(name, text)
        if not isinstance(value, list):
            self.problem(name, "应为列表，每项形如 {when: {has_pipeline_gas: false}, weight: 7}")
            return []
        result = []
        for item in value:
            if not isinstance(item, dict):
                self.problem(name, "每个权重变体应形如 {when: {has_pipeline_gas: false}, weight: 7}")
                continue
            unknown = sorted(set(item) - {"when", "weight"}, key=str)
            if unknown:
                self.problem(
                    name, f"权重变体中有未知字段：{'、'.join(map(str, unknown))}（只允许 when 和 weight）"
                )
            when = item.get("when")
            if not isinstance(when, dict) or not when:
                self.problem(name, "权重变体的 when 应为非空的区域属性条件，例如 {has_pipeline_gas: false}")
                continue
            if any(not isinstance(v, str | int | float | bool) or v is None for v in when.values()):
                self.problem(name, "权重变体的条件值只能是文字、数字或 true/false")
                continue
            weight = self.number(name, item.get("weight"), "权重变体的权重必须是大于等于 0 的数字")
            if weight is None:
                if "weight" not in item:
                    self.problem(name, "权重变体缺少 weight")
                continue
            loc = getattr(item, "line", None)
            result.append(
                VariantSpec(
                    when={str(k): v for k, v in when.items()},
                    weight=weight,
                    location=Location(line=loc) if loc else self.where(name),
                )
            )
        return result

    def _variants_from_text(self, name: str, text: str) -> list[VariantSpec]:
        result = []
        for part in (p.strip() for p in re.split(r"[;；]", text)):
            if not part:
                continue
            conditions, sep, weight_text = part.rpartition(":")
            if not sep:
                conditions, sep, weight_text = part.rpartition("：")
            when: dict[str, Any] = {}
            for cond in (c.strip() for c in re.split(r"[,，]", conditions)):
                key, eq, val = cond.partition("=")
                if not eq or not key.strip():
                    when = {}
                    break
                when[key.strip()] = self.condition_value(val)
            if not sep or not when:
                self.problem(
                    name, f"权重变体“{part}”格式有误，应写成 条件=值:权重，例如 has_pipeline_gas=false:7"
                )
                continue
            weight = self.number(name, weight_text.strip() or None, "权重变体的权重必须是大于等于 0 的数字")
            if weight is not None:
                result.append(VariantSpec(when=when, weight=weight, location=self.where(name)))
        return result


def _indicator_from_raw(raw: dict[str, Any], values: _Values) -> IndicatorSpec:
    """One indicator from its raw fields (children are attached by the caller)."""
    node = IndicatorSpec(
        code=values.text("code", raw.get("code"), max_length=100, required=True),
        name=values.text("name", raw.get("name"), max_length=200, required=True),
    )
    if node.code and not CODE_PATTERN.match(node.code):
        values.problem("code", f"编码“{node.code}”只能由字母、数字和 - _ . 组成，且以字母或数字开头")
    if "weight" in raw:
        weight = values.number("weight", raw["weight"], "权重必须是大于 0 的数字")
        if weight is None and raw["weight"] is None:
            values.problem("weight", "权重必须是大于 0 的数字")
        node.weight = weight if weight is not None else 1.0
    node.optional = values.boolean("optional", raw.get("optional"))
    node.unit = values.text("unit", raw.get("unit"), max_length=30)
    node.direction = values.choice("direction", raw.get("direction"), DIRECTIONS, DIRECTION_LABELS)
    node.best = values.number("best", raw.get("best"), "最佳值必须是数字")
    node.worst = values.number("worst", raw.get("worst"), "最差值必须是数字")
    transform = raw.get("transform")
    if isinstance(transform, dict):
        unknown = sorted(set(transform) - {"power"}, key=str)
        if unknown:
            values.problem("transform", f"变换中有未知字段：{'、'.join(map(str, unknown))}（只支持 power）")
        node.transform_power = values.number(
            "transform", transform.get("power"), "幂变换指数必须是大于 0 的数字"
        )
    elif transform is not None and transform != "":
        if values.text_cells:
            node.transform_power = values.number("transform", transform, "幂变换指数必须是大于 0 的数字")
        else:
            values.problem("transform", "应写成 {power: 0.8}")
    node.definition = values.text("definition", raw.get("definition"), max_length=5000)
    node.remarks = values.text("remarks", raw.get("remarks"), max_length=5000)
    node.external_ref = values.text("external_ref", raw.get("external_ref"), max_length=200)
    for name in ("lead_departments", "responsible_departments"):
        if name in raw and not (values.text_cells and raw[name] in (None, "")):
            setattr(node, name, values.departments(name, raw[name]))
    if "source_kind" in raw and not (values.text_cells and raw["source_kind"] in (None, "")):
        node.source_kind = values.inherited_choice(
            "source_kind", raw["source_kind"], SOURCE_KINDS, SOURCE_KIND_LABELS
        )
    if "cycle" in raw and not (values.text_cells and raw["cycle"] in (None, "")):
        node.cycle = values.inherited_choice("cycle", raw["cycle"], CYCLES, CYCLE_LABELS)
    node.weight_variants = values.variants("weight_variants", raw.get("weight_variants"))
    return node


# ---------------------------------------------------------------------------------------------- YAML


class _LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict
    duplicates: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(None, None, "字段名不能是列表或映射", key_node.start_mark)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_where(mapping: _LineDict) -> Callable[[str], Location]:
    def where(field_name: str) -> Location:
        line = mapping.key_lines.get(field_name) or mapping.line
        return Location(line=line)

    return where


def _yaml_locations(mapping: _LineDict, fields: tuple[str, ...]) -> dict[str, Location]:
    locations = {"": Location(line=mapping.line)}
    for name in fields:
        if name in mapping.key_lines:
            locations[name] = Location(line=mapping.key_lines[name])
    if "transform" in locations:
        locations["transform_power"] = locations["transform"]
    return locations


def _check_keys(mapping: _LineDict, allowed: tuple[str, ...], problems: list[Problem], what: str) -> None:
    for key, line in mapping.duplicates:
        problems.append(Problem(f"{what}中字段“{key}”重复出现", str(key), Location(line=line)))
    for key in mapping:
        if key not in allowed:
            problems.append(
                Problem(
                    f"未知字段“{key}”（{what}可用的字段：{', '.join(allowed)}）",
                    str(key),
                    Location(line=mapping.key_lines.get(key, mapping.line)),
                )
            )


def _yaml_indicators(
    items: Any, problems: list[Problem], where: Location, field_name: str
) -> list[IndicatorSpec]:
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem("应为指标列表（每项以“- code: …”开头）", field_name, where))
        return []
    nodes = []
    for item in items:
        if not isinstance(item, _LineDict):
            problems.append(Problem("列表中的每一项应是一个指标（含 code、name 等字段）", field_name, where))
            continue
        _check_keys(item, INDICATOR_FIELDS, problems, "指标")
        values = _Values(_yaml_where(item), problems, text_cells=False)
        node = _indicator_from_raw(item, values)
        node.locations = _yaml_locations(item, INDICATOR_FIELDS)
        node.children = _yaml_indicators(item.get("children"), problems, node.where("children"), "children")
        nodes.append(node)
    return nodes


def _carry_over(raw: Any, where: Location, problems: list[Problem]) -> dict[str, str]:
    """`carry_over: {新编码: 旧编码}`: which code of the replaced version a renamed indicator takes values from."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem("carry_over 应是“新编码: 旧编码”的映射", "carry_over", where))
        return {}
    out: dict[str, str] = {}
    for new, old in raw.items():
        new, old = str(new).strip(), str(old if old is not None else "").strip()
        if not CODE_PATTERN.match(new) or not CODE_PATTERN.match(old):
            problems.append(Problem(f"carry_over 中“{new}: {old}”不是两个有效的指标编码", "carry_over", where))
            continue
        out[new] = old
    return out


def parse_yaml(content: bytes | str) -> ParseResult:
    """Parse the YAML format (see docs/formats.md); line numbers are 1-based."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParseResult(None, [Problem("文件不是 UTF-8 编码的文本，请以 UTF-8 编码保存 YAML 文件")])
    try:
        data = yaml.load(content, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or ""
        return ParseResult(
            None, [Problem(f"YAML 语法错误（{detail}），请检查缩进、冒号和引号", "", Location(line=line))]
        )
    except yaml.YAMLError as exc:
        return ParseResult(None, [Problem(f"YAML 语法错误：{exc}")])
    if not isinstance(data, _LineDict):
        return ParseResult(
            None,
            [
                Problem(
                    "文件内容应是一个指标体系（包含 code、name、indicators 等字段的映射）",
                    "",
                    Location(line=1),
                )
            ],
        )
    problems: list[Problem] = []
    _check_keys(data, SYSTEM_FIELDS, problems, "指标体系")
    values = _Values(_yaml_where(data), problems, text_cells=False)
    spec = SystemSpec(
        code=values.text("code", data.get("code"), max_length=50, required=True),
        name=values.text("name", data.get("name"), max_length=200, required=True),
        version=values.text("version", data.get("version"), max_length=30) or DEFAULT_VERSION,
        description=values.text("description", data.get("description"), max_length=5000),
    )
    spec.locations = _yaml_locations(data, SYSTEM_FIELDS)
    spec.carry_over = _carry_over(data.get("carry_over"), spec.where("carry_over"), problems)
    if "indicators" not in data:
        problems.append(Problem("缺少指标列表 indicators", "indicators", Location(line=data.line)))
    spec.indicators = _yaml_indicators(
        data.get("indicators"), problems, spec.where("indicators"), "indicators"
    )
    return ParseResult(resolve_inheritance(spec), problems)


# ---------------------------------------------------------------------------------------------- Excel

_HEADER_ALIASES = {header: name for header, name in EXCEL_COLUMNS}
_HEADER_ALIASES.update({name: name for _header, name in EXCEL_COLUMNS})
_HEADER_ALIASES.update(
    {
        "上级": "parent",
        "幂变换指数": "transform",
        "transform_power": "transform",
        "最佳值（前沿）": "best",
        "释义": "definition",
    }
)
_SYSTEM_ALIASES = {label: name for label, name in EXCEL_SYSTEM_ROWS}
_SYSTEM_ALIASES.update({name: name for _label, name in EXCEL_SYSTEM_ROWS})
_SYSTEM_ALIASES.update({"体系编码": "code", "体系名称": "name", "版本号": "version"})


def _cell_text(value: Any) -> str:
    return str(value).strip() if isinstance(value, bool | list | dict) else cell_text(value, field="")


def parse_excel(content: bytes) -> ParseResult:
    """Parse the Excel format: sheet 体系 (field, value rows) and sheet 指标 (one row per indicator)."""
    from openpyxl import load_workbook

    try:
        office_file_check(content)
    except OfficeFileRefused as exc:
        return ParseResult(None, [Problem(exc.message)])
    try:
        workbook = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return ParseResult(
            None, [Problem("无法读取 Excel 文件：请上传 .xlsx 格式的工作簿（不支持 .xls 或加密文件）")]
        )
    try:
        problems: list[Problem] = []
        missing = [s for s in (SYSTEM_SHEET, INDICATOR_SHEET) if s not in workbook.sheetnames]
        if missing:
            return ParseResult(
                None,
                [
                    Problem(
                        f"缺少工作表：{'、'.join(missing)}（应有“{SYSTEM_SHEET}”和“{INDICATOR_SHEET}”两个工作表）"
                    )
                ],
            )
        spec = _excel_system(workbook[SYSTEM_SHEET], problems)
        spec.indicators = _excel_indicators(workbook[INDICATOR_SHEET], problems)
        return ParseResult(resolve_inheritance(spec), problems)
    finally:
        workbook.close()


def _excel_system(sheet, problems: list[Problem]) -> SystemSpec:
    raw: dict[str, Any] = {}
    locations: dict[str, Location] = {}
    for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(row) + [None, None]
        label = _cell_text(cells[0])
        if not label or label in {"字段", "项目"}:
            continue
        name = _SYSTEM_ALIASES.get(label)
        loc = Location(row=row_number, column=label, sheet=SYSTEM_SHEET)
        if name is None:
            allowed = "、".join(lbl for lbl, _ in EXCEL_SYSTEM_ROWS)
            problems.append(Problem(f"未知的项目“{label}”（可用：{allowed}）", label, loc))
            continue
        if name in raw:
            problems.append(Problem(f"项目“{label}”重复出现", name, loc))
        raw[name] = cells[1]
        locations[name] = loc
    locations[""] = Location(row=1, sheet=SYSTEM_SHEET)

    def where(field_name: str) -> Location:
        return locations.get(field_name) or Location(row=1, sheet=SYSTEM_SHEET)

    values = _Values(where, problems, text_cells=True)
    spec = SystemSpec(
        code=values.text("code", raw.get("code"), max_length=50, required=True),
        name=values.text("name", raw.get("name"), max_length=200, required=True),
        version=values.text("version", raw.get("version"), max_length=30) or DEFAULT_VERSION,
        description=values.text("description", raw.get("description"), max_length=5000),
    )
    spec.locations = locations
    return spec


def _excel_indicators(sheet, problems: list[Problem]) -> list[IndicatorSpec]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        problems.append(
            Problem(
                "工作表为空：第 1 行应为列标题（编码、上级编码、名称、权重……）",
                "",
                Location(row=1, sheet=INDICATOR_SHEET),
            )
        )
        return []
    columns: list[tuple[int, str, str]] = []  # (index, header, field)
    seen: set[str] = set()
    for index, cell in enumerate(header):
        title = _cell_text(cell)
        if not title:
            continue
        name = _HEADER_ALIASES.get(title)
        loc = Location(row=1, column=title, sheet=INDICATOR_SHEET)
        if name is None:
            allowed = "、".join(h for h, _ in EXCEL_COLUMNS)
            problems.append(Problem(f"未知的列“{title}”（可用的列：{allowed}）", title, loc))
            continue
        if name in seen:
            problems.append(Problem(f"列“{title}”重复出现", name, loc))
            continue
        seen.add(name)
        columns.append((index, title, name))
    for required in ("code", "name"):
        if required not in seen:
            label = next(h for h, n in EXCEL_COLUMNS if n == required)
            problems.append(
                Problem(f"缺少必需的列“{label}”", required, Location(row=1, sheet=INDICATOR_SHEET))
            )
    if "code" not in seen:
        return []

    roots: list[IndicatorSpec] = []
    by_code: dict[str, IndicatorSpec] = {}
    for row_number, row in enumerate(rows, start=2):
        cells = list(row)
        raw: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for index, title, name in columns:
            value = cells[index] if index < len(cells) else None
            if isinstance(value, str) and not value.strip():
                value = None
            headers[name] = title
            if value is not None:
                raw[name] = value
        if not raw:
            continue

        def where(field_name: str, _row=row_number, _headers=headers) -> Location:
            return Location(row=_row, column=_headers.get(field_name, ""), sheet=INDICATOR_SHEET)

        values = _Values(where, problems, text_cells=True)
        node = _indicator_from_raw(raw, values)
        node.locations = {"": Location(row=row_number, sheet=INDICATOR_SHEET)}
        for _index, _title, name in columns:
            node.locations[name] = where(name)
        if "transform" in node.locations:
            node.locations["transform_power"] = node.locations["transform"]
        parent_code = _cell_text(raw.get("parent"))
        if parent_code:
            parent = by_code.get(parent_code)
            if parent is None:
                problems.append(
                    Problem(
                        f"上级编码“{parent_code}”不存在（上级指标须写在下级指标之前的行）",
                        "parent",
                        where("parent"),
                    )
                )
                continue
            parent.children.append(node)
        else:
            roots.append(node)
        by_code.setdefault(node.code, node)
    return roots


def parse_variants_text(text: str) -> tuple[list[VariantSpec], list[Problem]]:
    """Weight variants from the compact syntax `has_pipeline_gas=false:7; level=county:3` (or JSON)."""
    problems: list[Problem] = []
    values = _Values(lambda _name: Location(), problems, text_cells=True)
    return values.variants("weight_variants", text), problems
