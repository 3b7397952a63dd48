"""`bizenv monitoring run | rules import | rules export | check` (check reads and writes files only)."""

from __future__ import annotations

import sys
from pathlib import Path


def cmd_run(args, *, setup) -> int:
    setup()
    from bizenv.core.errors import ApplicationError
    from bizenv.monitoring.services import monitoring_run

    try:
        summary = monitoring_run(actor=None, system_code=args.system or "", period=args.period or "")
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    for line in summary.lines():
        print(line)
    return 0


def cmd_rules_import(args, *, setup) -> int:
    setup()
    from bizenv.core.commands import input_file, print_problems
    from bizenv.core.errors import ApplicationError
    from bizenv.monitoring.rule_services import rules_import

    path = input_file(args.file)
    if path is None:
        print(f"找不到规则文件：{args.file}", file=sys.stderr)
        return 1
    try:
        summary = rules_import(actor=None, text=path.read_text(encoding="utf-8-sig"), system_code=args.system or "")
    except UnicodeDecodeError:
        print(f"规则文件 {args.file} 不是 UTF-8 编码的文本。", file=sys.stderr)
        return 1
    except ApplicationError as exc:
        print_problems(f"规则文件 {args.file} 未导入：{exc.message}", [str(d) for d in exc.details], out=sys.stderr)
        return 1
    print(f"已导入 {args.file}：新增 {summary.created} 条，修改 {summary.updated} 条，未变 {summary.unchanged} 条。")
    return 0


def cmd_rules_export(args, *, setup) -> int:
    setup()
    from bizenv.core.errors import ApplicationError
    from bizenv.monitoring.rule_services import rules_export

    try:
        text = rules_export(system_code=args.code)
    except ApplicationError as exc:
        print(exc, file=sys.stderr)
        return 1
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"已导出指标体系 {args.code} 的预警规则到 {args.out}")
    return 0


def register(subparsers, *, setup, imports) -> None:
    from bizenv.monitoring.check_commands import add_check_parser

    p = subparsers.add_parser("monitoring", help="监测预警：按规则检查、规则导入导出、只读写文件的检查")
    sub = p.add_subparsers(dest="monitoring_command", required=True, metavar="ACTION")
    r = sub.add_parser("run", help="按预警规则检查已审核的指标值，新开、延续或消除预警（重复执行不会重复预警）")
    r.add_argument("--period", help="时期，如 2026-10；省略则依次检查所有有已审核月度指标值的时期")
    r.add_argument("--system", help="指标体系编码，默认为默认体系")
    r.set_defaults(func=lambda a: cmd_run(a, setup=setup))
    rules = sub.add_parser("rules", help="预警规则的导入与导出（YAML）")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    i = rules_sub.add_parser("import", help="导入 YAML 预警规则（全部校验通过才保存；按规则编码新增或修改）")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--system", help="指标体系编码，默认为默认体系（规则属于其当前发布版本）")
    i.set_defaults(func=lambda a: cmd_rules_import(a, setup=setup))
    e = rules_sub.add_parser("export", help="导出一个指标体系当前版本的预警规则为 YAML")
    e.add_argument("code", metavar="CODE", help="指标体系编码，如 BIZENV-CN")
    e.add_argument("--out", required=True, metavar="FILE")
    e.set_defaults(func=lambda a: cmd_rules_export(a, setup=setup))
    add_check_parser(sub)
