"""External check: `bizenv evaluate` with the shipped db2020.yaml reproduces published DB2020 scores."""

import csv
import os
from pathlib import Path

import pytest

from bizenv.cli import main
from bizenv.evaluation.external import observations_csv, score_input_system, wide_observations
from bizenv.evaluation.scoring import TOTAL
from bizenv.indicators.exporting import export_yaml
from bizenv.indicators.parsing import parse_file
from bizenv.indicators.specs import walk

REPO = Path(__file__).resolve().parents[3]
DB2020_SYSTEM = REPO / "bizenv/indicators/systems/db2020.yaml"
FILE_NAME = "DB_historical_DB2004-2020_all_data.csv"

# The source's tokens as special values (PROVENANCE.md): no VAT / no corporate income tax make that pair of
# post-filing components not applicable; no VAT refund in the case-study scenario scores the VAT pair 0.
TOKENS = {
    "..": "",
    "No Practice": "No Practice",
    "No VAT": "N/A",
    "No corporate income tax": "N/A",
    "No VAT refund per case study scenario": "No Practice",
}
PUBLISHED = {
    "SB": "Score-Starting a business",
    "CP": "Score-Dealing with construction permits (DB16-20 methodology)",
    "GE": "Score-Getting electricity (DB16-20 methodology)",
    "RP": "Score-Registering property (DB17-20 methodology)",
    "GC": "Score-Getting credit (DB15-20 methodology)",
    "PMI": "Score-Protecting minority investors (DB15-20 methodology)",
    "PT": "Score-Paying taxes (DB17-20 methodology)",
    "TB": "Score-Trading across borders (DB16-20 methodology)",
    "EC": "Score-Enforcing contracts (DB17-20 methodology)",
    "RI": "Score-Resolving insolvency",
    TOTAL: "Ease of doing business score (DB17-20 methodology)",
}
TWO_CITY_ECONOMIES = ("Bangladesh", "Brazil", "China", "India", "Indonesia", "Japan", "Mexico", "Nigeria",
                      "Pakistan", "Russian Federation", "United States")


def _reference_file() -> Path | None:
    candidates = []
    if os.environ.get("BIZENV_REFERENCE_DIR"):
        folder = Path(os.environ["BIZENV_REFERENCE_DIR"])
        candidates += [folder / FILE_NAME, folder / "doing-business" / FILE_NAME]
    candidates.append(REPO.parent / "shared/reference/doing-business" / FILE_NAME)
    return next((path for path in candidates if path.is_file()), None)


@pytest.fixture(scope="module")
def db2020_rows():
    path = _reference_file()
    if path is None:
        if os.environ.get("CI"):
            # In CI the external check is required: shared/ sits beside the clone.
            pytest.fail(f"CI 中缺少 Doing Business 参考数据 {FILE_NAME}")
        pytest.skip(f"找不到 Doing Business 参考数据 {FILE_NAME}（../shared/reference/doing-business/，"
                    "或设置 BIZENV_REFERENCE_DIR）")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Year"] == "2020"]
    names = {row["Economy"] for row in rows}
    for economy in TWO_CITY_ECONOMIES:
        cities = [name for name in names if name.startswith(economy + " ")]
        assert economy in names and len(cities) == 2, f"{economy}: {cities}"
    single = [row for row in rows if row["Economy"] not in TWO_CITY_ECONOMIES]
    assert len(single) == len(rows) - len(TWO_CITY_ECONOMIES)
    return single


@pytest.fixture(scope="module")
def db2020_spec():
    result = parse_file(DB2020_SYSTEM.read_bytes(), DB2020_SYSTEM.name)
    assert result.ok, result.problems
    return result.spec


def _evaluate(folder: Path, system_path: Path, rows, spec) -> dict[tuple[str, str], dict]:
    observations = folder / "obs.csv"
    observations.write_text(observations_csv(wide_observations(
        rows, spec, region=lambda row: row["Economy"], period="DB2020", tokens=TOKENS)), encoding="utf-8")
    out = folder / "scores.csv"
    code = main(["evaluate", "--system", str(system_path), "--observations", str(observations),
                 "--out", str(out)])
    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return {(row["region"], row["indicator"]): row for row in csv.DictReader(handle)}


def _deviations(scores, rows) -> dict[str, tuple[float, str]]:
    """{topic: (largest |ours − published|, economy)}."""
    worst: dict[str, tuple[float, str]] = {}
    for row in rows:
        for code, column in PUBLISHED.items():
            deviation = abs(float(scores[(row["Economy"], code)]["score"]) - float(row[column]))
            if deviation >= worst.get(code, (-1.0, ""))[0]:
                worst[code] = (deviation, row["Economy"])
    return worst


def test_raw_values_reproduce_published_topic_and_overall_scores(tmp_path, capsys, db2020_rows, db2020_spec):
    scores = _evaluate(tmp_path, DB2020_SYSTEM, db2020_rows, db2020_spec)
    deviations = _deviations(scores, db2020_rows)
    assert set(deviations) == set(PUBLISHED)
    assert all(deviation <= 0.1 for deviation, _economy in deviations.values()), deviations
    # The special values are exercised: Bahrain has neither VAT nor corporate income tax.
    assert scores[("Bahrain", "PT.POST")]["status"] == "not_applicable"
    assert scores[("Bahrain", "PT.POST.VAT.HRS")]["status"] == "not_applicable"
    assert scores[("Algeria", "PT.POST.VAT.WKS")]["score"] == "0"
    assert all(scores[(row["Economy"], TOTAL)]["completeness"] == "1" for row in db2020_rows)


def _published_score_column(header: list[str]):
    """The published score of a leaf: the `Score-…` column right after its raw-value column."""

    def score_ref(node):
        if not node.is_leaf:
            return None
        following = header[header.index(node.external_ref) + 1]
        base = node.external_ref.split("...")[0]
        assert following.startswith("Score-" + base), (node.code, following)
        return following

    return score_ref


def test_published_component_scores_aggregate_to_published_topic_scores(tmp_path, capsys, db2020_rows,
                                                                         db2020_spec):
    spec = score_input_system(db2020_spec, _published_score_column(list(db2020_rows[0])))
    leaves = [node for node, _parent, _level in walk(spec.indicators) if node.is_leaf]
    assert len(leaves) == sum(node.is_leaf for node, _parent, _level in walk(db2020_spec.indicators))
    assert all((node.best, node.worst, node.transform_power) == (100.0, 0.0, None) for node in leaves)
    system_path = tmp_path / "db2020-scores.yaml"
    system_path.write_text(export_yaml(spec), encoding="utf-8")
    scores = _evaluate(tmp_path, system_path, db2020_rows, spec)
    deviations = _deviations(scores, db2020_rows)
    assert all(deviation <= 1e-4 for deviation, _economy in deviations.values()), deviations

