"""Reading OBS.csv and REGIONS.csv into arrays, with Chinese problems naming row and field.

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bizenv.core.cells import cell_scalar
from bizenv.core.exports import cell_unsafe
from bizenv.evaluation.scoring import TOTAL, CompiledSystem
from bizenv.indicators.specs import Location, Problem

OBSERVATION_COLUMNS = ("region", "indicator", "period", "value")
NO_PRACTICE = "No Practice"
NOT_APPLICABLE = "N/A"
# Accepted spellings of the special values (compared case-insensitively).
NO_PRACTICE_TOKENS = frozenset({"no practice", "无此做法"})
NOT_APPLICABLE_TOKENS = frozenset({"n/a", "不适用"})
MAX_PROBLEMS = 200


@dataclass(frozen=True, eq=False)
class Observations:
    """Observations as arrays over regions (file order) × periods (sorted) × the system's leaves."""

    regions: tuple[str, ...]
    periods: tuple[str, ...]
    values: np.ndarray  # (R, P, L) float, NaN where there is no number
    not_applicable: np.ndarray  # (R, P, L) bool
    no_practice: np.ndarray  # (R, P, L) bool


@dataclass
class CsvResult:
    """What a CSV parser returns: a value when the file is usable, else the problems."""

    value: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.problems


def _problem(row: int, field_name: str, message: str) -> Problem:
    return Problem(message, field_name, Location(row=row))


def decode_csv(content: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else GB18030 as saved by Chinese Excel/WPS."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030")


def _rows(content: bytes, required: Sequence[str],
          problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: stripped text}) of each non-blank data row; header problems go to `problems`."""
    try:
        text = decode_csv(content)
    except UnicodeDecodeError:
        problems.append(Problem("文件既不是 UTF-8 也不是 GB18030 编码的文本，请另存为 UTF-8 编码的 CSV"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        problems.append(_problem(1, "", f"文件为空：第 1 行应为表头 {','.join(required)}"))
        return []
    absent = [c for c in required if c not in header]
    if absent:
        problems.append(_problem(1, "", f"表头缺少列：{'、'.join(absent)}（应包含 {','.join(required)}）"))
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        problems.append(_problem(1, "", f"表头中的列重复：{'、'.join(repeated)}"))
    if absent or repeated:
        return []
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(_problem(number, "", f"该行有 {len(cells)} 个字段，多于表头的 {len(header)} 列"))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((number, {h: cell_unsafe(c.strip()) for h, c in zip(header, cells, strict=False) if h}))
    return rows


def parse_value(text: str) -> float | str | None:
    """A number, NO_PRACTICE, NOT_APPLICABLE or None (missing) from a cell; ValueError when none of these."""
    if not text:
        return None
    lowered = text.lower()
    if lowered in NO_PRACTICE_TOKENS:
        return NO_PRACTICE
    if lowered in NOT_APPLICABLE_TOKENS:
        return NOT_APPLICABLE
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def parse_observations(content: bytes, system: CompiledSystem) -> CsvResult:
    """OBS.csv (region,indicator,period,value) against a compiled system; values only for leaves."""
    problems: list[Problem] = []
    rows = _rows(content, OBSERVATION_COLUMNS, problems)
    leaf_index = system.leaf_index
    node_index = system.node_index
    regions: dict[str, int] = {}
    periods: set[str] = set()
    parsed: list[tuple[str, str, int, float | str | None]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in rows:
        if len(problems) >= MAX_PROBLEMS:
            break
        region, code, period, text = (row[c] for c in OBSERVATION_COLUMNS)
        bad = False
        for name, content_text in (("region", region), ("indicator", code), ("period", period)):
            if not content_text:
                problems.append(_problem(number, name, "不能为空"))
                bad = True
        if code and code not in leaf_index:
            bad = True
            if code == TOTAL:
                message = f"{TOTAL} 是综合得分，由指标体系计算，不能填报观测值"
            elif code in node_index:
                message = f"指标 {code} 不是末级指标：其得分由下级指标加权计算，只能为末级指标填报观测值"
            else:
                message = f"未知的指标编码“{code}”（指标体系 {system.code} 中没有该指标）"
            problems.append(_problem(number, "indicator", message))
        try:
            value = parse_value(text)
        except ValueError:
            problems.append(_problem(number, "value",
                                     f"取值“{text}”不是数字：应填数字、{NO_PRACTICE}（无此做法，计 0 分）、"
                                     f"{NOT_APPLICABLE}（不适用）或留空（缺数）"))
            bad = True
        if bad:
            continue
        key = (region, code, period)
        if key in seen:
            message = f"地区 {region}、指标 {code}、期间 {period} 的观测值重复（第 {seen[key]} 行已填）"
            problems.append(_problem(number, "indicator", message))
            continue
        seen[key] = number
        regions.setdefault(region, len(regions))
        periods.add(period)
        parsed.append((region, period, leaf_index[code], value))
    if problems:
        return CsvResult(None, problems)
    if not parsed:
        return CsvResult(None, [_problem(2, "", "没有任何观测值：表头之后至少应有一行数据")])
    ordered_periods = sorted(periods)
    period_index = {p: i for i, p in enumerate(ordered_periods)}
    shape = (len(regions), len(ordered_periods), len(leaf_index))
    values = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    no_practice = np.zeros(shape, dtype=bool)
    for region, period, leaf, value in parsed:
        at = (regions[region], period_index[period], leaf)
        if value == NO_PRACTICE:
            no_practice[at] = True
        elif value == NOT_APPLICABLE:
            not_applicable[at] = True
        elif value is not None:
            values[at] = value
    observations = Observations(tuple(regions), tuple(ordered_periods), values, not_applicable, no_practice)
    return CsvResult(observations)


def attribute_value(text: str) -> Any:
    """A region attribute from a cell: a number, true/false (是/否 and the other yes/no words), or the text."""
    return cell_scalar(text)


def parse_regions(content: bytes) -> CsvResult:
    """REGIONS.csv (region,<attribute>…) as {region: {attribute: value}}; an empty cell sets nothing."""
    problems: list[Problem] = []
    rows = _rows(content, ("region",), problems)
    result: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}
    for number, row in rows:
        region = row["region"]
        if not region:
            problems.append(_problem(number, "region", "不能为空"))
            continue
        if region in first:
            problems.append(_problem(number, "region", f"地区 {region} 重复（第 {first[region]} 行已有）"))
            continue
        first[region] = number
        result[region] = {k: attribute_value(v) for k, v in row.items() if k != "region" and v}
    if problems:
        return CsvResult(None, problems)
    return CsvResult(result)


def region_attributes(regions: Sequence[str], table: Mapping[str, Mapping[str, Any]] | None) -> CsvResult:
    """The attributes of each region in order; every region must be in the table when one is given."""
    if table is None:
        return CsvResult([{} for _ in regions])
    absent = [r for r in regions if r not in table]
    if absent:
        shown = "、".join(absent[:20]) + ("……" if len(absent) > 20 else "")
        return CsvResult(None, [Problem(f"以下地区有观测值，但地区属性文件中没有：{shown}", "region")])
    return CsvResult([dict(table[r]) for r in regions])
