"""`bizenv evaluation run` (score periods into stored runs) and `bizenv releases list|recompute`."""

from __future__ import annotations

import sys


def cmd_run(args, *, setup) -> int:
    setup()
    from bizenv.core.errors import ApplicationError
    from bizenv.evaluation import selectors, services
    from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, version_find

    version = version_find(system_code=args.system or DEFAULT_SYSTEM_CODE)
    if version is None:
        print(f"没有指标体系“{args.system or DEFAULT_SYSTEM_CODE}”。", file=sys.stderr)
        return 1
    periods = [args.period] if args.period else selectors.evaluation_periods(system_version=version)
    if not periods:
        print("没有已审核的指标值，未进行评价。", file=sys.stderr)
        return 1
    for period in periods:
        try:
            run = services.evaluation_run_create(actor=None, system_version=version, period=period)
        except ApplicationError as exc:
            print(f"{period}：{exc}", file=sys.stderr)
            return 1
        print(f"{run.period}：评价计算 #{run.pk}，{run.region_count} 个地区，{run.observation_count} 项指标值，"
              f"指纹 {run.fingerprint[:16]}…")
    return 0


def cmd_releases_list(args, *, setup) -> int:
    setup()
    from bizenv.evaluation.models import RedBlackList

    for r in RedBlackList.objects.order_by("-period", "-id"):
        print(f"#{r.pk}\t{r.period}\t{r.get_status_display()}\t{r.title}")
    return 0


def cmd_releases_recompute(args, *, setup) -> int:
    setup()
    from bizenv.evaluation import services
    from bizenv.evaluation.models import RedBlackList

    release = RedBlackList.objects.filter(pk=args.id).first()
    if release is None:
        print(f"没有编号为 {args.id} 的红黑榜。", file=sys.stderr)
        return 1
    report = services.release_recompute(release=release)
    if report.identical:
        print(f"“{release.title}”重算结果与发布内容完全一致（指纹 {release.fingerprint[:16]}…）。")
        return 0
    print(f"“{release.title}”重算结果不一致：", file=sys.stderr)
    for line in report.differences:
        print(f"  {line}", file=sys.stderr)
    return 1


def register(subparsers, *, setup, imports) -> None:
    p = subparsers.add_parser("evaluation", help="评价计算（存入数据库，可追溯、可复算）")
    sub = p.add_subparsers(dest="evaluation_command", required=True, metavar="ACTION")
    r = sub.add_parser("run", help="对一个或全部有数据的时期进行评价计算；输入不变时返回已有结果")
    r.add_argument("--period", help="时期，如 2026-03；省略则计算所有有已审核指标值的时期")
    r.add_argument("--system", help="指标体系编码，默认为默认体系")
    r.set_defaults(func=lambda a: cmd_run(a, setup=setup))
    p = subparsers.add_parser("releases", help="红黑榜")
    sub = p.add_subparsers(dest="releases_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="列出红黑榜").set_defaults(func=lambda a: cmd_releases_list(a, setup=setup))
    c = sub.add_parser("recompute", help="从冻结的输入重算红黑榜并与发布内容比对，不一致时以非零状态退出")
    c.add_argument("id", type=int)
    c.set_defaults(func=lambda a: cmd_releases_recompute(a, setup=setup))
