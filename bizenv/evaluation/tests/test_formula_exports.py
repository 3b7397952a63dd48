"""Evaluation exports (bulletin workbook, OBS.csv, SCORES.csv) show formula-like region names as text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bizenv.evaluation import bulletins, services
from bizenv.evaluation.external import observations_csv
from bizenv.evaluation.parsing import parse_regions
from bizenv.organisations.models import Region

FORMULA = '=HYPERLINK("http://x","点我")'
AT = "@SUM(1)"
ONE_EACH = {"mode": "top_n", "red": 1, "black": 1, "scopes": "total_and_level1"}


def test_bulletin_workbook_shows_region_names_as_text(version, filled, office, office2):
    first, second = Region.objects.filter(level="county").order_by("code")[:2]
    Region.objects.filter(pk=first.pk).update(name=FORMULA)
    Region.objects.filter(pk=second.pk).update(name=AT)
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    release = services.red_black_list_create(actor=office, run=run, rules=ONE_EACH)
    book = load_workbook(io.BytesIO(bulletins.bulletin_excel(release)))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value in (FORMULA, AT)]
    assert {c.value for c in cells} == {FORMULA, AT}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_obs_csv_neutralises_formulas_and_reads_back_unchanged():
    text = observations_csv([{"region": FORMULA, "indicator": "a", "period": "2026", "value": "-3"},
                             {"region": AT, "indicator": "a", "period": "2026", "value": "+x"}])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["region"] for r in rows] == ["'" + FORMULA, "'" + AT]
    assert [r["value"] for r in rows] == ["-3", "'+x"]
    regions = "region,note\n" + "".join(f'"{r["region"].replace(chr(34), chr(34) * 2)}",x\n' for r in rows)
    assert set(parse_regions(regions.encode("utf-8")).value) == {FORMULA, AT}


def test_scores_csv_neutralises_formula_region_names(tmp_path):
    from bizenv.cli import main
    from bizenv.evaluation.tests.test_scoring import OBS, SMALL_SYSTEM

    system = tmp_path / "system.yaml"
    system.write_text(SMALL_SYSTEM, encoding="utf-8")
    observations = tmp_path / "obs.csv"
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    observations.write_text(OBS.replace("东城区", quoted).replace("北山县", AT), encoding="utf-8")
    out = tmp_path / "scores.csv"
    assert main(["evaluate", "--system", str(system), "--observations", str(observations), "--out", str(out)]) == 0
    raw = out.read_bytes().decode("utf-8")
    assert raw.startswith("\ufeff")
    assert {r["region"] for r in csv.DictReader(io.StringIO(raw[1:]))} == {"'" + FORMULA, "'" + AT}
