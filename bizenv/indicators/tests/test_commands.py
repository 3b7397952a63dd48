import pytest

from bizenv.cli import main
from bizenv.indicators.models import IndicatorSystem, SystemVersion, VersionStatus
from bizenv.indicators.tests.conftest import FIXTURES


def test_import_list_export_round_trip(departments, tmp_path, capsys):
    assert main(["indicators", "import", str(FIXTURES / "small.yaml"), "--publish"]) == 0
    assert "已导入 TEST-SYS 版本 2026（已发布）" in capsys.readouterr().out

    assert main(["indicators", "list"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[0]
    assert line.startswith("TEST-SYS  2026  已发布  测试指标体系  3 个一级指标")

    out_yaml, out_xlsx = tmp_path / "out.yaml", tmp_path / "out.xlsx"
    assert main(["indicators", "export", "TEST-SYS", "--out", str(out_yaml)]) == 0
    assert main(["indicators", "export", "TEST-SYS", "--version", "2026", "--out", str(out_xlsx)]) == 0
    assert main(["indicators", "validate", str(out_yaml)]) == 0
    assert main(["indicators", "validate", str(out_xlsx)]) == 0
    assert "校验通过" in capsys.readouterr().out
    # Identical content for an existing version is a no-op.
    assert main(["indicators", "import", str(out_xlsx)]) == 0
    assert "未做任何修改" in capsys.readouterr().out
    assert SystemVersion.objects.count() == 1
    assert SystemVersion.objects.get().status == VersionStatus.PUBLISHED


def test_validate_and_import_report_problems_and_save_nothing(db, tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "code: X\nname: 测\nindicators:\n  - {code: A, name: 甲, weight: 0, best: 1, worst: 2}\n",
        encoding="utf-8",
    )

    assert main(["indicators", "validate", str(broken)]) == 1
    assert "第 4 行，字段 weight：权重必须是大于 0 的数字" in capsys.readouterr().err
    assert main(["indicators", "import", str(broken)]) == 1
    assert "未导入任何内容" in capsys.readouterr().err
    assert IndicatorSystem.objects.count() == 0


def test_export_of_unknown_system_fails(db, tmp_path, capsys):
    assert main(["indicators", "export", "NOPE", "--out", str(tmp_path / "x.yaml")]) == 1
    assert "指标体系 NOPE 没有任何版本" in capsys.readouterr().err
    assert main(["indicators", "export", "NOPE", "--out", str(tmp_path / "x.csv")]) == 2


def test_list_with_no_systems(db, capsys):
    assert main(["indicators", "list"]) == 0
    assert "尚无指标体系" in capsys.readouterr().out


@pytest.mark.parametrize("missing", ["validate", "import"])
def test_missing_file(db, missing, capsys):
    assert main(["indicators", missing, "/nonexistent/file.yaml"]) == 2
    assert "文件不存在" in capsys.readouterr().err
