"""The combined query: tidy rows over any regions × periods × indicators, and the Excel download."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from bizenv.analysis.query import pivot, query_rows, query_xlsx
from bizenv.core.errors import ApplicationError


@pytest.fixture
def cube(make_cube):
    return make_cube({
        "A": {"2026-01": (5.5, 500, 7, 50), "2026-02": (3.0, 500, 9, 50)},
        "B": {"2026-01": (3.0, 400, 5, 60), "2026-02": (None, 400, 5, 60)},
    }, names={"A": "东湖县", "B": "西山县"})


@pytest.mark.parametrize(("regions", "periods", "indicators", "count"), [
    ((), (), (), 2 * 2 * 8),  # everything: TOTAL + 3 level-1 + 4 leaves = 8 nodes
    (("A",), (), (), 2 * 8),
    (("A", "B"), ("2026-02",), ("TOTAL",), 2),
    ((), ("2026-01",), ("start.time", "power"), 4),
])
def test_row_count_is_the_product_of_the_selection(cube, regions, periods, indicators, count):
    assert len(query_rows(cube, regions=regions, periods=periods, indicators=indicators)) == count


def test_values_scores_and_ranks(cube):
    rows = {(r.region, r.period, r.indicator): r for r in query_rows(cube)}
    a = rows[("A", "2026-01", "start.time")]
    assert (a.value, a.score, a.rank, a.unit) == (5.5, pytest.approx(50), 2, "工作日")
    b = rows[("B", "2026-02", "start.time")]
    assert b.value is None and b.score is None and b.rank == 0 and b.completeness == 0
    total = rows[("B", "2026-02", "start")]
    assert total.value is None and total.completeness == pytest.approx(0.5)
    assert rows[("A", "2026-01", "TOTAL")].band in {"优秀", "良好", "一般", "较差"}


def test_unknown_indicator_or_period_is_a_chinese_error(cube):
    with pytest.raises(ApplicationError, match="不在指标体系"):
        query_rows(cube, indicators=["nope"])
    with pytest.raises(ApplicationError, match="不在分析范围"):
        query_rows(cube, periods=["2025-12"])


def test_excel_has_a_chinese_header_and_numbers(cube):
    rows = query_rows(cube, indicators=["start.time"])
    sheet = load_workbook(BytesIO(query_xlsx(rows))).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["区域代码", "区域", "时期", "指标编码", "指标"] and "得分" in header
    body = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(body) == 4
    assert body[0][header.index("指标值")] == 5.5 and body[0][header.index("得分")] == 50
    missing = [row for row in body if row[0] == "B" and row[2] == "2026-02"][0]
    assert missing[header.index("指标值")] is None and missing[header.index("排名")] is None


def test_pivot_is_the_cross_region_cross_time_matrix(cube):
    matrix = pivot(query_rows(cube, indicators=["power.time"]), field="value")
    assert matrix[("power.time", "2026-02")] == {"A": 9.0, "B": 5.0}


def test_excel_shows_formula_like_region_names_as_text(make_cube):
    formula, at = '=HYPERLINK("http://x","点我")', "@SUM(1)"
    cube = make_cube({"A": {"2026-01": (5.5, 500, 7, 50)}, "B": {"2026-01": (-3.0, 400, 5, 60)}},
                     names={"A": formula, "B": at})
    sheet = load_workbook(BytesIO(query_xlsx(query_rows(cube, indicators=["start.time"])))).active
    header = [c.value for c in sheet[1]]
    cells = {row[0].value: row[header.index("区域")] for row in sheet.iter_rows(min_row=2)}
    assert {code: c.value for code, c in cells.items()} == {"A": formula, "B": at}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells.values())
    values = [row[header.index("指标值")] for row in sheet.iter_rows(min_row=2)]
    assert -3.0 in [c.value for c in values] and all(c.data_type == "n" for c in values)
