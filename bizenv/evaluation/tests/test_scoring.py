import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bizenv.cli import main
from bizenv.evaluation.scoring import (
    DEFAULT_BANDS,
    TOTAL,
    ScoringError,
    compile_system,
    dtf,
    evaluate,
    parse_bands,
    rank,
)
from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.weights import composite_weights

REPO = Path(__file__).resolve().parents[3]
DEFAULT_SYSTEM = REPO / "bizenv/indicators/systems/default.yaml"

SMALL_SYSTEM = """
code: T
name: 测试体系
indicators:
  - code: A
    name: 甲
    weight: 3
    children:
      - code: A.1
        name: 甲一
        weight: 1
        direction: lower_better
        best: 0
        worst: 10
      - code: A.2
        name: 甲二
        weight: 3
        direction: higher_better
        best: 100
        worst: 0
  - code: B
    name: 乙
    weight: 1
    direction: higher_better
    best: 10
    worst: 0
"""


def _spec(text: str = SMALL_SYSTEM):
    result = parse_yaml(text)
    assert result.ok, result.problems
    return result.spec


def _score_one(values: dict, *, text: str = SMALL_SYSTEM, **options) -> dict:
    """{code: (score, completeness, applicable)} for one region and one period."""
    system = compile_system(_spec(text))
    index = system.leaf_index
    array = np.full((1, 1, len(index)), np.nan)
    na = np.zeros(array.shape, dtype=bool)
    zero = np.zeros(array.shape, dtype=bool)
    for code, value in values.items():
        if value == "N/A":
            na[0, 0, index[code]] = True
        elif value == "No Practice":
            zero[0, 0, index[code]] = True
        elif value is not None:
            array[0, 0, index[code]] = value
    result = evaluate(system, array, regions=["r"], periods=["p"], not_applicable=na, no_practice=zero,
                      **options)
    nodes = result.nodes
    return {code: (nodes.score[0, 0, i], nodes.completeness[0, 0, i], bool(nodes.applicable[0, 0, i]))
            for i, code in enumerate(system.codes)}


@pytest.mark.parametrize(
    ("value", "best", "worst", "power", "expected"),
    [
        (5, 0, 10, None, 50.0),  # lower is better
        (0, 0, 10, None, 100.0),
        (10, 0, 10, None, 0.0),
        (-5, 0, 10, None, 100.0),  # better than the frontier: clipped
        (15, 0, 10, None, 0.0),  # worse than the worst: clipped
        (2, 8, 0, None, 25.0),  # higher is better
        (8, 8, 0, None, 100.0),
        (9, 8, 0, None, 100.0),
        (-1, 8, 0, None, 0.0),
        (55.05, 26.1, 84, 0.8, 100 * 0.5**0.8),  # DB2020 total tax rate transform
        (20, 26.1, 84, 0.8, 100.0),
        (90, 26.1, 84, 0.8, 0.0),
        (3, 0, 4, 2.0, 100 * 0.25**2),
    ],
)
def test_distance_to_frontier(value, best, worst, power, expected):
    power_array = None if power is None else np.array([power])
    score = dtf(np.array([value], dtype=float), np.array([best], dtype=float), np.array([worst], dtype=float),
                power_array)
    assert score[0] == pytest.approx(expected, abs=1e-12)


def test_distance_to_frontier_keeps_missing_values_missing():
    assert np.isnan(dtf(np.array([np.nan]), np.array([0.0]), np.array([10.0]), np.array([0.8]))[0])


def test_full_data_aggregates_with_weights():
    scores = _score_one({"A.1": 5, "A.2": 80, "B": 10})
    assert scores["A"][0] == pytest.approx((50 + 3 * 80) / 4)
    assert scores[TOTAL][0] == pytest.approx((3 * 72.5 + 100) / 4)
    assert scores[TOTAL][1] == 1.0


def test_no_practice_scores_zero_and_counts_as_data():
    scores = _score_one({"A.1": "No Practice", "A.2": 80, "B": 10})
    assert scores["A.1"][0] == 0.0
    assert scores["A"][0] == pytest.approx(60.0)
    assert scores["A"][1] == 1.0


def test_not_applicable_leaf_is_dropped_and_siblings_reweighted():
    scores = _score_one({"A.1": 5, "A.2": "N/A", "B": 10})
    assert not scores["A.2"][2] and math.isnan(scores["A.2"][0])
    assert scores["A"][0] == pytest.approx(50.0)
    assert scores["A"][1] == 1.0, "N/A is not missing data"


def test_a_node_whose_children_are_all_not_applicable_is_itself_not_applicable():
    scores = _score_one({"A.1": "N/A", "A.2": "N/A", "B": 4})
    assert not scores["A"][2]
    assert scores[TOTAL][0] == pytest.approx(40.0)
    assert scores[TOTAL][1] == 1.0


def test_missing_leaf_is_reweighted_and_lowers_completeness():
    scores = _score_one({"A.1": 5, "A.2": None, "B": 10})
    assert math.isnan(scores["A.2"][0]) and scores["A.2"][2]
    assert scores["A"][0] == pytest.approx(50.0)
    assert scores["A"][1] == pytest.approx(0.25)
    assert scores[TOTAL][0] == pytest.approx((3 * 50 + 100) / 4)
    assert scores[TOTAL][1] == pytest.approx((3 * 0.25 + 1) / 4)


def test_a_node_without_any_data_is_missing_not_zero():
    scores = _score_one({"B": 10})
    assert math.isnan(scores["A"][0]) and scores["A"][2] and scores["A"][1] == 0.0
    assert scores[TOTAL][0] == pytest.approx(100.0)
    assert scores[TOTAL][1] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("policy", "a_score", "total_score"),
    [
        ("reweight", 50.0, (3 * 50 + 100) / 4),
        ("zero", 12.5, (3 * 12.5 + 100) / 4),
        ("propagate", math.nan, math.nan),
    ],
)
def test_missing_policies(policy, a_score, total_score):
    scores = _score_one({"A.1": 5, "A.2": None, "B": 10}, missing=policy)
    for code, expected in (("A", a_score), (TOTAL, total_score)):
        if math.isnan(expected):
            assert math.isnan(scores[code][0])
        else:
            assert scores[code][0] == pytest.approx(expected)
    assert scores["A"][1] == pytest.approx(0.25), "completeness is reported whatever the policy"


def test_an_unknown_missing_policy_is_refused():
    with pytest.raises(ScoringError, match="缺数处理方式"):
        _score_one({"B": 1}, missing="guess")


def _default_at(values_for: dict[str, str], *, attributes, include_optional=False):
    """The default system for one region: every leaf at its best, those under `values_for` at their worst."""
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    values = system.best.copy()
    for position, code in enumerate(system.leaf_codes):
        for prefix, where in values_for.items():
            if code.startswith(prefix + ".") and where == "worst":
                values[position] = system.worst[position]
    result = evaluate(system, values[None, None, :], regions=["r"], periods=["p"], attributes=[attributes],
                      include_optional=include_optional)
    return system, result


@pytest.mark.parametrize(
    ("worst_indicator", "has_gas", "expected_total"),
    [
        ("getting_electricity", True, 95.0),  # 5 %
        ("getting_electricity", False, 93.0),  # 7 % without pipeline gas
        ("getting_water", False, 93.0),
        ("getting_gas", True, 96.0),  # 4 %
        ("getting_gas", False, 100.0),  # not assessed without pipeline gas
    ],
)
def test_gas_variant_on_the_default_system(worst_indicator, has_gas, expected_total):
    system, result = _default_at({worst_indicator: "worst"}, attributes={"has_pipeline_gas": has_gas})
    assert result.score_of("r", TOTAL, "p") == pytest.approx(expected_total)
    assert result.score_of("r", worst_indicator, "p") == pytest.approx(0.0), "its own score is still shown"


def test_engine_agrees_with_composite_weights_for_both_variants():
    spec = _spec(DEFAULT_SYSTEM.read_text(encoding="utf-8"))
    system = compile_system(spec)
    rng = np.random.default_rng(7)
    values = system.worst + (system.best - system.worst) * rng.uniform(-0.2, 1.2, len(system.leaf_codes))
    attributes = [{"has_pipeline_gas": True}, {"has_pipeline_gas": False}]
    result = evaluate(system, np.stack([values, values])[:, None, :], regions=["gas", "no-gas"],
                      periods=["p"], attributes=attributes)
    scores = dtf(values, system.best, system.worst, system.power)
    leaf_scores = dict(zip(system.leaf_codes, scores, strict=True))
    for r, attrs in enumerate(attributes):
        shares = composite_weights(spec, attrs)
        expected = sum(share * leaf_scores[code] for code, share in shares.items() if code in leaf_scores)
        assert result.nodes.score[r, 0, 0] == pytest.approx(expected, rel=1e-12)
    assert "getting_gas" not in composite_weights(spec, {"has_pipeline_gas": False})


def test_a_region_without_pipeline_gas_keeps_its_gas_score_but_is_not_ranked_on_gas():
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    values = np.stack([system.best, system.worst, (system.best + system.worst) / 2])[:, None, :]
    result = evaluate(system, values, regions=["有气甲", "无气", "有气乙"], periods=["p"],
                      attributes=[{"has_pipeline_gas": True}, {"has_pipeline_gas": False},
                                  {"has_pipeline_gas": True}])
    gas = system.node_index["getting_gas"]
    gas_leaf = next(i for i, code in enumerate(system.codes) if code.startswith("getting_gas."))
    assert result.score_of("无气", "getting_gas", "p") == pytest.approx(0.0), "its own score is still shown"
    assert result.ranks[:, 0, gas].tolist() == [1, 0, 2], "ranked among the regions that have gas only"
    assert result.ranks[:, 0, gas_leaf].tolist() == [1, 0, 2], "nor on anything under gas"
    assert result.ranks[:, 0, 0].tolist() == [1, 3, 2]
    assert result.counted[:, gas].tolist() == [True, False, True]


def test_optional_indicators_are_excluded_unless_included():
    _system, excluded = _default_at({"trading_across_borders": "worst"}, attributes={})
    _system, included = _default_at({"trading_across_borders": "worst"}, attributes={}, include_optional=True)
    assert excluded.score_of("r", TOTAL, "p") == pytest.approx(100.0)
    assert included.score_of("r", TOTAL, "p") == pytest.approx(100 * 100 / 104)
    assert excluded.score_of("r", "trading_across_borders", "p") == pytest.approx(0.0)


def test_an_optional_leaf_is_scored_but_not_aggregated():
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    values = system.best.copy()
    values[system.leaf_index["getting_credit.bureau_coverage"]] = 0.0
    result = evaluate(system, values[None, None, :], regions=["r"], periods=["p"])
    assert result.score_of("r", "getting_credit.bureau_coverage", "p") == 0.0
    assert result.score_of("r", "getting_credit", "p") == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("scores", "tolerance", "expected"),
    [
        ([90, 90, 85], 1e-6, [1, 1, 3]),
        ([85, 90, 90], 1e-6, [3, 1, 1]),
        ([90, 89.9999995, 85], 1e-6, [1, 1, 3]),
        ([90, 89.99, 85], 1e-6, [1, 2, 3]),
        ([90, 89.99, 85], 0.02, [1, 1, 3]),
        ([90, 89.99, 89.98], 0.015, [1, 1, 3]),  # measured from the group's top score, not a neighbour
        ([math.nan, 80, 90], 1e-6, [0, 2, 1]),
        ([70, 70, 70], 0, [1, 1, 1]),
    ],
)
def test_ranks_share_ties_within_tolerance(scores, tolerance, expected):
    assert rank(np.array(scores, dtype=float), tolerance=tolerance).tolist() == expected


def test_ranks_are_per_indicator_and_period():
    scores = np.array([[[10.0, 1.0], [5.0, 5.0]], [[20.0, 0.0], [5.0, 6.0]]])  # (region, period, node)
    ranks = rank(scores)
    assert ranks[:, 0, 0].tolist() == [2, 1]
    assert ranks[:, 0, 1].tolist() == [1, 2]
    assert ranks[:, 1, 0].tolist() == [1, 1]
    assert ranks[:, 1, 1].tolist() == [2, 1]


def test_ranking_leaves_the_scores_untouched():
    scores = np.array([[3.0], [1.0]])
    rank(scores)
    assert scores.tolist() == [[3.0], [1.0]]


def test_a_negative_tolerance_is_refused():
    with pytest.raises(ScoringError):
        rank(np.array([1.0, 2.0]), tolerance=-1)


@pytest.mark.parametrize(
    ("score", "band"),
    [(100, "优秀"), (90, "优秀"), (89.99, "良好"), (80, "良好"), (79.5, "一般"), (60, "一般"), (59.9, "较差"),
     (0, "较差"), (math.nan, None)],
)
def test_default_bands(score, band):
    index = DEFAULT_BANDS.index(np.array([score]))[0]
    assert (DEFAULT_BANDS.labels[index] if index >= 0 else None) == band


def test_configured_bands():
    bands = parse_bands("红榜:85，黑榜以上:50,黑榜")
    labels = [bands.labels[i] for i in bands.index(np.array([90.0, 85.0, 60.0, 10.0]))]
    assert labels == ["红榜", "红榜", "黑榜以上", "黑榜"]


@pytest.mark.parametrize("text", ["优秀:90", "优秀:九十,较差", "一般:60,优秀:90,较差", "优秀:90,较差:0"])
def test_malformed_bands_are_refused(text):
    with pytest.raises(ScoringError):
        parse_bands(text)


def test_a_leaf_without_frontier_cannot_be_compiled():
    spec = _spec(SMALL_SYSTEM.replace("        best: 0\n", "", 1))
    with pytest.raises(ScoringError, match="A.1"):
        compile_system(spec)


# ------------------------------------------------------------------------------------------------- CLI

OBS = """region,indicator,period,value
东城区,A.1,2025-01,5
东城区,A.2,2025-01,80
东城区,B,2025-01,10
北山县,A.1,2025-01,No Practice
北山县,A.2,2025-01,N/A
北山县,B,2025-01,
东城区,A.1,2025-02,2
"""


@pytest.fixture
def files(tmp_path):
    system = tmp_path / "system.yaml"
    system.write_text(SMALL_SYSTEM, encoding="utf-8")
    observations = tmp_path / "obs.csv"
    observations.write_text(OBS, encoding="utf-8")
    return tmp_path, system, observations


def _run(tmp_path, system, observations, *extra):
    out = tmp_path / "scores.csv"
    code = main(["evaluate", "--system", str(system), "--observations", str(observations), "--out", str(out),
                 *extra])
    return code, out


def _read_scores(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["region"], r["indicator"], r["period"]): r for r in csv.DictReader(handle)}


def test_evaluate_writes_every_node_for_every_region_and_period(files, capsys):
    tmp_path, system, observations = files
    code, out = _run(tmp_path, system, observations)
    assert code == 0, capsys.readouterr().err
    rows = _read_scores(out)
    assert len(rows) == 2 * 2 * 5
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == \
        "region,indicator,period,score,rank,completeness,band,status"
    east = rows[("东城区", TOTAL, "2025-01")]
    assert float(east["score"]) == pytest.approx((3 * 72.5 + 100) / 4)
    assert (east["rank"], east["completeness"], east["band"], east["status"]) == ("1", "1", "一般", "ok")
    north_a = rows[("北山县", "A", "2025-01")]
    assert north_a["score"] == "0" and north_a["rank"] == "2" and north_a["band"] == "较差"
    north_b = rows[("北山县", "B", "2025-01")]
    north_b_fields = (north_b["score"], north_b["rank"], north_b["completeness"], north_b["status"])
    assert north_b_fields == ("", "", "0", "missing")
    assert rows[("北山县", "A.2", "2025-01")]["status"] == "not_applicable"
    assert rows[("北山县", TOTAL, "2025-01")]["completeness"] == "0.75"
    february = rows[("东城区", "A", "2025-02")]
    assert float(february["score"]) == pytest.approx(80.0) and february["completeness"] == "0.25"
    assert rows[("北山县", TOTAL, "2025-02")]["status"] == "missing"


def test_evaluate_applies_region_variants_from_regions_csv(tmp_path, capsys):
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    lines = ["region,indicator,period,value"]
    for region in ("有气县", "无气县"):
        for position, code in enumerate(system.leaf_codes):
            if region == "无气县" and code.startswith("getting_gas."):
                continue
            at_worst = code.startswith("getting_electricity.")
            value = system.worst[position] if at_worst else system.best[position]
            lines.append(f"{region},{code},2025,{value}")
    observations = tmp_path / "obs.csv"
    observations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    regions = tmp_path / "regions.csv"
    regions.write_text("region,has_pipeline_gas,population\n有气县,是,120000\n无气县,false,80000\n",
                       encoding="utf-8")
    code, out = _run(tmp_path, DEFAULT_SYSTEM, observations, "--regions", str(regions))
    assert code == 0, capsys.readouterr().err
    rows = _read_scores(out)
    assert float(rows[("有气县", TOTAL, "2025")]["score"]) == pytest.approx(95.0)
    assert float(rows[("无气县", TOTAL, "2025")]["score"]) == pytest.approx(93.0)
    assert rows[("无气县", "getting_gas", "2025")]["status"] == "missing"
    assert rows[("无气县", TOTAL, "2025")]["completeness"] == "1", "gas data is not expected there"
    assert rows[("有气县", TOTAL, "2025")]["rank"] == "1"


def test_evaluate_without_regions_says_variants_are_not_applied(tmp_path, capsys):
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    observations = tmp_path / "obs.csv"
    observations.write_text(f"region,indicator,period,value\n甲,{system.leaf_codes[0]},2025,1\n",
                            encoding="utf-8")
    code, _out = _run(tmp_path, DEFAULT_SYSTEM, observations)
    assert code == 0
    assert "has_pipeline_gas" in capsys.readouterr().err


def test_include_optional_flag(tmp_path, capsys):
    system = compile_system(_spec(DEFAULT_SYSTEM.read_text(encoding="utf-8")))
    lines = ["region,indicator,period,value"]
    for position, code in enumerate(system.leaf_codes):
        worst = code.startswith("trading_across_borders.")
        lines.append(f"甲,{code},2025,{system.worst[position] if worst else system.best[position]}")
    observations = tmp_path / "obs.csv"
    observations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    regions = tmp_path / "regions.csv"
    regions.write_text("region,has_pipeline_gas\n甲,true\n", encoding="utf-8")
    _code, out = _run(tmp_path, DEFAULT_SYSTEM, observations, "--regions", str(regions))
    assert float(_read_scores(out)[("甲", TOTAL, "2025")]["score"]) == pytest.approx(100.0)
    _code, out = _run(tmp_path, DEFAULT_SYSTEM, observations, "--regions", str(regions), "--include-optional")
    assert float(_read_scores(out)[("甲", TOTAL, "2025")]["score"]) == pytest.approx(100 * 100 / 104)


def test_evaluate_missing_policy_and_bands_options(files, capsys):
    tmp_path, system, observations = files
    code, out = _run(tmp_path, system, observations, "--missing", "zero", "--bands", "红榜:70,黑榜")
    assert code == 0, capsys.readouterr().err
    rows = _read_scores(out)
    assert rows[("北山县", "B", "2025-01")]["score"] == "0"
    assert rows[("东城区", TOTAL, "2025-01")]["band"] == "红榜"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("region,indicator,period,value\n甲,A.1,2025,5\n甲,X.9,2025,1\n",
         ["第 3 行", "字段 indicator", "未知的指标编码“X.9”"]),
        ("region,indicator,period,value\n甲,A.1,2025,5\n甲,B,2025,五\n",
         ["第 3 行", "字段 value", "取值“五”不是数字"]),
        ("region,indicator,period,value\n甲,A.1,2025,inf\n", ["第 2 行", "字段 value"]),
        ("region,indicator,value\n甲,A.1,5\n", ["第 1 行", "缺少列：period"]),
        ("region,indicator,period,value\n甲,A,2025,5\n", ["第 2 行", "字段 indicator", "不是末级指标"]),
        ("region,indicator,period,value\n甲,TOTAL,2025,5\n", ["第 2 行", "综合得分"]),
        ("region,indicator,period,value\n甲,B,2025,5\n甲,B,2025,6\n", ["第 3 行", "重复", "第 2 行已填"]),
        ("region,indicator,period,value\n,B,2025,5\n", ["第 2 行", "字段 region", "不能为空"]),
        ("region,indicator,period,value\n", ["没有任何观测值"]),
    ],
)
def test_evaluate_refuses_bad_observations_and_writes_nothing(files, capsys, content, expected):
    tmp_path, system, observations = files
    observations.write_text(content, encoding="utf-8")
    code, out = _run(tmp_path, system, observations)
    err = capsys.readouterr().err
    assert code == 1
    assert not out.exists()
    assert "未写出任何结果" in err
    for fragment in expected:
        assert fragment in err


def test_a_failed_run_keeps_the_previous_output(files, capsys):
    tmp_path, system, observations = files
    out = tmp_path / "scores.csv"
    out.write_text("previous", encoding="utf-8")
    observations.write_text("region,indicator,period,value\n甲,B,2025,x\n", encoding="utf-8")
    code, _out = _run(tmp_path, system, observations)
    assert code == 1
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("region,has_pipeline_gas\n东城区,true\n", ["北山县", "地区属性文件中没有"]),
        ("region,has_pipeline_gas\n东城区,true\n东城区,false\n北山县,true\n",
         ["第 3 行", "字段 region", "重复"]),
        ("has_pipeline_gas\ntrue\n", ["第 1 行", "缺少列：region"]),
    ],
)
def test_evaluate_refuses_bad_regions_files(files, capsys, content, expected):
    tmp_path, system, observations = files
    regions = tmp_path / "regions.csv"
    regions.write_text(content, encoding="utf-8")
    code, out = _run(tmp_path, system, observations, "--regions", str(regions))
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    for fragment in expected:
        assert fragment in err


def test_evaluate_refuses_an_invalid_system_file(files, capsys):
    tmp_path, system, observations = files
    system.write_text(SMALL_SYSTEM.replace("worst: 10", "worst: 0"), encoding="utf-8")
    code, out = _run(tmp_path, system, observations)
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "最佳值与最差值不能相等" in err


def test_evaluate_reports_a_missing_input_file(files, capsys):
    tmp_path, system, _observations = files
    code, out = _run(tmp_path, system, tmp_path / "nope.csv")
    assert code == 1 and not out.exists()
    assert "找不到观测值文件" in capsys.readouterr().err


def test_evaluate_reads_gb18030_files_saved_by_excel(files, capsys):
    tmp_path, system, observations = files
    observations.write_bytes(OBS.encode("gb18030"))
    code, out = _run(tmp_path, system, observations)
    assert code == 0, capsys.readouterr().err
    assert ("北山县", TOTAL, "2025-01") in _read_scores(out)


def test_evaluate_needs_no_database(files):
    tmp_path, system, observations = files
    data_dir = tmp_path / "data"
    script = (
        "import sys\n"
        "from bizenv.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "import django.apps\n"
        "assert not django.apps.apps.ready, 'Django was set up'\n"
        "raise SystemExit(code)\n"
    )
    env = {**os.environ, "BIZENV_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", script, "evaluate", "--system", str(system),
         "--observations", str(observations), "--out", str(tmp_path / "scores.csv")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scores.csv").exists()
    assert not data_dir.exists(), "the data directory (and its database) must not be created"
