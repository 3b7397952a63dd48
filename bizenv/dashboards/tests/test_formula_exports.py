"""/compare/export.xlsx shows formula-like region names as text."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from bizenv.dashboards.tests.test_analysis_pages import SYSTEM, city, fast_passwords, office  # noqa: F401
from bizenv.organisations.models import Region

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","点我")'
AT = "@SUM(1)"


def test_compare_export_shows_region_names_as_text(office):  # noqa: F811
    Region.objects.filter(code="990101").update(name=FORMULA)
    Region.objects.filter(code="990103").update(name=AT)
    response = office.get("/compare/export.xlsx", {**SYSTEM, "regions": ["990101", "990103"], "start": "2025-01",
                                                   "end": "2025-01", "indicators": ["start.time"]})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert {code: cell.value for code, cell in names.items()} == {"990101": FORMULA, "990103": AT}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in names.values())
