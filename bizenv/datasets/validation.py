"""Row rules for raw records, read from the dataset catalogue: pure, no database.

Every row gets all of its problems at once (field + Chinese reason), so a source system can
fix a rejected record in one go. Rows are typed here; only typed, valid rows reach the lake.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bizenv.datasets.catalog import Dataset, FieldType
from bizenv.datasets.parsing import EXTRA_COLUMNS, Row, coerce_value, now_local

FUTURE_TOLERANCE = timedelta(hours=1)
EARLIEST = datetime(2000, 1, 1)


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"字段 {self.field}：" if self.field else ""
        return f"第 {self.row_number} 行 {where}{self.message}"


@dataclass
class QuarantineRow:
    row_number: int
    payload: Any
    problems: list[RowProblem]


@dataclass
class ValidationOutcome:
    accepted: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    quarantined: list[QuarantineRow] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # rows repeating an earlier row of the same batch
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def rows_total(self) -> int:
        return len(self.accepted) + len(self.quarantined) + len(self.duplicates)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for q in self.quarantined for p in q.problems]


def record_key(dataset: Dataset, record: dict[str, Any]) -> tuple:
    """The natural key of a typed record."""
    return tuple(record.get(name) for name in dataset.key)


def _label(dataset: Dataset, name: str) -> str:
    return f"{name}（{dataset.field(name).label}）"


def _fmt(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _columns(rows: Iterable[Row]) -> set[str]:
    seen: set[str] = set()
    for _, payload in rows:
        if isinstance(payload, dict):
            seen.update(k for k in payload if k != EXTRA_COLUMNS)
    return seen


def row_problems(dataset: Dataset, row_number: int, payload: Any, *, known_region_codes: Collection[str],
                 now: datetime, missing_columns: Collection[str] = ()) -> tuple[dict[str, Any], list[RowProblem]]:
    """The typed record and every rule it breaks."""
    problems: list[RowProblem] = []

    def problem(name: str, message: str) -> None:
        problems.append(RowProblem(row_number, name, message))

    if not isinstance(payload, dict):
        problem("", f"记录应为一个对象（字段名: 值），收到的是 {type(payload).__name__}")
        return {}, problems
    if payload.get(EXTRA_COLUMNS):
        problem("", "该行的列数多于表头，多出的内容：" + "、".join(str(v) for v in payload[EXTRA_COLUMNS])[:80])
    record: dict[str, Any] = {}
    for spec in dataset.fields:
        value, error = coerce_value(spec, payload.get(spec.name))
        if error:
            problem(spec.name, f"{spec.label}{error}")
            continue
        if value is None:
            if spec.required:
                why = "缺少该列" if spec.name in missing_columns else "不能为空"
                problem(spec.name, f"{spec.label}为必填项，{why}")
            record[spec.name] = None
            continue
        if spec.choices and value not in spec.choices:
            problem(spec.name, f"{spec.label}“{_fmt(value)}”不是允许的取值，可选：{'、'.join(spec.choices)}")
        if spec.minimum is not None and value < spec.minimum:
            what = "不能为负数" if spec.minimum == 0 else f"不能小于 {spec.minimum:g}"
            problem(spec.name, f"{spec.label}{what}，收到 {_fmt(value)}")
        if spec.type == FieldType.TIMESTAMP:
            if value > now + FUTURE_TOLERANCE:
                problem(spec.name, f"{spec.label} {_fmt(value)} 晚于当前时间")
            elif value < EARLIEST:
                problem(spec.name, f"{spec.label} {_fmt(value)} 早于 2000 年，疑为录入错误")
        if spec.name == "region_code" and value not in known_region_codes:
            problem(spec.name, f"区域代码“{value}”不是本平台已登记的区域（请使用县级行政区划代码）")
        record[spec.name] = value
    for start, end in dataset.ordered:
        a, b = record.get(start), record.get(end)
        if isinstance(a, datetime) and isinstance(b, datetime) and b < a:
            problem(end, f"{dataset.field(end).label} {_fmt(b)} 早于{dataset.field(start).label} {_fmt(a)}")
    return record, problems


def validate_records(dataset: Dataset, rows: list[Row], *, known_region_codes: Collection[str],
                     now: datetime | None = None) -> ValidationOutcome:
    """Split rows into typed accepted records, quarantined rows with reasons, and in-batch duplicates."""
    now = now or now_local()
    outcome = ValidationOutcome()
    present = _columns(rows)
    outcome.unknown_columns = sorted(present - set(dataset.field_names))
    outcome.missing_columns = [name for name in dataset.field_names if name not in present] if rows else []
    seen: dict[tuple, tuple[int, dict[str, Any]]] = {}
    for row_number, payload in rows:
        record, problems = row_problems(dataset, row_number, payload, known_region_codes=known_region_codes,
                                        now=now, missing_columns=outcome.missing_columns)
        if not problems:
            key = record_key(dataset, record)
            earlier = seen.get(key)
            if earlier is not None:
                if earlier[1] == record:
                    outcome.duplicates.append(row_number)
                    continue
                names = "、".join(_label(dataset, k) for k in dataset.key)
                problems.append(RowProblem(
                    row_number, dataset.key[-1],
                    f"与第 {earlier[0]} 行的 {names} 相同但内容不同（同一批次内的重复记录）"))
            else:
                seen[key] = (row_number, record)
        if problems:
            outcome.quarantined.append(QuarantineRow(row_number, payload, problems))
        else:
            outcome.accepted.append((row_number, record))
    return outcome
