"""Word and Excel files shown as HTML on the 查看 pages (PDF and images the browser shows itself).

Only text reaches the page: paragraphs, headings, bold and italic, tables and cell values, every character
escaped. Nothing else from the file — styles, images, links, fields, embedded objects — is carried over, so a
file cannot put a script or a link on the page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html import escape

from bizenv.core.errors import ApplicationError
from bizenv.core.officefiles import office_file_check

MAX_BLOCKS = 3000
MAX_TABLE_ROWS = 500
MAX_SHEETS = 5
MAX_COLUMNS = 50
MAX_NESTING = 3
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_CUT_NOTE = '<p class="preview-note">{}</p>'


def docx_to_html(content: bytes, *, max_blocks: int = MAX_BLOCKS) -> str:
    """A Word document's paragraphs (headings by style or outline level), bold/italic runs and tables as
    escaped HTML, at most `max_blocks` paragraphs and tables."""
    from docx import Document
    from docx.table import Table

    office_file_check(content, kind="Word（.docx）", subject="该 Word 文档")
    try:
        document = Document(io.BytesIO(content))
        blocks = list(document.iter_inner_content())
    except Exception:  # python-docx raises KeyError, ValueError or lxml errors on a damaged file
        raise ApplicationError("该 Word 文档已损坏或不是 .docx 格式，无法在线查看，请下载后查看。") from None
    parts = ['<div class="doc-preview">']
    shown = 0
    for block in blocks:
        if shown >= max_blocks:
            parts.append(_CUT_NOTE.format(f"文档较长，仅显示前 {max_blocks:,} 段，完整内容请下载原文件查看。"))
            break
        html = _table(block, depth=0) if isinstance(block, Table) else _paragraph(block)
        if html:
            parts.append(html)
            shown += 1
    if shown == 0:
        parts.append(_CUT_NOTE.format("（文档中没有文字内容）"))
    parts.append("</div>")
    return "\n".join(parts)


def _paragraph(paragraph) -> str:
    inner = _runs(paragraph)
    if not inner:
        return ""
    level = _heading_level(paragraph)
    tag = f"h{min(level + 1, 6)}" if level else "p"  # the page's own title is the h1
    return f"<{tag}>{inner}</{tag}>"


def _runs(paragraph) -> str:
    """The paragraph's text (hyperlinks as plain text) with bold and italic, adjacent alike runs merged."""
    from docx.text.hyperlink import Hyperlink

    pieces: list[list] = []
    for item in paragraph.iter_inner_content():
        for run in item.runs if isinstance(item, Hyperlink) else (item,):
            text = run.text
            if not text:
                continue
            style = (run.bold is True, run.italic is True)
            if pieces and pieces[-1][1] == style:
                pieces[-1][0] += text
            else:
                pieces.append([text, style])
    if not any(text.strip() for text, _ in pieces):
        return ""
    html = []
    for text, (bold, italic) in pieces:
        piece = escape(text).replace("\n", "<br>").replace("\t", " ")
        if italic:
            piece = f"<em>{piece}</em>"
        if bold:
            piece = f"<strong>{piece}</strong>"
        html.append(piece)
    return "".join(html)


def _heading_level(paragraph) -> int:
    """1 for a title or 标题 1, 2 for 标题 2, …; 0 for body text."""
    try:
        name = (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    except (KeyError, ValueError):
        name = ""
    if name.lower() in _TITLE_STYLES:
        return 1
    match = _HEADING_STYLE.fullmatch(name)
    if match:
        return int(match.group(1))
    properties = paragraph._p.pPr
    outline = properties.outlineLvl if properties is not None else None
    if outline is not None and outline.val is not None and 0 <= int(outline.val) < 9:
        return int(outline.val) + 1
    return 0


def _table(table, *, depth: int) -> str:
    """A Word table with merged cells as colspan/rowspan; nested tables up to MAX_NESTING deep."""
    from docx.table import _Cell

    grid = []
    for tr in table._tbl.tr_lst[: MAX_TABLE_ROWS + 1]:
        offset, cells = tr.grid_before, []
        for tc in tr.tc_lst:
            cells.append((offset, tc))
            offset += tc.grid_span
        grid.append(cells)
    rows = []
    for index, cells in enumerate(grid[:MAX_TABLE_ROWS]):
        html = []
        for offset, tc in cells:
            if tc.vMerge == "continue":
                continue
            rowspan = 1
            if tc.vMerge == "restart":
                for below in grid[index + 1:]:
                    under = next((t for o, t in below if o == offset), None)
                    if under is None or under.vMerge != "continue":
                        break
                    rowspan += 1
            spans = (f' colspan="{tc.grid_span}"' if tc.grid_span > 1 else "") + \
                    (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            html.append(f"<td{spans}>{_cell(_Cell(tc, table), depth=depth)}</td>")
        rows.append("<tr>" + "".join(html) + "</tr>")
    note = ""
    if len(grid) > MAX_TABLE_ROWS:
        note = _CUT_NOTE.format(f"表格较长，仅显示前 {MAX_TABLE_ROWS} 行，完整内容请下载原文件查看。")
    return '<table class="doc-preview-table">' + "".join(rows) + "</table>" + note


def _cell(cell, *, depth: int) -> str:
    from docx.table import Table

    parts = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            if depth + 1 < MAX_NESTING:
                parts.append(_table(block, depth=depth + 1))
            else:
                parts.append(escape(" ".join(c.text for row in block.rows for c in row.cells)))
        else:
            text = _runs(block)
            if text:
                parts.append(text)
    return "<br>".join(parts)


def xlsx_to_html(content: bytes, *, max_rows: int = 200, max_sheets: int = MAX_SHEETS,
                 max_columns: int = MAX_COLUMNS) -> str:
    """The visible sheets of a workbook (at most `max_sheets`, each its first `max_rows` rows and `max_columns`
    columns) as escaped HTML tables of the values last calculated."""
    from openpyxl import load_workbook

    office_file_check(content, kind="Excel（.xlsx）", subject="该 Excel 表格")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises KeyError, ValueError, zip or XML errors on a damaged file
        raise ApplicationError("该 Excel 表格已损坏或不是 .xlsx 格式，无法在线查看，请下载后查看。") from None
    try:
        sheets = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
        parts = ['<div class="xlsx-preview">']
        for sheet in sheets[:max_sheets]:
            parts.append(f"<h3>{escape(sheet.title)}</h3>")
            parts.append(_sheet(sheet, max_rows=max_rows, max_columns=max_columns))
        if len(sheets) > max_sheets:
            parts.append(_CUT_NOTE.format(f"另有 {len(sheets) - max_sheets} 个工作表未显示，完整内容请下载原文件查看。"))
        if not sheets:
            parts.append(_CUT_NOTE.format("（没有可显示的工作表）"))
        parts.append("</div>")
        return "\n".join(parts)
    except ApplicationError:
        raise
    except Exception:  # a damaged sheet part shows up only while its rows are read
        raise ApplicationError("该 Excel 表格已损坏，无法在线查看，请下载后查看。") from None
    finally:
        workbook.close()


def _sheet(sheet, *, max_rows: int, max_columns: int) -> str:
    rows: list[list[str]] = []
    more_rows = more_columns = False
    for index, values in enumerate(sheet.iter_rows(max_col=max_columns + 1, values_only=True)):
        if index >= max_rows:
            more_rows = True
            break
        texts = [_cell_text(v) for v in values]
        if len(texts) > max_columns:
            more_columns = more_columns or any(texts[max_columns:])
            texts = texts[:max_columns]
        rows.append(texts)
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((i + 1 for row in rows for i, text in enumerate(row) if text), default=0)
    if not width:
        return _CUT_NOTE.format("（空工作表）")
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(text)}</td>" for text in (row + [""] * width)[:width]) + "</tr>"
        for row in rows
    )
    notes = []
    if more_rows:
        notes.append(f"仅显示前 {max_rows} 行")
    if more_columns:
        notes.append(f"仅显示前 {max_columns} 列")
    note = _CUT_NOTE.format("，".join(notes) + "，完整内容请下载原文件查看。") if notes else ""
    return f'<table class="xlsx-preview-table">{body}</table>{note}'


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"
    return str(value)
