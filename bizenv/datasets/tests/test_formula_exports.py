"""The quarantine downloads show formula-like text as text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bizenv.datasets import services
from bizenv.datasets.models import RecordBatch
from bizenv.datasets.tests.recordkit import EAST, registration

FORMULA = '=HYPERLINK("http://x","点我")'
AT = "@SUM(1)"


def test_quarantine_csv_and_xlsx_show_formulas_as_text(town):
    services.records_ingest(actor=None, dataset="business_registrations", rows_or_table=[
        registration(FORMULA, region=EAST, cost=-1), registration(AT, region=EAST, cost=-1)])
    batch = RecordBatch.objects.get()
    client = town.client("office")

    raw = client.get(f"/data/batches/{batch.pk}/quarantine.csv").content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw[1:])))
    assert {r["record_id"] for r in rows} == {"'" + FORMULA, "'" + AT}
    assert {r["cost"] for r in rows} == {"-1"}  # a negative number is not prefixed

    book = load_workbook(io.BytesIO(client.get(f"/data/batches/{batch.pk}/quarantine.xlsx").content))
    header = [c.value for c in book.active[1]]
    cells = [row[header.index("record_id")] for row in book.active.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {FORMULA, AT}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
