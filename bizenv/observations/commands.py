"""`bizenv import observations FILE [--dry-run]` and `bizenv observations export|flag-outliers|rounds`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bizenv.core.commands import input_file, migrate

EXPORT_COLUMNS = ["system", "region", "indicator", "period", "value", "source", "status", "version",
                  "region_name", "indicator_name", "unit", "record_count", "is_outlier"]


def print_summary(batch, *, dry_run: bool, out=None, limit: int = 200) -> None:
    """The import summary as the command line and the docs show it."""
    out = out or sys.stdout
    title = "预检结果（未保存任何数据）" if dry_run else f"导入结果（导入批次 #{batch.pk}，{batch.get_status_display()}）"
    print(f"{batch.filename}：{title}", file=out)
    if batch.fatal_error:
        print(f"  错误：{batch.fatal_error}", file=out)
        return
    print(f"  文件行数 {batch.rows_total} = 新增 {batch.rows_created} + 更新 {batch.rows_updated} + "
          f"未变 {batch.rows_unchanged} + 拒绝 {batch.rows_rejected}", file=out)
    if batch.rejections:
        print("  拒绝的行：", file=out)
        for r in batch.rejections[:limit]:
            print(f"    第 {r['row']} 行  [{r['field']}]  {r['message']}", file=out)
        if len(batch.rejections) > limit:
            print(f"    ……另有 {len(batch.rejections) - limit} 行未列出", file=out)


def cmd_import(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.observations import services

    path = input_file(args.file)
    if path is None:
        return 2
    batch = services.observation_import_preview(actor=None, filename=path.name, content=path.read_bytes())
    if batch.fatal_error:
        print_summary(batch, dry_run=True, out=sys.stderr)
        return 1
    if args.dry_run:
        services.observation_import_cancel(actor=None, batch=batch)
        print_summary(batch, dry_run=True)
        return 1 if batch.rows_rejected else 0
    try:
        batch = services.observation_import_commit(actor=None, batch=batch)
    except ApplicationError as exc:
        print(f"导入失败，未保存任何数据：{exc.message}", file=sys.stderr)
        return 1
    print_summary(batch, dry_run=False)
    saved = batch.rows_created + batch.rows_updated + batch.rows_unchanged
    return 1 if saved == 0 else 0


def cmd_export(args, *, setup) -> int:
    setup()
    from bizenv.core.exports import csv_write
    from bizenv.observations.selectors import observation_export_rows

    rows = observation_export_rows(user=None, system_code=args.system or "", period=args.period or "")
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    csv_write(target, EXPORT_COLUMNS, rows)
    print(f"已导出 {len(rows)} 条指标值到 {target}")
    return 0


def cmd_flag(args, *, setup) -> int:
    setup()
    from bizenv.core.errors import ApplicationError
    from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, version_find
    from bizenv.observations import services

    version = version_find(system_code=args.system or DEFAULT_SYSTEM_CODE, version=args.version)
    if version is None:
        print(f"指标体系“{args.system}”不存在。", file=sys.stderr)
        return 2
    try:
        result = services.observation_flag_outliers(actor=None, system_version=version, period=args.period)
    except ApplicationError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"{result['period']}：检查 {result['checked']} 个指标值，疑似异常 {result['flagged']} 个，"
          f"标记变化 {result['changed']} 个。")
    for flag in result["flags"]:
        print(f"  {flag['region']} · {flag['indicator']}：{flag['explanation']}")
    return 0


def cmd_rounds(args, *, setup) -> int:
    setup()
    from bizenv.observations import selectors

    rounds = list(selectors.round_list())
    if not rounds:
        print("尚无填报批次。")
    for rnd in rounds:
        done = selectors.round_completeness(user=None, reporting_round=rnd)
        state = "开放" if rnd.is_open else "已关闭"
        late = "，已逾期" if done.is_overdue and done.total.done < done.total.owed else ""
        print(f"#{rnd.pk}  {rnd.system_version}  {rnd.period}  {rnd.name}  截止 {rnd.deadline:%Y-%m-%d}  {state}  "
              f"完成 {done.total.done}/{done.total.owed}（{done.total.rate}%）{late}")
    return 0


def register(subparsers: argparse._SubParsersAction, *, setup, imports: argparse._SubParsersAction) -> None:
    p = imports.add_parser(
        "observations", help="导入指标值（填报模板 .xlsx 或 CSV：system,region,indicator,period,value）")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="只预检并打印结果，不保存；有拒绝行时以非零状态退出")
    p.set_defaults(func=lambda a: cmd_import(a, setup=setup))

    p = subparsers.add_parser("observations", help="指标值：导出、异常值检测、填报批次")
    sub = p.add_subparsers(dest="observations_command", required=True, metavar="ACTION")
    e = sub.add_parser("export", help="导出指标值为 CSV")
    e.add_argument("--out", required=True, metavar="FILE.csv")
    e.add_argument("--system", help="只导出该指标体系（编码）")
    e.add_argument("--period", help="只导出该时期，例如 2026-09、2026-Q3、2026")
    e.set_defaults(func=lambda a: cmd_export(a, setup=setup))
    f = sub.add_parser("flag-outliers", help="按稳健 z 分数标记某一时期的疑似异常值")
    f.add_argument("--period", required=True)
    f.add_argument("--system", help="指标体系编码（默认为平台默认体系）")
    f.add_argument("--version")
    f.set_defaults(func=lambda a: cmd_flag(a, setup=setup))
    r = sub.add_parser("rounds", help="列出填报批次及完成情况")
    r.set_defaults(func=lambda a: cmd_rounds(a, setup=setup))
