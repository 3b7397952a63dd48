"""Reading the Excel format of an indicator system (sheets 体系 and 指标); problems name row and column."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from bizenv.core.cells import cell_text
from bizenv.core.officefiles import OfficeFileRefused, office_file_check
from bizenv.indicators.parsing.values import ParseResult, RawValues, indicator_from_raw
from bizenv.indicators.specs import (
    DEFAULT_VERSION,
    IndicatorSpec,
    Location,
    Problem,
    SystemSpec,
    resolve_inheritance,
)

SYSTEM_SHEET = "体系"
INDICATOR_SHEET = "指标"

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

    values = RawValues(where, problems, text_cells=True)
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

        values = RawValues(where, problems, text_cells=True)
        node = indicator_from_raw(raw, values)
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
