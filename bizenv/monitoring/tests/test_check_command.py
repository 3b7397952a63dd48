import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bizenv.cli import main
from bizenv.monitoring.check_commands import WARNING_COLUMNS

REPO = Path(__file__).resolve().parents[3]

SYSTEM = """
code: T
name: 测试体系
indicators:
  - code: A
    name: 办理破产
    weight: 3
    children:
      - {code: A.1, name: 收回债务所需的时间, weight: 1, unit: 年, direction: lower_better, best: 0, worst: 10}
      - {code: A.2, name: 债务回收率, weight: 3, unit: "%", direction: higher_better, best: 100, worst: 0}
  - {code: B, name: 政务服务, weight: 1, unit: 分, direction: higher_better, best: 10, worst: 0}
"""

OBS = """region,indicator,period,value
东城区,A.1,2025-01,1
东城区,A.2,2025-01,80
东城区,B,2025-01,9
北山县,A.1,2025-01,6
北山县,A.2,2025-01,N/A
北山县,B,2025-01,3
南河区,A.1,2025-01,2
南河区,A.2,2025-01,60
南河区,B,2025-01,No Practice
东城区,A.1,2025-02,1.5
东城区,A.2,2025-02,85
东城区,B,2025-02,9
北山县,A.1,2025-02,7
北山县,A.2,2025-02,30
北山县,B,2025-02,4
"""

RULES = """
rules:
  - code: T1
    kind: threshold
    severity: 红
    indicators: [A.1]
    line: 4
  - code: BR
    kind: bottom_rank
    severity: orange
    level: 1
    n: 1
  - code: LB
    kind: lag_best
    severity: yellow
    indicator: TOTAL
    gap: 10
  - code: OV
    kind: overdue
    severity: yellow
    limit: 0.05
"""


def monitoring_check(argv: list[str]) -> int:
    """`bizenv monitoring check …` as the command line runs it."""
    return main(["monitoring", *argv])


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("system.yaml", SYSTEM), ("obs.csv", OBS), ("rules.yaml", RULES)):
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    paths["out"] = tmp_path / "warnings.csv"
    return paths


def _check(files, *extra) -> int:
    return monitoring_check(["check", "--system", str(files["system.yaml"]), "--observations", str(files["obs.csv"]),
                             "--rules", str(files["rules.yaml"]), "--out", str(files["out"]), *extra])


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_check_writes_one_row_per_warning(files, capsys):
    assert _check(files) == 0, capsys.readouterr().err
    raw = files["out"].read_bytes()
    assert raw.startswith("\ufeff".encode()), "UTF-8 with BOM, for Excel"
    assert raw.decode("utf-8-sig").splitlines()[0] == ",".join(WARNING_COLUMNS)
    rows = [(r["rule"], r["region"], r["indicator"], r["period"], r["value"], r["reference"], r["severity"])
            for r in _rows(files["out"])]
    # A scores: 东城区 (90 + 3 × 80)/4 = 82.5, 北山县 40 (A.2 is N/A), 南河区 (80 + 3 × 60)/4 = 65;
    # B: 90, 30, 0 (No Practice); TOTAL = (3A + B)/4: 84.375, 37.5, 48.75.
    # February: A 东城区 (85 + 3 × 85)/4 = 85, 北山县 (30 + 3 × 30)/4 = 30; B 90 and 40; TOTAL 86.25 and 32.5.
    assert rows == [
        ("T1", "北山县", "A.1", "2025-01", "6", "4", "red"),
        ("BR", "北山县", "A", "2025-01", "3", "2", "orange"),
        ("BR", "南河区", "B", "2025-01", "3", "2", "orange"),
        ("LB", "北山县", "TOTAL", "2025-01", "37.5", "84.375", "yellow"),
        ("LB", "南河区", "TOTAL", "2025-01", "48.75", "84.375", "yellow"),
        ("T1", "北山县", "A.1", "2025-02", "7", "4", "red"),
        # 南河区 has no February values: two regions ranked, so the last one is 2 > 2 − 1
        ("BR", "北山县", "A", "2025-02", "2", "1", "orange"),
        ("BR", "北山县", "B", "2025-02", "2", "1", "orange"),
        ("LB", "北山县", "TOTAL", "2025-02", "32.5", "86.25", "yellow"),
    ]
    explanation = _rows(files["out"])[0]["explanation"]
    assert explanation.startswith("“收回债务所需的时间”属于一级指标“办理破产”，2025年1月各地区平均值为3年")
    captured = capsys.readouterr()
    assert "已写出" in captured.out and "9 条预警" in captured.out
    assert "规则 OV（办件超期）" in captured.err and "跳过" in captured.err


def test_scores_in_warnings_equal_those_bizenv_evaluate_writes(files, tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    assert main(["evaluate", "--system", str(files["system.yaml"]), "--observations", str(files["obs.csv"]),
                 "--out", str(scores)]) == 0
    assert _check(files) == 0, capsys.readouterr().err
    written = {(r["region"], r["indicator"], r["period"]): r for r in _rows(scores)}
    lag = [r for r in _rows(files["out"]) if r["rule"] == "LB"]
    assert lag
    for row in lag:
        assert float(row["value"]) == pytest.approx(float(written[(row["region"], "TOTAL", row["period"])]["score"]),
                                                    abs=1e-6)
        best = max(float(r["score"]) for key, r in written.items()
                   if key[1:] == ("TOTAL", row["period"]) and r["score"])
        assert float(row["reference"]) == pytest.approx(best, abs=1e-6)
    for row in (r for r in _rows(files["out"]) if r["rule"] == "BR"):
        ranked = [r for key, r in written.items() if key[1:] == (row["indicator"], row["period"]) and r["rank"]]
        assert row["value"] == written[(row["region"], row["indicator"], row["period"])]["rank"]
        assert int(row["reference"]) == len(ranked) - 1


def test_numbers_read_back_exactly(files, capsys):
    files["rules.yaml"].write_text("rules:\n  - {code: LB, kind: lag_best, severity: red, level: 0, gap: 0}\n",
                                   encoding="utf-8")
    files["obs.csv"].write_text("region,indicator,period,value\n甲,B,2025,3.3333333333333335\n乙,B,2025,10\n",
                                encoding="utf-8")
    assert _check(files) == 0, capsys.readouterr().err
    [row] = _rows(files["out"])
    # TOTAL = B's score = 100 × (worst − v)/(worst − best), which the CSV keeps to the last bit
    assert float(row["value"]) == (0 - 3.3333333333333335) / (0 - 10) * 100
    assert row["reference"] == "100"


def test_benchmarks_file_and_its_default(files, tmp_path, capsys):
    files["rules.yaml"].write_text("rules:\n  - {code: M, kind: lag_benchmark, severity: red, level: leaves, "
                                   "ratio: 0.5}\n", encoding="utf-8")
    assert _check(files) == 0
    default = {(r["region"], r["indicator"], r["period"]) for r in _rows(files["out"])}
    # without BENCH.csv each leaf's best is the benchmark; A.1's best is 0, from which no relative distance
    # can be measured, so A.1 is not compared; A.2 and B are
    assert not any(indicator == "A.1" for _region, indicator, _period in default)
    assert ("北山县", "A.2", "2025-02") in default
    bench = tmp_path / "bench.csv"
    bench.write_text("indicator,value,cities\nA.1,1.5,芬兰\n", encoding="utf-8")
    assert _check(files, "--benchmarks", str(bench)) == 0, capsys.readouterr().err
    rows = _rows(files["out"])
    # bound 1.5 × 1.5 = 2.25: only 北山县 (6 and 7) lags; A.2 and B have no benchmark now
    assert [(r["region"], r["indicator"], r["period"], r["reference"]) for r in rows] == [
        ("北山县", "A.1", "2025-01", "2.25"), ("北山县", "A.1", "2025-02", "2.25")]
    assert "芬兰" in rows[0]["explanation"]


def test_region_groups_come_from_the_group_column(files, tmp_path, capsys):
    regions = tmp_path / "regions.csv"
    regions.write_text("region,group\n东城区,城区\n北山县,县\n南河区,城区\n", encoding="utf-8")
    files["rules.yaml"].write_text("rules:\n  - {code: T, kind: threshold, severity: red, indicators: [A.1], "
                                   "line: 0, regions: [城区]}\n", encoding="utf-8")
    assert _check(files, "--regions", str(regions)) == 0, capsys.readouterr().err
    assert {r["region"] for r in _rows(files["out"])} == {"东城区", "南河区"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("{code: X, kind: trend, severity: red}", ["规则 X", "字段 kind", "未知的规则类型“trend”"]),
        ("{code: X, kind: threshold, severity: red, indicators: [Z.9], line: 1}",
         ["规则 X", "字段 indicators", "未知的指标编码“Z.9”"]),
        ("{code: X, kind: bottom_rank, severity: red, level: 7, n: 1}", ["规则 X", "字段 level", "没有第 7 层"]),
        ("{code: X, kind: bottom_rank, severity: red, level: 1, n: -1}", ["规则 X", "字段 n"]),
        ("{code: X, kind: lag_best, severity: red, gap: 1, regions: [城区]}", ["规则 X", "字段 regions"]),
    ],
)
def test_a_bad_rule_file_writes_nothing(files, capsys, rule, expected):
    files["rules.yaml"].write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    files["out"].write_text("previous", encoding="utf-8")
    assert _check(files) == 1
    err = capsys.readouterr().err
    assert "预警规则文件" in err and "未写出任何结果" in err
    assert any(all(fragment in line for fragment in expected) for line in err.splitlines()), err
    assert files["out"].read_text(encoding="utf-8") == "previous"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("obs.csv", "region,indicator,period,value\n甲,Z,2025,1\n", "未知的指标编码“Z”"),
        ("rules.yaml", "rules:\n  - code: X\n    kind: [threshold\n", "YAML 语法错误"),
        ("system.yaml", "code: T\n", "指标体系文件"),
    ],
)
def test_bad_inputs_are_refused(files, capsys, name, content, expected):
    files[name].write_text(content, encoding="utf-8")
    assert _check(files) == 1
    assert expected in capsys.readouterr().err
    assert not files["out"].exists()


def test_bad_benchmarks_are_refused(files, tmp_path, capsys):
    bench = tmp_path / "bench.csv"
    bench.write_text("indicator,value\nA,1\nA.1,快\n", encoding="utf-8")
    assert _check(files, "--benchmarks", str(bench)) == 1
    err = capsys.readouterr().err
    assert "第 2 行，字段 indicator：指标“A”不是末级指标" in err and "第 3 行，字段 value" in err
    assert not files["out"].exists()


def test_a_missing_rules_file_is_named(files, tmp_path, capsys):
    files["rules.yaml"] = tmp_path / "none.yaml"
    assert _check(files) == 1
    assert "找不到预警规则文件" in capsys.readouterr().err


def test_check_needs_no_database(files, tmp_path):
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
        [sys.executable, "-c", script, "monitoring", "check", "--system", str(files["system.yaml"]),
         "--observations", str(files["obs.csv"]), "--rules", str(files["rules.yaml"]), "--out", str(files["out"])],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert files["out"].exists()
    assert not data_dir.exists(), "the data directory (and its database) must not be created"
