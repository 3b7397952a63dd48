"""The `bizenv` command: demo, serve, worker, indicators, audit, … (see `bizenv --help`)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bizenv.core.commands import migrate as _migrate
from bizenv.core.commands import setup_django as _setup_django


def command_modules() -> list[str]:
    """Every app's command modules, from the `commands` of its AppConfig, in PLATFORM_APPS order (read without
    setting Django up: `bizenv evaluate` must not touch the database or the data directory)."""
    import importlib

    from django.apps import AppConfig

    from bizenv import PLATFORM_APPS

    modules = []
    for app in PLATFORM_APPS:
        try:
            apps_module = importlib.import_module(f"{app}.apps")
        except ModuleNotFoundError:
            continue
        for value in vars(apps_module).values():
            if isinstance(value, type) and issubclass(value, AppConfig) and value is not AppConfig \
                    and getattr(value, "name", "") == app:
                modules.extend(getattr(value, "commands", ()))
    return modules


def cmd_serve(args) -> int:
    _setup_django()
    _migrate()
    from bizenv.core.server import serve
    from config.wsgi import application

    print(f"营商环境数字化治理平台已启动：http://{args.host}:{args.port}/  "
          f"（{args.processes} 个进程 × {args.threads} 个线程；Ctrl+C 停止）", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, processes=args.processes)
    return 0


def schedules_ensure() -> None:
    """Create the periodic jobs the apps declare (`schedules` of their AppConfig: functions that make their
    django-q2 Schedule rows idempotently), so the worker runs them."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        for name in getattr(config, "schedules", ()):
            module, _, func = name.rpartition(".")
            getattr(importlib.import_module(module), func)()


def cmd_worker(args) -> int:
    _setup_django()
    _migrate()
    schedules_ensure()
    from django.core.management import call_command

    call_command("qcluster")
    return 0


def cmd_demo(args) -> int:
    _setup_django()
    from django.conf import settings

    from bizenv.demo import demo_build
    from bizenv.demo.regions import DEMO_PASSWORD

    print(f"数据目录：{settings.DATA_DIR}", flush=True)
    print(f"数据库：{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}", flush=True)
    _migrate()
    summary = demo_build(scale=args.scale, progress=lambda msg: print(f"  · {msg}", flush=True))
    print("示范数据已就绪：" + "，".join(f"{k} {v}" for k, v in summary.counts.items()), flush=True)
    print(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, label in summary.accounts:
        print(f"  {username:<10} {label}")
    if args.no_serve:
        return 0
    worker = subprocess.Popen([sys.executable, "-m", "bizenv", "worker"])
    try:
        return cmd_serve(args)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def cmd_audit_verify(args) -> int:
    _setup_django()
    from bizenv.core.audit import audit_verify

    report = audit_verify()
    if report.ok:
        print(f"审计日志完整：共 {report.entries} 条记录，哈希链校验通过。")
        return 0
    print(f"审计日志被篡改：共 {report.entries} 条记录，发现 {len(report.problems)} 处问题：", file=sys.stderr)
    for p in report.problems:
        print(f"  第 {p.entry_id} 条：{p.reason}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bizenv", description="营商环境数字化治理平台命令行工具")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_server_options(p):
        p.add_argument("--host", default=os.environ.get("BIZENV_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("BIZENV_PORT", 8000)))
        p.add_argument("--threads", type=int, default=8, help="每个进程的线程数")
        p.add_argument("--processes", type=int, default=None,
                       help="进程数（默认 BIZENV_PROCESSES，否则每个 CPU 核一个，最多 4 个）")

    p = sub.add_parser("demo", help="建立示范数据（可重复执行），并启动网站与后台任务")
    p.add_argument("--no-serve", action="store_true", help="只建立示范数据，不启动网站")
    p.add_argument("--scale", choices=["small", "province"], default="small", help="数据规模")
    add_server_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="启动网站")
    add_server_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="启动后台任务进程（django-q2）")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("audit", help="审计日志")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = audit_sub.add_parser("verify", help="校验审计日志哈希链，发现篡改时以非零状态退出")
    v.set_defaults(func=cmd_audit_verify)

    imports = sub.add_parser("import", help="导入数据（原始办件记录、指标值等）").add_subparsers(
        dest="import_kind", required=True, metavar="KIND")
    import importlib

    for module in command_modules():
        importlib.import_module(module).register(sub, setup=_setup_django, imports=imports)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "processes", 0) is None:
        from bizenv.core.server import default_processes

        args.processes = default_processes()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
