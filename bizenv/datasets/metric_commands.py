"""`bizenv metrics …` sub-commands."""

from __future__ import annotations

import sys

from bizenv.core.commands import migrate


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
