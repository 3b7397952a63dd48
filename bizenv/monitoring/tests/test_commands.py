"""`bizenv monitoring run` and `bizenv monitoring rules import|export` against the database."""

from __future__ import annotations

import pytest
import yaml

from bizenv.cli import main
from bizenv.monitoring.models import Warning, WarningRule
from bizenv.monitoring.tests.world import *  # noqa: F403 — the shared fixtures
from bizenv.monitoring.tests.world import months

pytestmark = pytest.mark.django_db


def test_run_opens_the_warning_and_says_what_it_did_and_a_rerun_changes_nothing(fill, rules, capsys):
    fill(months("2025-01", "2026-06"), breach={"2026-06"})
    assert main(["monitoring", "run", "--period", "2026-06"]) == 0
    out = capsys.readouterr().out
    assert "监测时期：2026-06（1 期）" in out and "新开预警 1 条" in out
    assert main(["monitoring", "run", "--period", "2026-06"]) == 0
    assert "新开预警 0 条，延续更新 0 条" in capsys.readouterr().out
    assert Warning.objects.count() == 1


def test_run_of_a_month_without_values_is_refused_in_chinese(fill, rules, capsys):
    fill(months("2025-01", "2026-06"))
    assert main(["monitoring", "run", "--period", "2027-01"]) == 1
    assert "2027年1月 没有已审核的指标值" in capsys.readouterr().err


def test_rules_export_then_import_round_trips_and_a_bad_file_changes_nothing(rules, tmp_path, capsys):
    out = tmp_path / "rules.yaml"
    assert main(["monitoring", "rules", "export", "BIZENV-CN", "--out", str(out)]) == 0
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [r["code"] for r in exported["rules"]] == ["LINE"]
    exported["rules"][0]["line"] = 8
    out.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    assert main(["monitoring", "rules", "import", str(out)]) == 0
    assert "修改 1 条" in capsys.readouterr().out
    rule = WarningRule.objects.get(code="LINE")
    assert rule.params["line"] == 8 and rule.revision == 2

    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {code: LINE, kind: threshold, indicator: starting.time, line: 5, severity: red}\n"
                   "  - {code: NEG, kind: bottom_rank, level: 1, n: -2, severity: red}\n", encoding="utf-8")
    assert main(["monitoring", "rules", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "规则 NEG" in err and "字段 n" in err
    assert WarningRule.objects.get(code="LINE").params["line"] == 8  # nothing half-saved
    assert not WarningRule.objects.filter(code="NEG").exists()
