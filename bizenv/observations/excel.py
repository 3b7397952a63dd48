"""Observation files: the round template (openpyxl), reading uploads (XLSX or CSV), annotated rejections.

Nothing here touches the database: callers pass rows in and get bytes or parsed rows out.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from bizenv.core.errors import ApplicationError
from bizenv.core.exports import cell_unsafe, workbook_safe, worksheet_safe
from bizenv.core.officefiles import OfficeFileRefused, office_file_check

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
DATA_SHEET = "填报数据"
GUIDE_SHEET = "填写说明"
SPECIAL_CHOICES = ("No Practice", "N/A")

# (header, key, width, hidden)
TEMPLATE_COLUMNS = (
    ("序号", "seq", 6, False),
    ("牵头单位", "departments", 22, False),
    ("指标名称", "indicator_name", 28, False),
    ("单位", "unit", 9, False),
    ("区域名称", "region_name", 12, False),
    ("时期", "period", 10, False),
    ("数值", "value", 12, False),
    ("特殊值", "special", 14, False),
    ("说明", "note", 30, False),
    ("指标编码", "indicator", 18, True),
    ("区域代码", "region", 10, True),
    ("体系编码", "system", 12, True),
    ("体系版本", "version", 10, True),
)
HEADER_KEYS = {
    "指标编码": "indicator", "indicator": "indicator",
    "区域代码": "region", "region": "region",
    "区域名称": "region_name", "region_name": "region_name",
    "时期": "period", "period": "period",
    "数值": "value", "value": "value",
    "特殊值": "special", "special": "special",
    "说明": "note", "note": "note",
    "体系编码": "system", "system": "system",
    "体系版本": "version", "version": "version",
    "单位": "unit", "unit": "unit",
    "指标名称": "indicator_name", "序号": "seq", "牵头单位": "departments",
}
ANNOTATION_HEADER = "错误说明"
RED = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="0F4C97")
LOCKED_FILL = PatternFill("solid", fgColor="EEF2F7")
THIN = Side(style="thin", color="B7C3D0")


class FileProblem(ApplicationError):
    """The whole file cannot be read: nothing from it is saved."""


@dataclass(frozen=True)
class TemplateRow:
    departments: str
    indicator: str
    indicator_name: str
    unit: str
    region: str
    region_name: str
    period: str
    value: float | None
    special: str  # export text: "", "No Practice", "N/A"
    note: str
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class RawRow:
    """One data row as read from the file; cells are as found (numbers stay numbers)."""

    row: int
    system: str
    version: str
    indicator: str
    region: str
    region_name: str
    period: str
    value: object
    special: object
    note: str | None
    unit: str

    @property
    def blank(self) -> bool:
        return _blank(self.value) and _blank(self.special)


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # "xlsx" or "csv"
    rows: list[RawRow]
    sheet: str = ""
    header_row: int = 1


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """A code or period cell as text, undoing what Excel does to numbers and dates."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------- template


def build_template(*, title: str, system_code: str, version: str, deadline: date | None,
                   rows: Sequence[TemplateRow], guide: Sequence[tuple[str, str]] = ()) -> bytes:
    """The fill-in workbook of a round: one row per owed (indicator, region), codes in hidden columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    last_col = get_column_letter(len(TEMPLATE_COLUMNS))
    ws.merge_cells(f"A1:{get_column_letter(9)}1")
    due = f"（截止日期：{deadline:%Y年%m月%d日}）" if deadline else ""
    ws["A1"] = f"{title}{due}"
    ws["A1"].font = Font(bold=True, size=14, color="0F4C97")
    ws.row_dimensions[1].height = 26
    for col, (header, _key, width, hidden) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=2, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        ws.column_dimensions[letter].hidden = hidden
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{last_col}{max(2, len(rows) + 2)}"

    special = DataValidation(type="list", formula1='"' + ",".join(SPECIAL_CHOICES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="特殊值无效",
                             error="只能选择 No Practice（无此做法）或 N/A（不适用），有数值时请留空。")
    special.promptTitle, special.prompt = "特殊值", "没有数值时选择：No Practice 或 N/A"
    ws.add_data_validation(special)
    by_range: dict[tuple, DataValidation] = {}
    for offset, row in enumerate(rows):
        r = offset + 3
        values = {
            "seq": offset + 1, "departments": row.departments, "indicator_name": row.indicator_name,
            "unit": row.unit, "region_name": row.region_name, "period": row.period, "value": row.value,
            "special": row.special or None, "note": row.note or None, "indicator": row.indicator,
            "region": row.region, "system": system_code, "version": version,
        }
        for col, (_h, key, _w, _hidden) in enumerate(TEMPLATE_COLUMNS, start=1):
            cell = ws.cell(row=r, column=col, value=values[key])
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
            if key in ("period", "region", "indicator", "system", "version"):
                cell.number_format = "@"
            if key not in ("value", "special", "note"):
                cell.fill = LOCKED_FILL
        special.add(f"H{r}")
        key = (row.lower, row.upper)
        if key not in by_range:
            by_range[key] = _number_validation(row.lower, row.upper, row.unit)
            ws.add_data_validation(by_range[key])
        by_range[key].add(f"G{r}")

    info = wb.create_sheet(GUIDE_SHEET)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    info["A1"] = "填写说明"
    info["A1"].font = Font(bold=True, size=14, color="0F4C97")
    lines = [
        ("填报批次", title),
        ("指标体系", f"{system_code} {version}"),
        ("截止日期", f"{deadline:%Y-%m-%d}" if deadline else "—"),
        ("填写范围", "只填写“数值”“特殊值”“说明”三列（白色单元格）；灰色单元格和隐藏的编码列请勿修改、勿删除。"),
        ("数值", "只填阿拉伯数字，不带单位和文字；单位见“单位”列。百分比填 0–100 之间的数（如 85.5 表示 85.5%）。"),
        ("特殊值", "没有数值时在下拉框选择：No Practice（本地无此做法）或 N/A（不适用）。数值与特殊值只能填一项。"),
        ("空白行", "数值和特殊值都空着的行视为本次不填报，已有数值保持不变（导入结果计入“未变”）。"),
        ("时期", "月度指标写 2026-09，季度指标写 2026-Q3，年度指标写 2026。"),
        ("上传", "在“数据填报 → Excel 导入”上传本文件：系统先预检，列出将新增、更新、未变和拒绝的行，确认后一次性导入。"),
        ("拒绝行", "预检不通过的行可下载“错误说明”工作簿，按红色标注逐行修改后重新上传。"),
        ("重复上传", "同一文件重复上传不会重复写入：内容相同的行计为“未变”。"),
        *guide,
    ]
    for i, (label, text) in enumerate(lines, start=3):
        info.cell(row=i, column=1, value=label).font = Font(bold=True)
        info.cell(row=i, column=2, value=text).alignment = Alignment(wrap_text=True, vertical="top")
    workbook_safe(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _number_validation(lower: float | None, upper: float | None, unit: str) -> DataValidation:
    if lower is not None and upper is not None:
        dv = DataValidation(type="decimal", operator="between", formula1=f"{lower:g}", formula2=f"{upper:g}")
        text = f"请输入 {lower:g} 到 {upper:g} 之间的数字"
    elif lower is not None:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=f"{lower:g}")
        text = f"请输入不小于 {lower:g} 的数字"
    else:
        dv = DataValidation(type="decimal", operator="between", formula1="-1E12", formula2="1E12")
        text = "请输入数字"
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = "数值无效"
    dv.error = text + (f"（单位：{unit}）" if unit else "") + "，不要带单位或文字。"
    dv.promptTitle, dv.prompt = "数值", text
    return dv


# ---------------------------------------------------------------- reading


def file_kind(filename: str, content: bytes) -> str:
    """'xlsx' or 'csv', from the name and the first bytes; FileProblem for anything else."""
    name = (filename or "").lower()
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileProblem(f"文件大小为 {len(content) / 1048576:.1f} MB，超过 20 MB 的上限；请按批次拆分后上传。")
    if not content:
        raise FileProblem("上传的文件是空文件。")
    if name.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中“另存为”.xlsx 后再上传。")
    if name.endswith((".xlsx", ".xlsm")):
        try:
            office_file_check(content)
        except OfficeFileRefused as exc:
            raise FileProblem(exc.message) from None
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise FileProblem("只能上传 Excel（.xlsx）或 CSV（.csv）文件。")


def parse_upload(*, filename: str, content: bytes) -> ParsedFile:
    """Read the data rows of an uploaded template/XLSX or CSV; FileProblem when the file is unreadable."""
    kind = file_kind(filename, content)
    return _parse_xlsx(content) if kind == "xlsx" else _parse_csv(content)


def _columns(header: Sequence, *, where: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = HEADER_KEYS.get(str(cell).strip().lower() if cell is not None else "") or HEADER_KEYS.get(
            str(cell).strip() if cell is not None else "")
        if key and key not in cols:
            cols[key] = index
    missing = []
    if "indicator" not in cols:
        missing.append("指标编码（indicator）")
    if "region" not in cols and "region_name" not in cols:
        missing.append("区域代码或区域名称（region）")
    if "period" not in cols:
        missing.append("时期（period）")
    if "value" not in cols:
        missing.append("数值（value）")
    if missing:
        raise FileProblem(f"{where}缺少必需的列：{'、'.join(missing)}。请使用系统下载的模板，或 CSV 表头 "
                          f"system,region,indicator,period,value。")
    return cols


def _row(cells: Sequence, cols: dict[str, int], number: int) -> RawRow:
    def get(key):
        index = cols.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    note = get("note")
    return RawRow(
        row=number, system=_text(get("system")), version=_text(get("version")), indicator=_text(get("indicator")),
        region=_text(get("region")), region_name=_text(get("region_name")), period=_text(get("period")),
        value=get("value"), special=get("special"), note=None if _blank(note) else str(note).strip(),
        unit=_text(get("unit")),
    )


def _parse_xlsx(content: bytes) -> ParsedFile:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileProblem("文件不是有效的 Excel（.xlsx）文件：可能已损坏，或是其他格式的文件改了扩展名。") from exc
    try:
        sheet = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header_row, cols = 0, None
        for number, cells in enumerate(rows_iter, start=1):
            labels = {str(c).strip().lower() for c in cells if c is not None}
            if labels & {"指标编码", "indicator"}:
                header_row, cols = number, _columns(cells, where=f"工作表“{sheet.title}”第 {number} 行的表头")
                break
            if number >= 10:
                break
        if cols is None:
            raise FileProblem(f"工作表“{sheet.title}”前 10 行中找不到表头（应包含“指标编码”列）。"
                              f"请使用系统下载的填报模板。")
        rows = []
        for number, cells in enumerate(rows_iter, start=header_row + 1):
            if all(_blank(c) for c in cells):
                continue
            rows.append(_row(cells, cols, number))
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"文件超过 {MAX_ROWS} 行，请拆分后上传。")
        return ParsedFile("xlsx", rows, sheet.title, header_row)
    finally:
        wb.close()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("CSV 文件的编码无法识别，请保存为 UTF-8 编码。")


def _parse_csv(content: bytes) -> ParsedFile:
    text = _decode(content)
    if "\x00" in text:
        raise FileProblem("文件不是文本格式的 CSV 文件。")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("CSV 文件没有内容。") from None
    cols = _columns(header, where="CSV 表头")
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if all(_blank(c) for c in cells):
                continue
            rows.append(_row([cell_unsafe(c) for c in cells], cols, number))  # undo the export's apostrophe
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"文件超过 {MAX_ROWS} 行，请拆分后上传。")
    except csv.Error as exc:
        raise FileProblem(f"CSV 文件格式错误：{exc}") from exc
    return ParsedFile("csv", rows)


# ---------------------------------------------------------------- annotated rejections


def annotate(*, filename: str, content: bytes, rejections: dict[int, str]) -> bytes:
    """The uploaded workbook with a 错误说明 column and rejected rows filled red (CSV becomes XLSX)."""
    parsed_kind = file_kind(filename, content)
    if parsed_kind == "xlsx":
        wb = load_workbook(io.BytesIO(content))
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        header_row = 1
        for number in range(1, 11):
            labels = {str(c.value).strip().lower() for c in ws[number] if c.value is not None}
            if labels & {"指标编码", "indicator"}:
                header_row = number
                break
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = "导入数据"
        for cells in csv.reader(io.StringIO(_decode(content))):
            ws.append(cells)
        worksheet_safe(ws)
        header_row = 1
    col = ws.max_column + 1
    head = ws.cell(row=header_row, column=col, value=ANNOTATION_HEADER)
    head.font = Font(bold=True, color="FFFFFF")
    head.fill = PatternFill("solid", fgColor="C62828")
    ws.column_dimensions[get_column_letter(col)].width = 60
    ws.column_dimensions[get_column_letter(col)].hidden = False
    for row, message in rejections.items():
        for cell in ws[row][: col - 1]:
            cell.fill = RED
        note = ws.cell(row=row, column=col, value=message)
        note.fill = RED
        note.font = Font(color="9C0006")
        note.alignment = Alignment(wrap_text=True)
    ws.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
