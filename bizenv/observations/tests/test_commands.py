"""`bizenv import observations` and `bizenv observations export|flag-outliers|rounds`."""

from __future__ import annotations

import csv

from bizenv.cli import main
from bizenv.observations.models import ImportStatus, Observation, ObservationImport

GOOD = ("system,region,indicator,period,value\n"
        "OBS-TEST,990101,starting.time,2026-09,3.5\n"
        "OBS-TEST,西山县,starting.online,2026-09,N/A\n"
        "OBS-TEST,990103,survey.score,2025,No Practice\n"
        "OBS-TEST,990103,starting.online,2026-09,\n")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dry_run_prints_summary_and_saves_nothing(version, counties, tmp_path, capsys):
    path = write(tmp_path, "obs.csv", GOOD)
    assert main(["import", "observations", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "预检结果（未保存任何数据）" in out
    assert "文件行数 4 = 新增 3 + 更新 0 + 未变 1 + 拒绝 0" in out
    assert not Observation.objects.exists()
    assert ObservationImport.objects.get().status == ImportStatus.CANCELLED


def test_import_then_reimport_changes_nothing(version, counties, tmp_path, capsys):
    path = write(tmp_path, "obs.csv", GOOD)
    assert main(["import", "observations", str(path)]) == 0
    assert "新增 3" in capsys.readouterr().out
    assert main(["import", "observations", str(path)]) == 0
    assert "文件行数 4 = 新增 0 + 更新 0 + 未变 4 + 拒绝 0" in capsys.readouterr().out
    assert Observation.objects.count() == 3


def test_dry_run_with_rejections_exits_non_zero_and_lists_them(version, counties, tmp_path, capsys):
    path = write(tmp_path, "bad.csv", GOOD + "OBS-TEST,990101,starting.time,2026-08,abc\n")
    assert main(["import", "observations", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "拒绝 1" in out and "第 6 行  [数值]" in out and "不是数字" in out


def test_nothing_saved_exits_non_zero(version, counties, tmp_path, capsys):
    path = write(tmp_path, "bad.csv", "system,region,indicator,period,value\nOBS-TEST,000000,starting.time,2026-09,1\n")
    assert main(["import", "observations", str(path)]) == 1
    assert "区域“000000”不存在" in capsys.readouterr().out
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert main(["import", "observations", str(broken)]) == 1
    assert "不是有效的 Excel" in capsys.readouterr().err
    assert main(["import", "observations", str(tmp_path / "missing.csv")]) == 2
    assert not Observation.objects.exists()


def test_export_writes_the_documented_columns(version, counties, tmp_path, capsys):
    main(["import", "observations", str(write(tmp_path, "obs.csv", GOOD))])
    out = tmp_path / "out" / "obs.csv"
    assert main(["observations", "export", "--out", str(out), "--system", "OBS-TEST"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert list(rows[0])[:7] == ["system", "region", "indicator", "period", "value", "source", "status"]
    values = {(r["region"], r["indicator"], r["period"]): r["value"] for r in rows}
    assert values == {("990101", "starting.time", "2026-09"): "3.5",
                      ("990102", "starting.online", "2026-09"): "N/A",
                      ("990103", "survey.score", "2025"): "No Practice"}
    assert {r["source"] for r in rows} == {"import"} and {r["status"] for r in rows} == {"approved"}
    # the export imports back unchanged
    assert main(["import", "observations", str(out)]) == 0
    assert "未变 3" in capsys.readouterr().out
    assert main(["observations", "export", "--out", str(out), "--period", "2025"]) == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8-sig")))) == 1


def test_flag_outliers_and_rounds(version, counties, office, tmp_path, capsys):
    from bizenv.observations import services

    services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    assert main(["observations", "flag-outliers", "--system", "OBS-TEST", "--period", "2026-09"]) == 0
    assert "检查 0 个指标值" in capsys.readouterr().out
    assert main(["observations", "rounds"]) == 0
    assert "2026年9月数据填报" in capsys.readouterr().out
