"""`bizenv indicators …` sub-commands (list, import, publish, export, validate)."""

from __future__ import annotations

import sys
from pathlib import Path

from bizenv.core.commands import input_file, migrate, print_problems


def _print_problems(header: str, lines: list[str]) -> None:
    print_problems(header, lines, bullet="  - ")


def cmd_list(args, *, setup) -> int:
    setup()
    from bizenv.indicators import selectors

    systems = list(selectors.system_list())
    if not systems:
        print("尚无指标体系。可用 `bizenv indicators import 文件` 导入。")
        return 0
    for system in systems:
        for version in system.versions.all():
            level1 = selectors.level1_count(version=version)
            print(
                f"{system.code}  {version.version}  {version.get_status_display()}  "
                f"{version.name or system.name}  {level1} 个一级指标"
            )
    return 0


def cmd_validate(args, *, setup) -> int:
    setup()
    from bizenv.indicators import selectors

    path = input_file(args.file)
    if path is None:
        return 2
    spec, problems = selectors.file_problems(content=path.read_bytes(), filename=path.name)
    if problems or spec is None:
        _print_problems(f"{path.name}：发现 {len(problems)} 处问题：", [str(p) for p in problems])
        return 1
    from bizenv.indicators.specs import walk

    count = sum(1 for _ in walk(spec.indicators))
    print(f"{path.name}：校验通过 —— 体系 {spec.code}（{spec.name}）版本 {spec.version}，共 {count} 个指标。")
    return 0


def cmd_import(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.indicators import services

    path = input_file(args.file)
    if path is None:
        return 2
    try:
        outcome = services.indicator_system_import(
            actor=None, content=path.read_bytes(), filename=path.name, publish=args.publish
        )
    except ApplicationError as exc:
        _print_problems(exc.message, list(exc.details))
        return 1
    print(outcome.message)
    for report in outcome.publish_reports:
        print("\n".join(report.lines()))
    return 0


def cmd_publish(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.indicators import selectors, services

    version = selectors.version_find(system_code=args.code, version=args.version)
    if version is None:
        print(f"指标体系 {args.code} 没有版本 {args.version}。可用 `bizenv indicators list` 查看。", file=sys.stderr)
        return 1
    if version.is_published:
        print(f"{version.system.code} 版本 {version.version} 已发布，不能重复发布。", file=sys.stderr)
        return 1
    if args.preview:
        print(f"发布 {version.system.code} 版本 {version.version} 的预览（未发布）：")
        for _step, report in selectors.version_publish_previews(version=version):
            print("\n".join(report.lines()))
        return 0
    try:
        version = services.system_version_publish(actor=None, version=version)
    except ApplicationError as exc:
        _print_problems(exc.message, list(exc.details))
        return 1
    print(f"已发布 {version.system.code} 版本 {version.version}。")
    for report in version.publish_reports:
        print("\n".join(report.lines()))
    return 0


def cmd_export(args, *, setup) -> int:
    setup()
    from bizenv.indicators import selectors
    from bizenv.indicators.exporting import export_excel, export_yaml
    from bizenv.indicators.parsing import FileFormatError, file_format

    out = Path(args.out)
    try:
        kind = file_format(out.name)
    except FileFormatError as exc:
        print(str(exc).replace("上传", "输出为"), file=sys.stderr)
        return 2
    version = selectors.version_find(system_code=args.code, version=args.version)
    if version is None:
        which = f"版本 {args.version}" if args.version else "任何版本"
        print(f"指标体系 {args.code} 没有{which}。可用 `bizenv indicators list` 查看。", file=sys.stderr)
        return 1
    spec = selectors.version_spec(version=version)
    if kind == "yaml":
        out.write_text(export_yaml(spec), encoding="utf-8")
    else:
        out.write_bytes(export_excel(spec))
    print(f"已导出 {version.system.code} 版本 {version.version}（{version.get_status_display()}）到 {out}")
    return 0


def register(subparsers, *, setup, imports) -> None:
    p = subparsers.add_parser("indicators", help="指标体系：列出、导入、导出、校验")
    sub = p.add_subparsers(dest="indicators_command", required=True, metavar="ACTION")

    def bind(handler):
        return lambda args: handler(args, setup=setup)

    s = sub.add_parser("list", help="列出指标体系的各个版本")
    s.set_defaults(func=bind(cmd_list))

    s = sub.add_parser("import", help="导入 YAML / Excel 文件为新版本（草稿，除非 --publish）")
    s.add_argument("file", help=".yaml / .yml / .xlsx 文件")
    s.add_argument("--publish", action="store_true", help="导入后立即发布")
    s.set_defaults(func=bind(cmd_import))

    s = sub.add_parser("publish", help="发布一个草稿版本（先用 --preview 查看指标值如何沿用）")
    s.add_argument("code", help="体系编码，如 BIZENV-CN")
    s.add_argument("version", help="草稿的版本号")
    s.add_argument("--preview", action="store_true", help="只显示发布后哪些指标值沿用、哪些需重新采集，不发布")
    s.set_defaults(func=bind(cmd_publish))

    s = sub.add_parser("export", help="导出一个版本为 YAML 或 Excel（按 --out 的扩展名）")
    s.add_argument("code", help="体系编码，如 BIZENV-CN")
    s.add_argument("--version", help="版本号；默认最新发布的版本，没有则最新草稿")
    s.add_argument("--out", required=True, help="输出文件，.yaml 或 .xlsx")
    s.set_defaults(func=bind(cmd_export))

    s = sub.add_parser("validate", help="校验 YAML / Excel 文件，不保存任何内容")
    s.add_argument("file", help=".yaml / .yml / .xlsx 文件")
    s.set_defaults(func=bind(cmd_validate))
