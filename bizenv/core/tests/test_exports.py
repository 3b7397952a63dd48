"""Formula-like cells in exports: apostrophe in CSV (undone on import), text cells in workbooks."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from bizenv.core.exports import cell_safe, cell_unsafe, csv_bytes, csv_write, workbook_safe

FORMULA = '=HYPERLINK("http://x","点我")'


@pytest.mark.parametrize(("value", "expected"), [
    (FORMULA, "'" + FORMULA), ("@SUM(1)", "'@SUM(1)"), ("+1+2", "'+1+2"), ("-x", "'-x"), ("\tA", "'\tA"),
    ("\rA", "'\rA"), ("-3.5", "-3.5"), ("+2", "+2"), (-3, -3), (2.5, 2.5), (None, None), ("东湖县", "东湖县"),
    ("", ""), ("=", "'="), (" -1", " -1"),
])
def test_cell_safe(value, expected):
    assert cell_safe(value) == expected
    assert cell_unsafe(cell_safe(value)) == value


def test_cell_unsafe_keeps_an_apostrophe_before_ordinary_text():
    assert cell_unsafe("'abc") == "'abc" and cell_unsafe("'-3") == "'-3" and cell_unsafe("''=x") == "''=x"


def test_csv_has_a_bom_and_safe_cells(tmp_path):
    content = csv_bytes(["区域", "值"], [[FORMULA, -3], {"区域": "@SUM(1)", "值": "1"}])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["区域", "值"], ["'" + FORMULA, "-3"], ["'@SUM(1)", "1"]]
    csv_write(tmp_path / "a.csv", ["区域"], [[FORMULA]])
    assert (tmp_path / "a.csv").read_bytes() == csv_bytes(["区域"], [[FORMULA]])


def test_workbook_cells_stay_text_with_their_exact_value():
    book = Workbook()
    book.active.append([FORMULA, "@SUM(1)", -3, "东湖县"])
    out = io.BytesIO()
    workbook_safe(book).save(out)
    cells = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert [c.value for c in cells] == [FORMULA, "@SUM(1)", -3, "东湖县"]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s"]
    assert [c.quotePrefix for c in cells] == [True, True, False, False]
