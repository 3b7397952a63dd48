"""`bizenv monitoring check`: evaluate a rule file over OBS.csv into WARNINGS.csv from files alone (no DB).

Scores, ranks and completeness are computed by the same functions and with the same options as
`bizenv evaluate`, so a warning's score is the one SCORES.csv shows. The `monitoring` command itself belongs to
`bizenv/monitoring/commands.py`, which adds this sub-command with `add_check_parser`.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys

from bizenv.evaluation.commands import _Failure, _read, _write_atomically

WARNING_COLUMNS = ("rule", "region", "indicator", "period", "value", "reference", "severity", "explanation")
GROUP_COLUMNS = ("group", "同类分组")
BENCHMARK_COLUMNS = ("indicator", "value")
DEFAULT_BENCHMARK_SOURCE = "指标体系最佳值"
MAX_SHOWN_PROBLEMS = 30


def add_check_parser(monitoring_subparsers) -> None:
    """Add `check` under `bizenv monitoring`; it never sets Django up, so no database is touched."""
    from bizenv.evaluation.scoring import DEFAULT_TIE_TOLERANCE, MISSING_POLICIES

    p = monitoring_subparsers.add_parser(
        "check", help="按预警规则文件检查观测值，写出预警清单（只读写文件，不使用数据库）",
        description="读取指标体系、观测值 OBS.csv 和预警规则文件，按与 bizenv evaluate 相同的方法计分排名，"
                    "对 OBS.csv 中的每个期间逐条规则检查，把触发的预警写入 WARNINGS.csv。"
                    "办件超期（overdue）和逾期未报（missing_report）规则需要平台中的原始办件和填报记录，"
                    "此命令跳过它们。格式见 docs/formats.md。",
    )
    p.add_argument("--system", required=True, metavar="SYSTEM.yaml", help="指标体系文件（.yaml / .yml / .xlsx）")
    p.add_argument("--observations", required=True, metavar="OBS.csv", help="观测值：region,indicator,period,value")
    p.add_argument("--rules", required=True, metavar="RULES.yaml", help="预警规则文件")
    p.add_argument("--out", required=True, metavar="WARNINGS.csv", help="输出的预警清单")
    p.add_argument("--regions", metavar="REGIONS.csv",
                   help="地区属性：region,<属性>…；可含 group（同类分组）列，供规则的 regions 使用")
    p.add_argument("--benchmarks", metavar="BENCH.csv",
                   help="标杆值：indicator,value,cities（落后标杆值规则用；不提供时以各末级指标的最佳值为标杆）")
    p.add_argument("--include-optional", action="store_true", help="同 bizenv evaluate：可选指标也计入上级和综合得分")
    p.add_argument("--missing", choices=tuple(MISSING_POLICIES), default="reweight",
                   help="同 bizenv evaluate 的缺数处理方式")
    p.add_argument("--tie-tolerance", type=float, default=DEFAULT_TIE_TOLERANCE, metavar="分差",
                   help=f"同 bizenv evaluate：得分相差不超过该值的地区并列（默认 {DEFAULT_TIE_TOLERANCE:g}）")
    p.set_defaults(func=cmd_check)


def _rule_failure(path: str, problems) -> _Failure:
    shown = [f"  {path} {p}" for p in problems[:MAX_SHOWN_PROBLEMS]]
    hidden = len(problems) - MAX_SHOWN_PROBLEMS
    more = [f"  ……另有 {hidden} 处问题未列出"] if hidden > 0 else []
    return _Failure(f"预警规则文件 {path} 有 {len(problems)} 处问题，未写出任何结果：", *shown, *more)


def region_groups_of(table: dict[str, dict]) -> dict[str, str]:
    """{region: 同类分组} from the group column of REGIONS.csv (either spelling), empty cells left out."""
    groups = {}
    for region, attributes in table.items():
        for column in GROUP_COLUMNS:
            value = attributes.get(column)
            if value not in (None, ""):
                groups[region] = str(value)
                break
    return groups


def parse_benchmarks(content: bytes, system) -> tuple[dict[str, tuple[float, str]], list[str]]:
    """BENCH.csv (indicator,value[,cities]) as {leaf code: (value, cities)}, and Chinese problems by row."""
    from bizenv.evaluation.parsing import decode_csv

    try:
        text = decode_csv(content)
    except UnicodeDecodeError:
        return {}, ["文件既不是 UTF-8 也不是 GB18030 编码的文本，请另存为 UTF-8 编码的 CSV"]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    absent = [c for c in BENCHMARK_COLUMNS if c not in header]
    if absent:
        return {}, [f"第 1 行：表头缺少列：{'、'.join(absent)}（应为 indicator,value,cities）"]
    at = {name: header.index(name) for name in header if name}
    leaves = set(system.leaf_codes)
    result: dict[str, tuple[float, str]] = {}
    first: dict[str, int] = {}
    problems = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        code = cells[at["indicator"]].strip()
        raw = cells[at["value"]].strip()
        cities = cells[at["cities"]].strip() if "cities" in at else ""
        if code not in leaves:
            what = "不是末级指标" if code in system.node_index else "不在指标体系中"
            problems.append(f"第 {number} 行，字段 indicator：指标“{code}”{what}（标杆值只用于末级指标）")
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems.append(f"第 {number} 行，字段 value：标杆值“{raw}”不是数字")
            continue
        if code in first:
            problems.append(f"第 {number} 行，字段 indicator：指标“{code}”的标杆值重复（第 {first[code]} 行已有）")
            continue
        first[code] = number
        result[code] = (value, cities)
    return result, problems


def _number(value: float) -> str:
    """A number that reads back exactly: integers without a decimal point, others as repr."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def warnings_csv(findings) -> str:
    """WARNINGS.csv text (without BOM; the writer adds one)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WARNING_COLUMNS)
    for f in findings:
        writer.writerow((f.rule, f.region, f.indicator, f.period, _number(f.value), _number(f.reference),
                         str(f.severity), f.explanation))
    return buffer.getvalue()


def run_check(args: argparse.Namespace) -> str:
    """Do the work of `bizenv monitoring check`; returns the summary line or raises _Failure. The files are read
    and scored by `bizenv evaluate`'s own path (evaluation.commands.evaluate_files)."""
    from bizenv.evaluation.commands import evaluate_files
    from bizenv.monitoring.rulefile import rules_parse
    from bizenv.monitoring.rules import findings_evaluate
    from bizenv.monitoring.specs import FILE_KINDS, RULE_KIND_LABELS, SEVERITY_LABELS, MonitorInput

    read: dict = {}

    def rules_and_benchmarks(system, table) -> None:
        """Once the system is known: the rules and benchmarks, refused before the observations are read."""
        groups = region_groups_of(table) if table else {}
        ruled = rules_parse(_read(args.rules, "预警规则文件"), system, region_groups=set(groups.values()))
        if not ruled.ok:
            raise _rule_failure(args.rules, ruled.problems)
        if args.benchmarks:
            benchmarks, bench_problems = parse_benchmarks(_read(args.benchmarks, "标杆值文件"), system)
            if bench_problems:
                raise _Failure(f"标杆值文件 {args.benchmarks} 有 {len(bench_problems)} 处问题，未写出任何结果：",
                               *(f"  {args.benchmarks} {p}" for p in bench_problems[:MAX_SHOWN_PROBLEMS]))
        else:
            benchmarks = {code: (float(best), DEFAULT_BENCHMARK_SOURCE)
                          for code, best in zip(system.leaf_codes, system.best, strict=True)}
        read.update(ruled=ruled, benchmarks=benchmarks, groups=groups)

    files = evaluate_files(args, before_observations=rules_and_benchmarks)
    system, obs, result = files.system, files.observations, files.result
    ruled, benchmarks, groups = read["ruled"], read["benchmarks"], read["groups"]

    skipped = [r for r in ruled.rules if r.kind not in FILE_KINDS]
    for rule in skipped:
        print(f"提示：规则 {rule.code}（{RULE_KIND_LABELS[rule.kind]}）需要平台中的原始办件或填报记录，"
              f"文件检查不计算，已跳过。", file=sys.stderr)
    rules = [r for r in ruled.rules if r.kind in FILE_KINDS]
    data = MonitorInput(
        system=system, regions=obs.regions, region_names=obs.regions, periods=obs.periods, values=obs.values,
        not_applicable=obs.not_applicable, no_practice=obs.no_practice, evaluation=result,
        benchmarks=benchmarks, region_groups=groups,
    )
    findings = findings_evaluate(rules, data)
    _write_atomically(args.out, warnings_csv(findings))
    counts = {label: sum(1 for f in findings if f.severity == severity)
              for severity, label in SEVERITY_LABELS.items()}
    by_severity = "、".join(f"{label} {count} 条" for label, count in counts.items())
    enabled = sum(1 for r in rules if r.enabled)
    return (f"已写出 {args.out}：{len(findings)} 条预警（{by_severity}）；{enabled} 条规则 × "
            f"{len(obs.regions)} 个地区 × {len(obs.periods)} 个期间。")


def cmd_check(args: argparse.Namespace) -> int:
    """Entry point of `bizenv monitoring check`: 0 on success, 1 with Chinese messages on stderr otherwise."""
    try:
        summary = run_check(args)
    except _Failure as failure:
        for line in failure.lines:
            print(line, file=sys.stderr)
        return 1
    print(summary)
    return 0
