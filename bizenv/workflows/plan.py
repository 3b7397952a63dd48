"""The annual plan (年度工作任务) and ledger files: the downloadable Excel template, and reading an uploaded
template (.xlsx) or ledger CSV into rows with row-level Chinese errors.

Nothing here touches the database: the template is built from the units and indicators passed in, and parsed
rows carry what the cells say (unit and indicator references are resolved by `plan_services`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from bizenv.core.cells import CellError, cell_text
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import day_label

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
DATA_SHEET = "年度工作任务"
GUIDE_SHEET = "填写说明"
HEADER_SEARCH_ROWS = 10

KIND_LABELS = {"annual": "年度任务", "rectification": "整改任务", "supervision": "督办事项", "materials": "材料征集"}
PRIORITY_LABELS = {"normal": "一般", "high": "重要", "urgent": "紧急"}

# (key, template header, width, explanation)
COLUMNS = (
    ("code", "任务编号（可空，自动编号）", 18,
     "可空。留空时导入后按“RW-年度-序号”自动编号；填写时只能由字母、数字、短横线等组成（最多 40 个字符），文件内不能重复。"
     "已有同编号且内容相同的任务计为“未变”。"),
    ("title", "任务名称", 34, "必填，最多 200 字。"),
    ("description", "任务说明", 40, "可空，最多 4000 字。"),
    ("kind", "任务类型", 12, "年度任务、整改任务、督办事项、材料征集之一；留空为“年度任务”。"),
    ("indicators", "涉及指标", 24, "可空。指标编码或指标名称（见下方指标清单），多个用“、”或“,”分隔。"),
    ("assignee", "责任单位", 22, "必填。一个部门或地区：填编码或完整名称（见下方单位清单）。"),
    ("co_assignees", "协办单位", 22, "可空。部门或地区的编码或完整名称，多个用“、”或“,”分隔。"),
    ("deadline", "完成时限", 16,
     "必填。一个日期（Excel 日期，或文字 {iso}、{slash}、{chinese}），或“N个工作日”（自下发之日起按工作日历"
     "计算，如“{workdays}个工作日”）。不能早于下发日期；日期（含按工作日算出的日期）须落在工作日历已覆盖的年份内"
     "（目前为 {years}），工作日历由系统管理员在“工作日历”中维护，尚未覆盖的年份请联系系统管理员补充。"),
    ("priority", "优先级", 10, "一般、重要、紧急之一；留空为“一般”。"),
)
OPTIONAL_COLUMNS = (
    ("issued", "下发日期",
     "可选列（导入已有台账时使用）。任务的下发日期，写法同完成时限中的日期；不晚于今天。没有此列或留空时为导入当天。"),
    ("approved", "办结日期",
     "可选列（导入已有台账时使用）。任务审核通过（办结）的日期；留空表示任务尚未办结。不早于下发日期、不晚于今天。"),
)
FIELD_LABELS = {key: re.sub(r"（.*?）", "", header) for key, header, *_ in COLUMNS}
FIELD_LABELS.update({key: header for key, header, _ in OPTIONAL_COLUMNS})

HEADER_KEYS = {
    "任务编号": "code", "编号": "code", "code": "code",
    "任务名称": "title", "名称": "title", "title": "title",
    "任务说明": "description", "说明": "description", "description": "description",
    "任务类型": "kind", "类型": "kind", "kind": "kind",
    "涉及指标": "indicators", "指标": "indicators", "indicators": "indicators",
    "责任单位": "assignee", "assignee": "assignee",
    "协办单位": "co_assignees", "co_assignees": "co_assignees",
    "完成时限": "deadline", "deadline": "deadline",
    "优先级": "priority", "priority": "priority",
    "下发日期": "issued", "issued": "issued",
    "办结日期": "approved", "approved": "approved",
}
REQUIRED = ("title", "assignee", "deadline")
CSV_HEADER = "code,title,assignee,deadline,issued,approved"

LIST_SPLIT = re.compile(r"[、,，;；\n]+")
WORKDAYS = re.compile(r"^(\d{1,3})\s*个?\s*工作日$")
DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"),
)
DATE_HINT = "应为日期，如 2026-03-31、2026/3/31 或 2026年3月31日"

HEADER_FILL = PatternFill("solid", fgColor="0F4C97")
THIN = Side(style="thin", color="B7C3D0")


class FileProblem(ApplicationError):
    """The whole file cannot be read: nothing from it is imported."""


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the row number as the user sees it (Excel row, or CSV line with the header as
    line 1), the field's Chinese name and the reason."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where}，{self.field}：{self.reason}" if self.field else f"{where}：{self.reason}"


@dataclass
class PlanRow:
    """One data row as read: texts stripped, dates parsed, lists split; `errors` holds what could not be read."""

    row: int
    code: str = ""
    title: str = ""
    description: str = ""
    kind: str = "annual"
    indicators: list[str] = field(default_factory=list)
    assignee: str = ""
    co_assignees: list[str] = field(default_factory=list)
    deadline: date | None = None
    deadline_workdays: int | None = None
    priority: str = "normal"
    issued: date | None = None
    approved: date | None = None
    errors: list[RowError] = field(default_factory=list)

    def error(self, key: str, reason: str) -> None:
        self.errors.append(RowError(self.row, FIELD_LABELS.get(key, key), reason))

    @property
    def deadline_text(self) -> str:
        if self.deadline_workdays:
            return f"{self.deadline_workdays}个工作日"
        return self.deadline.isoformat() if self.deadline else ""

    @property
    def deadline_label(self) -> str:
        """The 完成时限 as a page shows it: 2026年12月31日, or “20个工作日”."""
        if self.deadline_workdays:
            return f"{self.deadline_workdays}个工作日"
        return day_label(self.deadline, empty="")


@dataclass
class ParsedPlan:
    kind: str  # "xlsx" | "csv"
    columns: frozenset[str]  # the field keys the file has a column for
    rows: list[PlanRow]

    @property
    def is_ledger(self) -> bool:
        """A file with issue or approval dates brings an existing ledger (台账) rather than a new plan."""
        return bool({"issued", "approved"} & self.columns)


# ---------------------------------------------------------------- cells


def shown(value) -> str:
    """A cell's value as an error quotes it (at most 40 characters)."""
    return str(value).strip()[:40]


def cell_date(value, *, field: str) -> date | None:
    """A real Excel date, or a text date YYYY-MM-DD, YYYY/M/D or YYYY年M月D日; None when empty; CellError
    (naming what was found) for anything else — a number, a date with a time, an impossible day."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError(field, f"{DATE_HINT}，收到的是带时间的“{value:%Y-%m-%d %H:%M}”")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or isinstance(value, int | float):
        raise CellError(field, f"{DATE_HINT}，收到的是数字“{shown(value)}”（请把单元格设为日期格式，或写成文字日期）")
    text = str(value).strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise CellError(field, f"“{text}”不是有效的日期（没有这一天）") from None
    raise CellError(field, f"{DATE_HINT}，收到的是“{shown(text)}”")


def split_list(text: str) -> list[str]:
    """Items of a list cell separated by 、 , ， ; ； or new lines, stripped, blanks dropped, order kept."""
    return list(dict.fromkeys(part.strip() for part in LIST_SPLIT.split(text or "") if part.strip()))


def _choice(text: str, labels: dict[str, str], *, default: str) -> str | None:
    if not text:
        return default
    for value, label in labels.items():
        if text in (value, label):
            return value
    return None


def _read_row(number: int, cells: dict[str, object], columns: frozenset[str]) -> PlanRow:
    row = PlanRow(row=number)

    def text(key: str, limit: int | None = None) -> str:
        try:
            return cell_text(cells.get(key), field=FIELD_LABELS[key], max_length=limit)
        except CellError as exc:
            row.error(key, exc.reason)
            return exc.value or ""

    row.code = text("code", 40)
    row.title = text("title", 200)
    if not row.title:
        row.error("title", "不能为空")
    row.description = text("description", 4000)
    kind_text = text("kind")
    kind = _choice(kind_text, KIND_LABELS, default="annual")
    if kind is None:
        row.error("kind", f"“{shown(kind_text)}”不是任务类型，应为：{'、'.join(KIND_LABELS.values())}")
    row.kind = kind or "annual"
    priority_text = text("priority")
    priority = _choice(priority_text, PRIORITY_LABELS, default="normal")
    if priority is None:
        row.error("priority", f"“{shown(priority_text)}”不是优先级，应为：{'、'.join(PRIORITY_LABELS.values())}")
    row.priority = priority or "normal"
    row.indicators = split_list(text("indicators"))
    row.assignee = text("assignee")
    if not row.assignee:
        row.error("assignee", "不能为空：填一个部门或地区的编码或完整名称")
    row.co_assignees = split_list(text("co_assignees"))
    _read_deadline(row, cells.get("deadline"))
    for key in ("issued", "approved"):
        if key in columns:
            try:
                setattr(row, key, cell_date(cells.get(key), field=FIELD_LABELS[key]))
            except CellError as exc:
                row.error(key, exc.reason)
    return row


def _read_deadline(row: PlanRow, value) -> None:
    if isinstance(value, str) and (match := WORKDAYS.match(value.strip())):
        days = int(match.group(1))
        if not 1 <= days <= 365:
            row.error("deadline", f"工作日数应在 1 到 365 之间，收到的是 {days}")
        else:
            row.deadline_workdays = days
        return
    try:
        row.deadline = cell_date(value, field=FIELD_LABELS["deadline"])
    except CellError as exc:
        row.error("deadline", exc.reason.replace(DATE_HINT, DATE_HINT + "，或“N个工作日”"))
        return
    if row.deadline is None:
        row.error("deadline", "不能为空：填一个日期或“N个工作日”")


# ---------------------------------------------------------------- reading files


def _header_key(cell) -> str | None:
    if cell is None:
        return None
    text = re.sub(r"[（(].*?[)）]", "", str(cell)).replace("*", "").replace("＊", "").strip().lower()
    return HEADER_KEYS.get(text)


def _columns(header: Sequence, *, where: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key and key not in cols:
            cols[key] = index
    missing = [FIELD_LABELS[k] for k in REQUIRED if k not in cols]
    if missing:
        raise FileProblem(f"{where}缺少必需的列：{'、'.join(missing)}。请使用系统下载的年度工作任务模板，"
                          f"或 CSV 表头 {CSV_HEADER}。")
    return cols


def file_kind(filename: str) -> str:
    """'xlsx' or 'csv' from the file name (the content is checked when read); FileProblem otherwise."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".xls", ".et")):
        raise FileProblem("不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后再上传。")
    raise FileProblem("只能导入年度工作任务模板（.xlsx）或台账 CSV（.csv）文件。")


def plan_file_check(*, filename: str, content: bytes) -> str:
    """The file's kind ('xlsx' or 'csv') once its content agrees with its name: an Excel workbook passes the
    platform's upload policy (`upload_check`), a CSV must be text; FileProblem otherwise."""
    from bizenv.core.uploads import FileKind, upload_check

    kind = file_kind(filename)
    if len(content) > MAX_BYTES:
        raise FileProblem(f"文件大小为 {len(content) / 1048576:.1f} MB，超过 {MAX_BYTES // 1048576} MB 的上限；"
                          f"请拆分后导入。")
    if not content:
        raise FileProblem("文件是空文件。")
    if kind == "xlsx":
        try:
            upload_check(content=content, filename=filename, allowed={FileKind.XLSX}, max_bytes=MAX_BYTES)
        except ApplicationError as exc:
            raise FileProblem(exc.message) from None
        return kind
    if b"\x00" in content[:65536] or content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise FileProblem("文件的扩展名是 .csv，但内容不是文本：请导出为 CSV（逗号分隔）文件后再导入。")
    return kind


def plan_parse(*, filename: str, content: bytes) -> ParsedPlan:
    """The rows of a plan template (.xlsx) or a ledger CSV; FileProblem when the file as a whole is unusable."""
    kind = plan_file_check(filename=filename, content=content)
    return _parse_xlsx(content) if kind == "xlsx" else _parse_csv(content)


def _merged_problems(sheet, header_row: int) -> dict[int, list[str]]:
    """Merged ranges reaching into the data rows, under every data row they span."""
    out: dict[int, list[str]] = {}
    for merged in sheet.merged_cells.ranges:
        for number in range(max(merged.min_row, header_row + 1), merged.max_row + 1):
            out.setdefault(number, []).append(merged.coord)
    return out


def _parse_xlsx(content: bytes) -> ParsedPlan:
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileProblem("文件不是有效的 Excel（.xlsx）文件：可能已损坏，或是其他格式的文件改了扩展名。") from exc
    try:
        sheet = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        header_row, cols = 0, None
        for number, cells in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
            if {_header_key(c) for c in cells} & {"title", "assignee"}:
                header_row, cols = number, _columns(cells, where=f"工作表“{sheet.title}”第 {number} 行的表头")
                break
        if cols is None:
            raise FileProblem(f"工作表“{sheet.title}”前 {HEADER_SEARCH_ROWS} 行中找不到表头（应包含“任务名称”“责任单位”"
                              f"“完成时限”列）。请使用系统下载的年度工作任务模板。")
        merged = _merged_problems(sheet, header_row)
        columns = frozenset(cols)
        rows: list[PlanRow] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True),
                                       start=header_row + 1):
            blank = all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
            if blank and number not in merged:
                continue
            values = {key: cells[index] if index < len(cells) else None for key, index in cols.items()}
            row = _read_row(number, values, columns)
            if number in merged:
                row.errors.insert(0, RowError(number, "合并单元格",
                                              f"{'、'.join(merged[number])} 是合并单元格；数据行不能合并单元格，"
                                              f"请取消合并并在每一行填写完整"))
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"文件超过 {MAX_ROWS} 行任务，请拆分后导入。")
        return ParsedPlan("xlsx", columns, rows)
    finally:
        wb.close()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("CSV 文件的编码无法识别，请保存为 UTF-8 编码。")


def _parse_csv(content: bytes) -> ParsedPlan:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("CSV 文件没有内容。") from None
    except csv.Error as exc:
        raise FileProblem(f"CSV 文件格式错误：{exc}") from None
    cols = _columns(header, where="CSV 表头")
    columns = frozenset(cols)
    rows: list[PlanRow] = []
    try:
        for cells in reader:
            number = reader.line_num
            if all(not c.strip() for c in cells):
                continue
            values = {key: cells[index] if index < len(cells) else None for key, index in cols.items()}
            rows.append(_read_row(number, values, columns))
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"文件超过 {MAX_ROWS} 行任务，请拆分后导入。")
    except csv.Error as exc:
        raise FileProblem(f"CSV 文件第 {reader.line_num} 行格式错误（引号不成对等），未导入。") from exc
    return ParsedPlan("csv", columns, rows)


# ---------------------------------------------------------------- the template


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    note: str = ""


def years_text(years: Sequence[int]) -> str:
    """Covered years as ranges: 2004—2026 年、2028 年 (“尚无” when none)."""
    spans: list[list[int]] = []
    for year in sorted(set(years)):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return "、".join(f"{a}—{b} 年" if a != b else f"{a} 年" for a, b in spans) or "尚无"


@dataclass(frozen=True)
class Examples:
    """The examples the 填写说明 gives, valid on the day the template is downloaded: a deadline date and a number
    of working days that both fall inside the working-day calendar, and the covered years."""

    day: date
    workdays: int
    covered_years: tuple[int, ...] = ()

    def note(self, text: str) -> str:
        d = self.day
        return text.format(iso=d.isoformat(), slash=f"{d.year}/{d.month}/{d.day}", chinese=day_label(d),
                           workdays=self.workdays, years=years_text(self.covered_years))


def plan_template(*, year: int, units: Sequence[Choice], indicators: Sequence[Choice],
                  examples: Examples | None = None) -> bytes:
    """The 年度工作任务 workbook: a data sheet with the headers (drop-down lists for the type, priority and units)
    and a 填写说明 sheet explaining every column and listing the valid units and indicators."""
    examples = examples or Examples(day=date(year, 12, 31), workdays=20, covered_years=(year,))
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = f"{year} 年度工作任务（填写说明见“{GUIDE_SHEET}”工作表；从第 3 行起每行一项任务，不要合并单元格）"
    ws["A1"].font = Font(bold=True, size=13, color="0F4C97")
    ws.row_dimensions[1].height = 24
    for col, (_key, header, width, _note) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "B3"
    letters = {key: get_column_letter(i) for i, (key, *_rest) in enumerate(COLUMNS, start=1)}
    end = 2 + MAX_ROWS
    for col in ("code", "deadline"):
        for row in range(3, 503):
            ws[f"{letters[col]}{row}"].number_format = "@" if col == "code" else 'yyyy"年"m"月"d"日"'

    guide = wb.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 70
    guide["A1"] = "填写说明"
    guide["A1"].font = Font(bold=True, size=14, color="0F4C97")
    guide["A2"] = ("在“年度工作任务”工作表第 3 行起逐行填写，一行一项任务。上传后系统先预检（不保存），列出每行的问题（行号、列、原因）；"
                   "全部通过后确认，所有任务在一次操作中导入并下发给责任单位——任何一行有问题都不会导入任何任务。"
                   "同一文件再次导入不会重复创建：编号相同且内容相同的任务计为“未变”。")
    guide["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    guide.merge_cells("A2:C2")
    guide.row_dimensions[2].height = 48
    row = 4
    for label in ("列", "是否必填", "填写要求"):
        cell = guide.cell(row=row, column=("列", "是否必填", "填写要求").index(label) + 1, value=label)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for key, header, _w, note in COLUMNS:
        row += 1
        guide.cell(row=row, column=1, value=header)
        guide.cell(row=row, column=2, value="必填" if key in REQUIRED else "可空")
        guide.cell(row=row, column=3, value=examples.note(note)).alignment = Alignment(wrap_text=True, vertical="top")
    for _key, header, note in OPTIONAL_COLUMNS:
        row += 1
        guide.cell(row=row, column=1, value=header)
        guide.cell(row=row, column=2, value="可选列")
        guide.cell(row=row, column=3, value=note).alignment = Alignment(wrap_text=True, vertical="top")

    row += 2
    guide.cell(row=row, column=1, value="单位清单（责任单位、协办单位可填编码或名称）").font = Font(bold=True, color="0F4C97")
    row += 1
    for col, label in enumerate(("编码", "名称", "类别"), start=1):
        cell = guide.cell(row=row, column=col, value=label)
        cell.font = Font(bold=True)
    unit_first = row + 1
    for unit in units:
        row += 1
        guide.cell(row=row, column=1, value=unit.code).number_format = "@"
        guide.cell(row=row, column=2, value=unit.name)
        guide.cell(row=row, column=3, value=unit.note)
    unit_last = row

    row += 2
    guide.cell(row=row, column=1, value="指标清单（涉及指标可填编码或名称）").font = Font(bold=True, color="0F4C97")
    row += 1
    for col, label in enumerate(("编码", "名称", "上级指标"), start=1):
        guide.cell(row=row, column=col, value=label).font = Font(bold=True)
    for indicator in indicators:
        row += 1
        guide.cell(row=row, column=1, value=indicator.code).number_format = "@"
        guide.cell(row=row, column=2, value=indicator.name)
        guide.cell(row=row, column=3, value=indicator.note)
    if not indicators:
        guide.cell(row=row + 1, column=1, value="（尚未发布指标体系：“涉及指标”请留空）")

    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_LABELS.values()) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="任务类型无效",
                           error="请选择：" + "、".join(KIND_LABELS.values()))
    kinds.add(f"{letters['kind']}3:{letters['kind']}{end}")
    priorities = DataValidation(type="list", formula1='"' + ",".join(PRIORITY_LABELS.values()) + '"',
                                allow_blank=True, showErrorMessage=True, errorTitle="优先级无效",
                                error="请选择：" + "、".join(PRIORITY_LABELS.values()))
    priorities.add(f"{letters['priority']}3:{letters['priority']}{end}")
    ws.add_data_validation(kinds)
    ws.add_data_validation(priorities)
    if units:
        # a warning, not a stop: a unit's code is as good as its name
        assignees = DataValidation(type="list", formula1=f"'{GUIDE_SHEET}'!$B${unit_first}:$B${unit_last}",
                                   allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                   errorTitle="责任单位", error="不在单位清单中；若填写的是单位编码，可以继续。")
        assignees.add(f"{letters['assignee']}3:{letters['assignee']}{end}")
        ws.add_data_validation(assignees)
    deadline = DataValidation(allow_blank=True, showInputMessage=True, promptTitle="完成时限",
                              prompt=examples.note("填日期（如 {iso}），或“N个工作日”（如 {workdays}个工作日）；"
                                                   "须在工作日历已覆盖的年份内"))
    deadline.add(f"{letters['deadline']}3:{letters['deadline']}{end}")
    ws.add_data_validation(deadline)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
