"""Exported cells that Excel and WPS show as text, never as formulas (CSV/formula injection).

A region name such as `=HYPERLINK("http://x","点我")` or `@SUM(1)` would run as a formula when a CSV or
workbook exported by the platform is opened in Excel or WPS. Every CSV and Excel export goes through here:

* CSV: `cell_safe` prefixes a text cell starting with `=`, `+`, `-`, `@`, tab or carriage return with one
  apostrophe (the OWASP advice); numbers, and text that is a plain number such as "-3.5", stay as they are.
  `csv_text` / `csv_bytes` / `csv_write` write rows that way, with a UTF-8 BOM so Excel reads Chinese.
  A platform importer reading such a CSV back calls `cell_unsafe` to drop that one apostrophe again.
* Excel (openpyxl): `workbook_safe` turns every string cell that openpyxl would store as a formula back
  into a text cell, with Excel's "quote prefix" so editing the cell keeps it text. The value is kept exactly
  (no apostrophe), so a workbook the platform reads back (the fill-in template) round-trips unchanged.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def _is_number_text(text: str) -> bool:
    if text != text.strip():
        return False
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def is_formula_like(value: Any) -> bool:
    """True for text that a spreadsheet could take as a formula (numbers written as text excepted)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number_text(value)


def cell_safe(value: Any) -> Any:
    """A CSV cell value that a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if is_formula_like(value):
        return "'" + value
    return value


def cell_unsafe(value: Any) -> Any:
    """The value `cell_safe` was given: drops the one apostrophe it put before a formula character."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def rows_safe(rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
    for row in rows:
        yield [cell_safe(v) for v in row]


def dicts_safe(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for row in rows:
        yield {k: cell_safe(v) for k, v in row.items()}


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any] | dict[str, Any]], *, bom: bool = True,
             lineterminator: str = "\r\n") -> str:
    """CSV text of `rows` (sequences, or dicts keyed by the header) with safe cells and, by default, a BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    for row in rows:
        values = [row.get(k, "") for k in header] if isinstance(row, dict) else row
        writer.writerow([cell_safe(v) for v in values])
    return (BOM if bom else "") + buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any] | dict[str, Any]], **kwargs) -> bytes:
    return csv_text(header, rows, **kwargs).encode("utf-8")


def csv_write(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any] | dict[str, Any]],
              **kwargs) -> None:
    """Writes the CSV to `path` atomically (a temporary file next to it, then renamed)."""
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_bytes(csv_bytes(header, rows, **kwargs))
    tmp.replace(target)


def worksheet_safe(sheet) -> None:
    """Every formula-like string cell of an openpyxl worksheet becomes a text cell with a quote prefix."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if not is_formula_like(value):
                continue
            if cell.data_type == "f":
                cell.data_type = "s"
            if not cell.quotePrefix:
                cell.quotePrefix = True


def workbook_safe(workbook):
    """Applies `worksheet_safe` to each worksheet; call just before saving. Returns the workbook."""
    for sheet in workbook.worksheets:
        worksheet_safe(sheet)
    return workbook
