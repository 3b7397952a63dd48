"""`bizenv calendar …` and `bizenv metrics …` sub-commands."""

from __future__ import annotations

import sys

from bizenv.core.commands import migrate


def cmd_calendar_duration(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets.calendar import WorkCalendar

    try:
        days = WorkCalendar.load().step_duration(args.start, args.end)
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{days:g}")
    return 0


def cmd_calendar_check(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets.calendar import WorkCalendar

    try:
        workday = WorkCalendar.load().is_workday(args.day)
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("工作日" if workday else "休息日")
    return 0


def cmd_metrics_load(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets.metric_services import metric_definitions_load_shipped

    try:
        summary = metric_definitions_load_shipped(actor=None)
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"内置指标口径已加载：{summary}。")
    return 0


def cmd_metrics_list(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.datasets.models import MetricDefinition

    definitions = MetricDefinition.objects.filter(is_active=True).order_by("code")
    if not definitions:
        print("尚无生效的指标口径。可用 `bizenv metrics load` 加载内置口径。")
    for d in definitions:
        print(f"{d.code:<60} v{d.version:<3} {d.dataset:<24} {d.name}")
    return 0


def cmd_metrics_run(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets.metric_services import metric_definitions_load_shipped, metric_run

    try:
        loaded = metric_definitions_load_shipped(actor=None)
        if loaded.created or loaded.new_versions:
            print(f"内置指标口径：{loaded}。", flush=True)
        outcome = metric_run(actor=None, engine=args.engine, periods=args.period or None,
                             progress=lambda msg: print(f"  · {msg}", flush=True))
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(outcome)
    for line in outcome.skipped[:20]:
        print(f"  跳过：{line}")
    if len(outcome.skipped) > 20:
        print(f"  ……其余 {len(outcome.skipped) - 20} 项见计算记录。")
    return 0


def register(subparsers, *, setup, imports) -> None:
    p = subparsers.add_parser("calendar", help="工作日历：按评价规则计算环节用时（最短 0.5 个工作日）、查询某日是否工作日")
    sub = p.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")
    s = sub.add_parser("duration", help="一个环节的用时（工作日）：当日办结 0.5，次一工作日办结 1，以此类推")
    s.add_argument("start", metavar="START", help="开始日期 YYYY-MM-DD（可带时间）")
    s.add_argument("end", metavar="END", help="结束日期 YYYY-MM-DD（可带时间）")
    s.set_defaults(func=lambda a: cmd_calendar_duration(a, setup=setup))
    s = sub.add_parser("check", help="某日是否工作日（含调休与管理员调整）")
    s.add_argument("day", metavar="DATE")
    s.set_defaults(func=lambda a: cmd_calendar_check(a, setup=setup))

    p = subparsers.add_parser("metrics", help="指标口径：加载内置口径、列出口径、按口径计算指标值")
    sub = p.add_subparsers(dest="metrics_command", required=True, metavar="ACTION")
    s = sub.add_parser("load", help="加载内置指标口径（可重复执行；口径变化时升版）")
    s.set_defaults(func=lambda a: cmd_metrics_load(a, setup=setup))
    s = sub.add_parser("list", help="列出生效的指标口径")
    s.set_defaults(func=lambda a: cmd_metrics_list(a, setup=setup))
    s = sub.add_parser("run", help="按生效口径从数据湖计算指标值和环节统计（相同输入重复执行不写入）")
    s.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="计算引擎（默认 duckdb）")
    s.add_argument("--period", action="append", metavar="YYYY-MM",
                   help="计算的时期（可重复；也可写 2026-Q1 或 2026）；默认数据湖中的全部月份")
    s.set_defaults(func=lambda a: cmd_metrics_run(a, setup=setup))
