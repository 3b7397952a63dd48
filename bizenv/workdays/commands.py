"""`bizenv calendar …` sub-commands: a step's duration in working days, whether a day is a working day."""

from __future__ import annotations

import sys

from bizenv.core.commands import migrate


def cmd_calendar_duration(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.workdays.calendar import WorkCalendar

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
    from bizenv.workdays.calendar import WorkCalendar

    try:
        workday = WorkCalendar.load().is_workday(args.day)
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("工作日" if workday else "休息日")
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
