"""`bizenv import records …` and `bizenv sources …` sub-commands."""

from __future__ import annotations

import argparse
import sys

from bizenv.core.commands import input_file, migrate


def _print_batch(batch, *, dry_run: bool, limit: int = 20) -> None:
    from bizenv.datasets.catalog import DATASETS

    ds = DATASETS[batch.dataset]
    title = "预检（未入库）" if dry_run else f"批次 #{batch.pk}（{batch.get_status_display()}）"
    print(f"{ds.name}（{ds.code}）{title}")
    print(f"  总行数 {batch.rows_total}：入库 {batch.rows_accepted}，重复 {batch.rows_duplicate}，"
          f"隔离 {batch.rows_quarantined}")
    if batch.message:
        for line in batch.message.splitlines():
            print(f"  {line}")
    problems = getattr(batch, "problems", None)
    if problems is None:
        problems = [(q.row_number, r.get("field", ""), r.get("message", ""))
                    for q in batch.quarantined.all()[:limit] for r in q.reasons]
    else:
        problems = [(p.row_number, p.field, p.message) for p in problems]
    if problems:
        shown = "" if len(problems) <= limit else f"，以下为前 {limit} 处"
        print(f"  被拒绝的行（{len(problems)} 处问题{shown}）：")
        for row, field, message in problems[:limit]:
            print(f"    第 {row} 行  {field or '—'}  {message}")


def cmd_import_records(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets import services

    path = input_file(args.file)
    if path is None:
        return 2
    try:
        batch = services.records_file_ingest(actor=None, dataset=args.dataset, content=path.read_bytes(),
                                             filename=path.name, dry_run=args.dry_run)
    except ApplicationError as exc:
        print(str(exc), file=sys.stderr)
        print("未保存任何记录。", file=sys.stderr)
        return 1
    _print_batch(batch, dry_run=args.dry_run)
    if args.dry_run:
        return 1 if batch.rows_quarantined else 0
    if batch.rows_accepted == 0 and batch.rows_quarantined:
        print("没有可入库的记录。", file=sys.stderr)
        return 1
    return 0


def cmd_sources_list(args, *, setup) -> int:
    setup()
    from bizenv.datasets import selectors

    sources = list(selectors.source_list())
    if not sources:
        print("尚未登记数据源。")
    for s in sources:
        last = s.last_run_at.strftime("%Y-%m-%d %H:%M") if s.last_run_at else "从未"
        print(f"{s.code}  {s.name}  {s.get_kind_display()}  {'启用' if s.enabled else '停用'}  "
              f"数据集 {','.join(s.datasets)}  批次 {s.batch_count}  最近 {last}")
    return 0


def cmd_sources_pull(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.datasets import services
    from bizenv.datasets.models import SourceSystem

    source = SourceSystem.objects.filter(code=args.code).first()
    if source is None:
        print(f"数据源“{args.code}”不存在。", file=sys.stderr)
        return 2
    try:
        batch = services.source_pull_run(actor=None, source=source)
    except ApplicationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if batch is None:
        print(f"数据源“{source.name}”：{services.NOTHING_NEW}，未生成批次。")
        return 0
    _print_batch(batch, dry_run=False)
    return 0


def cmd_sources_schedule(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.datasets.services import source_schedules_sync

    print(f"已同步定时拉取任务：{source_schedules_sync()} 个数据源按计划拉取。")
    return 0


def register(subparsers: argparse._SubParsersAction, *, setup, imports: argparse._SubParsersAction) -> None:
    """Add `bizenv import records` and `bizenv sources …` to the top-level parser."""
    kinds = imports
    p = kinds.add_parser("records", help="导入原始办件记录（CSV / XLSX / Parquet / JSON Lines）到数据湖")
    p.add_argument("dataset", metavar="DATASET", help="数据集编码，如 business_registrations")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="只预检，不入库；有被拒绝的行时以非零状态退出")
    p.set_defaults(func=lambda args: cmd_import_records(args, setup=setup))

    p = subparsers.add_parser("sources", help="数据源（数据对接）")
    actions = p.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="列出数据源")
    a.set_defaults(func=lambda args: cmd_sources_list(args, setup=setup))
    a = actions.add_parser("pull", help="立即从拉取型数据源拉取一次")
    a.add_argument("code", metavar="CODE")
    a.set_defaults(func=lambda args: cmd_sources_pull(args, setup=setup))
    a = actions.add_parser("schedule", help="按数据源设置创建或更新定时拉取任务")
    a.set_defaults(func=lambda args: cmd_sources_schedule(args, setup=setup))
