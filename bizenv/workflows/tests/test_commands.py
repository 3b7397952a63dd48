"""`bizenv workitems import FILE [--dry-run]` and `bizenv workitems stats --by department|region`."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from bizenv.cli import main
from bizenv.core.models import AuditLog
from bizenv.workflows import selectors, stats
from bizenv.workflows.commands import rate_cell
from bizenv.workflows.models import ItemStatus, WorkItem
from bizenv.workflows.tests.world import *  # noqa: F403

LEDGER = ("code,title,assignee,deadline,issued,approved\n"
          "TZ-001,优化不动产登记流程,samr,2026-06-30,2026-03-02,2026-06-20\n"
          "TZ-002,推进水电气联合报装,power,2026-09-30,2026-04-01,2026-10-12\n"
          "TZ-003,清理涉企收费,990101,2026-11-15,2026-10-08,\n"
          "TZ-004,编制年度报告,990102,2026-12-31,2026-11-02,\n"
          "TZ-005,压缩办电时间,power,2026-08-31,2026-05-06,2026-08-31\n")


@pytest.fixture
def world(version, counties, office):
    return office


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_dry_run_lists_what_would_be_created_and_writes_nothing(world, tmp_path, capsys):
    path = write(tmp_path, "台账.csv", LEDGER)
    audits = AuditLog.objects.count()
    assert main(["workitems", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "预检 台账.csv（台账导入）：共 5 行，将新增 5 项任务，未变 0 项；尚未保存。" in out
    assert "第 2 行 将新增 TZ-001 优化不动产登记流程 → 市市场监管局，完成时限 2026-06-30，下发 2026-03-02，办结 2026-06-20" in out
    assert WorkItem.objects.count() == 0 and AuditLog.objects.count() == audits


def test_import_then_reimport_changes_nothing(world, tmp_path, capsys):
    path = write(tmp_path, "台账.csv", LEDGER)
    assert main(["workitems", "import", str(path)]) == 0
    assert "已导入 台账.csv（台账导入）：新增 5 项任务，未变 0 项。" in capsys.readouterr().out
    assert WorkItem.objects.filter(status=ItemStatus.APPROVED).count() == 3
    audits = AuditLog.objects.count()
    assert main(["workitems", "import", str(path)]) == 0
    assert "新增 0 项任务，未变 5 项" in capsys.readouterr().out
    assert WorkItem.objects.count() == 5 and AuditLog.objects.count() == audits


def test_bad_rows_exit_1_naming_row_field_and_reason_and_save_nothing(world, tmp_path, capsys):
    text = LEDGER + "TZ-006,新任务,nosuch,2026-12-20,2026-12-01,\nTZ-007,再一项,samr,明年,2026-12-01,\n"
    path = write(tmp_path, "bad.csv", text)
    for args in (["workitems", "import", str(path)], ["workitems", "import", str(path), "--dry-run"]):
        assert main(args) == 1
        err = capsys.readouterr().err
        assert "bad.csv：共 7 行，其中 2 行有错误（共 2 处），未导入任何任务。" in err
        assert "第 7 行，责任单位：“nosuch”不是已有部门或地区的编码或名称" in err
        assert "第 8 行，完成时限：应为日期" in err and "收到的是“明年”" in err
    assert WorkItem.objects.count() == 0


def test_unreadable_or_missing_files_exit_1(world, tmp_path, capsys):
    assert main(["workitems", "import", str(tmp_path / "none.csv")]) == 1
    assert "文件不存在" in capsys.readouterr().err
    path = write(tmp_path, "plan.xlsx", "not a workbook")
    assert main(["workitems", "import", str(path)]) == 1
    assert "文件“plan.xlsx”的内容是纯文本，不是 Excel 表格" in capsys.readouterr().err


def stats_file(tmp_path, *args) -> list[list[str]]:
    out = tmp_path / "stats.csv"
    assert main(["workitems", "stats", *args, "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def test_stats_by_department_and_region_at_today(world, tmp_path, capsys):
    main(["workitems", "import", str(write(tmp_path, "l.csv", LEDGER))])
    rows = stats_file(tmp_path, "--by", "department")
    assert rows == [["unit", "due", "on_time", "overdue", "rate"],
                    ["power", "2", "1", "1", "0.5"],
                    ["samr", "1", "1", "0", "1"]]
    assert "应完成 3 项，按期完成 2 项，按期完成率 66.7%" in capsys.readouterr().out
    assert stats_file(tmp_path, "--by", "region") == [["unit", "due", "on_time", "overdue", "rate"],
                                                      ["990101", "1", "0", "1", "0"],
                                                      ["990102", "0", "0", "0", ""]]


def test_stats_as_of_counts_only_what_was_due_and_known_then(world, tmp_path):
    main(["workitems", "import", str(write(tmp_path, "l.csv", LEDGER))])
    assert stats_file(tmp_path, "--by", "department", "--as-of", "2026-07-01")[1:] == [
        ["power", "0", "0", "0", ""], ["samr", "1", "1", "0", "1"]]
    # TZ-002 was approved on 10-12, after 2026-10-01: overdue then; TZ-005 approved on its deadline day
    assert stats_file(tmp_path, "--by", "department", "--as-of", "2026-10-01")[1:] == [
        ["power", "2", "1", "1", "0.5"], ["samr", "1", "1", "0", "1"]]


def test_the_csv_is_what_the_stats_module_counts(world, tmp_path, make_item, county_user):
    main(["workitems", "import", str(write(tmp_path, "l.csv", LEDGER))])
    make_item(assignee="990103", deadline=date(2026, 12, 10))
    rows = stats_file(tmp_path, "--by", "region", "--as-of", "2026-12-31")
    tallies = stats.ontime_stats(selectors.item_facts(items=WorkItem.objects.all()), as_of=date(2026, 12, 31),
                                 by="region")
    expected = sorted([[t.key, str(t.due), str(t.on_time), str(t.overdue), rate_cell(t.rate)] for t in tallies])
    assert rows[1:] == expected and len(expected) == 3


def test_a_bad_as_of_date_exits_1(world, tmp_path, capsys):
    assert main(["workitems", "stats", "--by", "region", "--as-of", "2026-13-01", "--out",
                 str(tmp_path / "x.csv")]) == 1
    assert "--as-of 的日期“2026-13-01”无效" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(("rate", "text"), [(None, ""), (1.0, "1"), (0.0, "0"), (0.9875, "0.9875"),
                                            (2 / 3, "0.6666666666666666")])
def test_the_rate_is_a_decimal_fraction(rate, text):
    assert rate_cell(rate) == text
