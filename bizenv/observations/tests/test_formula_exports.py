"""Observation exports show formula-like region names as text, and the CLI export still imports back unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bizenv.cli import main
from bizenv.observations import services
from bizenv.organisations.models import Region

FORMULA = '=HYPERLINK("http://x","点我")'
AT = "@SUM(1)"
BOM = "\ufeff"


@pytest.fixture
def named(counties):
    Region.objects.filter(code="990101").update(name=FORMULA)
    Region.objects.filter(code="990102").update(name=AT)
    return counties


@pytest.fixture
def values(version, named, office):
    ind = {i.code: i for i in version.indicators.all()}
    regions = {r.code: r for r in Region.objects.filter(code__in=["990101", "990102"])}
    for code, leaf, period, value in (("990101", "starting.time", "2026-09", 2),
                                      ("990102", "survey.growth", "2025", -3)):
        services.observation_upsert(actor=office, system_version=version, indicator=ind[leaf],
                                    region=regions[code], period=period, value=value, source="report")


def _by_region(text: str) -> dict[str, dict[str, str]]:
    assert text.startswith(BOM)
    return {r["region"]: r for r in csv.DictReader(io.StringIO(text[1:]))}


def test_cli_export_neutralises_formulas_and_imports_back_unchanged(values, tmp_path, capsys):
    out = tmp_path / "obs.csv"
    assert main(["observations", "export", "--out", str(out), "--system", "OBS-TEST"]) == 0
    text = out.read_bytes().decode("utf-8")
    rows = _by_region(text)
    assert list(next(iter(rows.values())))[:7] == ["system", "region", "indicator", "period", "value", "source",
                                                    "status"]
    assert rows["990101"]["region_name"] == "'" + FORMULA
    assert rows["990102"]["region_name"] == "'" + AT
    assert rows["990102"]["value"] == "-3"  # a negative number stays a number
    capsys.readouterr()
    assert main(["import", "observations", str(out)]) == 0
    assert "文件行数 2 = 新增 0 + 更新 0 + 未变 2 + 拒绝 0" in capsys.readouterr().out
    assert set(Region.objects.filter(code__in=["990101", "990102"]).values_list("name", flat=True)) == {FORMULA, AT}


def test_csv_import_drops_the_export_apostrophe_from_a_note(version, named, tmp_path, capsys):
    from bizenv.observations.excel import parse_upload

    content = ("\ufeffsystem,region,indicator,period,value,note\n"
               f"OBS-TEST,990101,starting.time,2026-09,2,\"'{FORMULA.replace(chr(34), chr(34) * 2)}\"\n"
               "OBS-TEST,990101,starting.online,2026-09,5,'abc\n").encode()
    rows = parse_upload(filename="a.csv", content=content).rows
    assert rows[0].note == FORMULA
    assert rows[1].note == "'abc"  # an apostrophe before ordinary text is the user's own


def test_web_export_csv_neutralises_formulas(values, office, client_for):
    response = client_for(office).get("/reporting/export.csv")
    rows = _by_region(response.content.decode("utf-8"))
    assert rows["990101"]["region_name"] == "'" + FORMULA and rows["990102"]["region_name"] == "'" + AT


def test_round_template_shows_region_names_as_text(version, named, office, samr, client_for):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    content = client_for(samr).get(f"/reporting/rounds/{rnd.pk}/template.xlsx").content
    cells = [c for ws in load_workbook(io.BytesIO(content)).worksheets for row in ws.iter_rows() for c in row
             if c.value in (FORMULA, AT)]
    assert {c.value for c in cells} == {FORMULA, AT}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_annotated_csv_upload_shows_formulas_as_text():
    from bizenv.observations.excel import annotate

    content = f"system,region,indicator,period,value\nOBS-TEST,990101,{AT},2026-09,x\n".encode()
    book = load_workbook(io.BytesIO(annotate(filename="a.csv", content=content, rejections={2: "不是数字"})))
    cell = book.active["C2"]
    assert cell.value == AT and cell.data_type == "s"
