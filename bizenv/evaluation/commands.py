"""`bizenv evaluate`: score an indicator system over OBS.csv into SCORES.csv from files alone (no DB)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SHOWN_PROBLEMS = 30


def register(subparsers, *, setup, imports) -> None:
    """Add the `evaluate` sub-command; it never calls `setup`, so no database is touched."""
    from bizenv.evaluation.scoring import DEFAULT_TIE_TOLERANCE, MISSING_POLICIES

    p = subparsers.add_parser(
        "evaluate", help="按指标体系对观测值计分、加权汇总并排名（只读写文件，不使用数据库）",
        description="读取指标体系文件和观测值 OBS.csv，计算每个地区、每个期间、每个指标的得分、"
                    "综合得分（TOTAL）、排名、数据完整度和等级，写入 SCORES.csv。"
                    "文件格式见 docs/formats.md。",
    )
    p.add_argument("--system", required=True, metavar="SYSTEM.yaml",
                   help="指标体系文件（.yaml / .yml / .xlsx）")
    p.add_argument("--observations", required=True, metavar="OBS.csv",
                   help="观测值：region,indicator,period,value")
    p.add_argument("--out", required=True, metavar="SCORES.csv", help="输出的得分文件")
    p.add_argument("--regions", metavar="REGIONS.csv",
                   help="地区属性：region,<属性>…（用于权重变体，如 has_pipeline_gas）")
    p.add_argument("--include-optional", action="store_true",
                   help="可选指标也计入上级和综合得分（默认只计分、不汇总）")
    p.add_argument("--missing", choices=tuple(MISSING_POLICIES), default="reweight",
                   help="缺数处理：" + "；".join(f"{k} = {v}" for k, v in MISSING_POLICIES.items()))
    p.add_argument("--tie-tolerance", type=float, default=DEFAULT_TIE_TOLERANCE, metavar="分差",
                   help=f"得分相差不超过该值的地区并列同一名次（默认 {DEFAULT_TIE_TOLERANCE:g}）")
    p.add_argument("--bands", metavar="分档", help="等级分档，默认 优秀:90,良好:80,一般:60,较差")
    p.set_defaults(func=cmd_evaluate)


class _Failure(Exception):
    """Stops the command with Chinese lines for stderr."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = lines


def _read(path: str, label: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise _Failure(f"找不到{label}：{path}") from None
    except IsADirectoryError:
        raise _Failure(f"{label}应是文件，而 {path} 是目录") from None
    except OSError as exc:
        raise _Failure(f"无法读取{label} {path}：{exc.strerror or exc}") from None


def _problems(path: str, label: str, problems) -> _Failure:
    shown = [f"  {path} {p}" if p.location.describe() else f"  {path}：{p}"
             for p in problems[:MAX_SHOWN_PROBLEMS]]
    hidden = len(problems) - MAX_SHOWN_PROBLEMS
    more = [f"  ……另有 {hidden} 处问题未列出"] if hidden > 0 else []
    return _Failure(f"{label} {path} 有 {len(problems)} 处问题，未写出任何结果：", *shown, *more)


def _write_atomically(path: str, text: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise _Failure(f"输出文件 {path} 是一个目录")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise _Failure(f"输出目录不存在：{folder}")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class EvaluatedFiles:
    """SYSTEM.yaml, REGIONS.csv and OBS.csv read, checked and scored, as `bizenv evaluate` scores them."""

    spec: Any
    system: Any  # CompiledSystem
    table: dict | None  # REGIONS.csv: {region: {attribute: value}}, None without --regions
    observations: Any  # evaluation.parsing.Observations
    result: Any  # evaluation.scoring.Evaluation


def evaluate_files(args: argparse.Namespace, *, bands=None,
                   before_observations: Callable[[Any, dict | None], None] | None = None) -> EvaluatedFiles:
    """Read and score the files named by `args` (--system, --observations, --regions, --include-optional,
    --missing, --tie-tolerance); every file-only command that shows scores goes through here, so its scores are
    those of `bizenv evaluate`. `before_observations(system, table)` may read further files once the system is
    known (and fail before the observations are read). Raises _Failure with Chinese lines."""
    from bizenv.evaluation.parsing import parse_observations, parse_regions, region_attributes
    from bizenv.evaluation.scoring import DEFAULT_BANDS, ScoringError, compile_system, evaluate
    from bizenv.indicators.parsing import parse_file
    from bizenv.indicators.validation import validate_system
    from bizenv.indicators.weights import variant_conditions

    if not args.tie_tolerance >= 0:
        raise _Failure("参数 --tie-tolerance 必须是大于等于 0 的数字")
    parsed = parse_file(_read(args.system, "指标体系文件"), Path(args.system).name)
    if not parsed.ok:
        raise _problems(args.system, "指标体系文件", parsed.problems or [])

    table = None
    attribute_keys: set[str] = set()
    if args.regions:
        regions_result = parse_regions(_read(args.regions, "地区属性文件"))
        if not regions_result.ok:
            raise _problems(args.regions, "地区属性文件", regions_result.problems)
        table = regions_result.value
        attribute_keys = {k for attrs in table.values() for k in attrs}

    problems = validate_system(parsed.spec, attribute_keys=attribute_keys)
    if problems:
        raise _problems(args.system, "指标体系文件", problems)
    try:
        system = compile_system(parsed.spec)
    except ScoringError as exc:
        raise _Failure(f"指标体系文件 {args.system} 无法计分：{exc}") from None
    if before_observations is not None:
        before_observations(system, table)

    observed = parse_observations(_read(args.observations, "观测值文件"), system)
    if not observed.ok:
        raise _problems(args.observations, "观测值文件", observed.problems)
    obs = observed.value
    attributes = region_attributes(obs.regions, table)
    if not attributes.ok:
        raise _problems(args.regions, "地区属性文件", attributes.problems)

    unused = sorted({key for when in variant_conditions(parsed.spec) for key in when} - attribute_keys)
    if unused:
        print(f"提示：未提供地区属性 {'、'.join(unused)}（--regions），相关权重变体不生效，按基本权重计算。",
              file=sys.stderr)

    result = evaluate(system, obs.values, regions=obs.regions, periods=obs.periods,
                      attributes=attributes.value, include_optional=args.include_optional,
                      not_applicable=obs.not_applicable, no_practice=obs.no_practice, missing=args.missing,
                      tolerance=args.tie_tolerance, bands=bands or DEFAULT_BANDS)
    return EvaluatedFiles(spec=parsed.spec, system=system, table=table, observations=obs, result=result)


def run_evaluate(args: argparse.Namespace) -> str:
    """Do the work of `bizenv evaluate`; returns the summary line or raises _Failure."""
    from bizenv.evaluation.exporting import scores_csv
    from bizenv.evaluation.scoring import DEFAULT_BANDS, ScoringError, parse_bands

    try:
        bands = parse_bands(args.bands) if args.bands else DEFAULT_BANDS
    except ScoringError as exc:
        raise _Failure(f"参数 --bands 有误：{exc}") from None
    files = evaluate_files(args, bands=bands)
    _write_atomically(args.out, scores_csv(files.result))
    obs, system = files.observations, files.system
    rows = len(obs.regions) * len(obs.periods) * len(system.codes)
    return (f"已写出 {args.out}：{len(obs.regions)} 个地区 × {len(obs.periods)} 个期间 × "
            f"{len(system.codes)} 个指标（含综合得分 TOTAL），共 {rows} 行。")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Entry point of `bizenv evaluate`: 0 on success, 1 with Chinese messages on stderr otherwise."""
    try:
        summary = run_evaluate(args)
    except _Failure as failure:
        for line in failure.lines:
            print(line, file=sys.stderr)
        return 1
    print(summary)
    return 0
