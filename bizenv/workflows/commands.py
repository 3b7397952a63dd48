"""`bizenv workitems import | stats`: the annual plan or an existing ledger into work items, and the on-time
completion (按期完成率) by department or region as CSV."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

STATS_HEADER = ("unit", "due", "on_time", "overdue", "rate")


def rate_cell(rate: float | None) -> str:
    """The rate as a decimal fraction (0.9875): whole numbers without a point, others in the shortest form that
    reads back exactly; empty when nothing is due."""
    if rate is None:
        return ""
    return str(int(rate)) if rate.is_integer() else repr(rate)


def cmd_import(args, *, setup) -> int:
    setup()
    from bizenv.core.commands import input_file, migrate, print_problems
    from bizenv.core.errors import ApplicationError
    from bizenv.workflows.plan_services import plan_import, plan_preview

    migrate()
    path = input_file(args.file)
    if path is None:
        return 1
    run = plan_preview if args.dry_run else plan_import
    try:
        result = run(actor=None, filename=path.name, content=path.read_bytes())
    except ApplicationError as exc:
        print_problems(exc.message, [str(d) for d in exc.details], out=sys.stderr)
        return 1
    if result.problems:
        print_problems(result.summary(), [str(p) for p in result.problems], out=sys.stderr)
        return 1
    print(result.summary())
    for line in result.lines:
        if args.dry_run and line.outcome == "create":
            when = f"，下发 {line.issued_on.isoformat()}" if line.issued_on else ""
            done = f"，办结 {line.approved_on.isoformat()}" if line.approved_on else ""
            print(f"  第 {line.row} 行 将新增 {line.code_text} {line.title} → {line.assignee}，完成时限 "
                  f"{line.deadline_text}{when}{done}")
    return 0


def cmd_stats(args, *, setup) -> int:
    setup()
    from bizenv.core import clock
    from bizenv.core.commands import migrate
    from bizenv.workflows import ledger, selectors
    from bizenv.workflows.models import WorkItem

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"--as-of 的日期“{args.as_of}”无效，应为 YYYY-MM-DD，如 2026-12-31。", file=sys.stderr)
        return 1
    migrate()
    as_of = as_of or clock.today()
    facts = selectors.item_facts(items=WorkItem.objects.all())
    tallies = ledger.ontime_rows(facts, as_of=as_of, by=args.by)
    out = Path(args.out)
    try:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(STATS_HEADER)
            for tally in tallies:
                writer.writerow((tally.key, tally.due, tally.on_time, tally.overdue, rate_cell(tally.rate)))
    except OSError as exc:
        print(f"无法写入 {args.out}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    due = sum(t.due for t in tallies)
    on_time = sum(t.on_time for t in tallies)
    by = {"department": "责任部门", "region": "责任地区"}[args.by]
    rate = f"，按期完成率 {on_time / due * 100:.1f}%" if due else ""
    print(f"已按{by}统计截至 {as_of.isoformat()} 的按期完成情况：{len(tallies)} 个单位，应完成 {due} 项，"
          f"按期完成 {on_time} 项{rate}；写入 {args.out}")
    return 0


def register(subparsers, *, setup, imports) -> None:
    p = subparsers.add_parser("workitems", help="任务督办：导入年度工作任务或已有台账，统计按期完成率")
    sub = p.add_subparsers(dest="workitems_command", required=True, metavar="ACTION")
    i = sub.add_parser("import", help="导入年度工作任务模板（.xlsx）或台账 CSV（code,title,assignee,deadline,issued,"
                                      "approved）；全部通过才导入，重复导入不重复创建")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--dry-run", action="store_true", help="只预检并列出将新增的任务，不写入")
    i.set_defaults(func=lambda a: cmd_import(a, setup=setup))
    s = sub.add_parser("stats", help="按期完成率：按责任部门或地区输出 CSV（unit,due,on_time,overdue,rate）")
    s.add_argument("--by", required=True, choices=("department", "region"), help="按责任部门或责任地区统计")
    s.add_argument("--as-of", metavar="YYYY-MM-DD", help="统计截至的日期（含），默认今天")
    s.add_argument("--out", required=True, metavar="FILE.csv")
    s.set_defaults(func=lambda a: cmd_stats(a, setup=setup))
