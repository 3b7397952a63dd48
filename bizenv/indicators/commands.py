"""`bizenv indicators …` sub-commands (list, import, export, validate)."""


def register(subparsers, *, setup) -> None:
    p = subparsers.add_parser("indicators", help="指标体系：列出、导入、导出、校验")
    p.add_subparsers(dest="indicators_command", required=True, metavar="ACTION")
