"""Metric definitions (指标口径): declarative specs parsed and validated from YAML/JSON (pure).

A definition says which dataset, which records (filters), what to measure per record (measure)
and how to aggregate per region and period (aggregation). Example::

    code: starting_business.time.establishment
    name: 企业设立登记耗时
    indicator: starting_business.time.establishment
    dataset: business_registrations
    filters:
      - {field: kind, op: eq, value: establishment}
    measure: {kind: working_days, start: applied_at, end: completed_at}
    aggregation: mean
    unit: 工作日

Every problem is reported in Chinese with the definition code and the offending key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml

from bizenv.core.cells import yes_no
from bizenv.core.errors import ApplicationError
from bizenv.datasets.catalog import DATASETS, Dataset, FieldType, choice_label


class FilterOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    GTE = "gte"
    LTE = "lte"
    IS_NULL = "is_null"
    NOT_NULL = "not_null"


class MeasureKind(StrEnum):
    WORKING_DAYS = "working_days"
    STEP_COUNT = "step_count"
    COST = "cost"
    SHARE_WITHIN_LIMIT = "share_within_limit"
    SHARE_TRUE = "share_true"
    COUNT = "count"
    VALUE = "value"
    REDUCTION = "reduction"


class Aggregation(StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    P90 = "p90"
    SHARE = "share"
    COUNT = "count"
    SUM = "sum"


class EngineKind(StrEnum):
    """The engines a metric run can use; both compute the same values (the Spark tests check it)."""

    DUCKDB = "duckdb"
    SPARK = "spark"


ENGINE_LABELS = {EngineKind.DUCKDB: "DuckDB（单机内置）", EngineKind.SPARK: "Apache Spark"}

OP_LABELS = {FilterOp.EQ: "等于", FilterOp.NE: "不等于", FilterOp.IN: "属于", FilterOp.NOT_IN: "不属于",
             FilterOp.GTE: "不小于", FilterOp.LTE: "不大于", FilterOp.IS_NULL: "为空", FilterOp.NOT_NULL: "不为空"}
MEASURE_LABELS = {
    MeasureKind.WORKING_DAYS: "两个时间之间的工作日（每环节至少 0.5 个工作日）",
    MeasureKind.STEP_COUNT: "办理环节数",
    MeasureKind.COST: "费用",
    MeasureKind.SHARE_WITHIN_LIMIT: "在时限（工作日）内办结",
    MeasureKind.SHARE_TRUE: "是/否字段为指定值",
    MeasureKind.COUNT: "记录数",
    MeasureKind.VALUE: "字段值",
    MeasureKind.REDUCTION: "时限压缩率（1 − 字段 ÷ 基准字段）",
}
AGGREGATION_LABELS = {Aggregation.MEAN: "平均值", Aggregation.MEDIAN: "中位数", Aggregation.P90: "90% 分位数",
                      Aggregation.SHARE: "比例", Aggregation.COUNT: "计数", Aggregation.SUM: "合计"}
BOOLEAN_MEASURES = {MeasureKind.SHARE_WITHIN_LIMIT, MeasureKind.SHARE_TRUE}
NUMERIC_AGGREGATIONS = {Aggregation.MEAN, Aggregation.MEDIAN, Aggregation.P90, Aggregation.SUM}
NUMERIC_TYPES = {FieldType.INTEGER, FieldType.FLOAT}
STEPS_DATASET = "process_steps"


@dataclass(frozen=True)
class Filter:
    field: str
    op: FilterOp
    value: Any = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"field": self.field, "op": self.op.value}
        if self.op not in (FilterOp.IS_NULL, FilterOp.NOT_NULL):
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return out

    def describe(self, dataset: Dataset | None = None) -> str:
        """In Chinese: the field's label and the values' readings when the dataset is known."""
        name = self.field
        if dataset is not None and self.field in dataset.field_names:
            name = dataset.field(self.field).label
        if self.op in (FilterOp.IS_NULL, FilterOp.NOT_NULL):
            return f"{name} {OP_LABELS[self.op]}"
        values = self.value if isinstance(self.value, tuple) else (self.value,)
        return f"{name} {OP_LABELS[self.op]} {'、'.join(str(choice_label(v)) for v in values)}"


@dataclass(frozen=True)
class Measure:
    kind: MeasureKind
    field: str | None = None  # cost, value, share_true, reduction
    start: str | None = None  # working_days, share_within_limit
    end: str | None = None
    limit_field: str | None = None  # share_within_limit
    base_field: str | None = None  # reduction
    expected: bool = True  # share_true: the value that counts

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind.value}
        for key in ("field", "start", "end", "limit_field", "base_field"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.kind == MeasureKind.SHARE_TRUE:
            out["expected"] = self.expected
        return out

    @property
    def is_boolean(self) -> bool:
        return self.kind in BOOLEAN_MEASURES


@dataclass(frozen=True)
class MetricSpec:
    code: str
    name: str
    indicator: str
    dataset: str
    measure: Measure
    aggregation: Aggregation
    filters: tuple[Filter, ...] = ()
    unit: str = ""
    scale: float = 1.0
    time_field: str = ""  # the timestamp that places a record in a period; default the dataset's
    description: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def dataset_def(self) -> Dataset:
        return DATASETS[self.dataset]

    @property
    def period_field(self) -> str:
        return self.time_field or self.dataset_def.time_field

    @property
    def datasets_used(self) -> tuple[str, ...]:
        if self.measure.kind == MeasureKind.STEP_COUNT:
            return (self.dataset, STEPS_DATASET)
        return (self.dataset,)

    @property
    def needs_calendar(self) -> bool:
        return self.measure.kind in (MeasureKind.WORKING_DAYS, MeasureKind.SHARE_WITHIN_LIMIT)

    def to_dict(self) -> dict:
        """The canonical form stored in MetricDefinition.spec (what versions compare)."""
        out: dict[str, Any] = {
            "code": self.code, "name": self.name, "indicator": self.indicator, "dataset": self.dataset,
            "filters": [f.to_dict() for f in self.filters], "measure": self.measure.to_dict(),
            "aggregation": self.aggregation.value, "unit": self.unit, "scale": self.scale,
        }
        if self.time_field:
            out["time_field"] = self.time_field
        if self.description:
            out["description"] = self.description
        return out

    def digest(self) -> str:
        payload = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def describe(self) -> str:
        """One Chinese sentence: what is computed from which records."""
        dataset = DATASETS.get(self.dataset)
        where = "；".join(f.describe(dataset) for f in self.filters) or "全部记录"
        scale = f"（× {self.scale:g}）" if self.scale != 1 else ""
        return (f"数据集“{dataset.name if dataset else self.dataset}”（{where}），逐条计算“{MEASURE_LABELS[self.measure.kind]}”，"
                f"按区域和时期取{AGGREGATION_LABELS[self.aggregation]}{scale}，单位：{self.unit or '—'}")


# ---------------------------------------------------------------------------------- parsing
_KNOWN_KEYS = {"code", "name", "indicator", "dataset", "filters", "measure", "aggregation", "unit", "scale",
               "time_field", "description"}
_MEASURE_KEYS = {"kind", "field", "start", "end", "limit_field", "base_field", "expected"}


class _Problems:
    def __init__(self, where: str):
        self.where = where
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ApplicationError(f"指标口径 {self.where} 有 {len(self.items)} 处问题：", details=self.items)


def _choice(enum, value, label: str, problems: _Problems):
    try:
        return enum(str(value))
    except ValueError:
        allowed = "、".join(e.value for e in enum)
        problems.add(f"{label}“{value}”无效，可选：{allowed}")
        return None


def _field_type(dataset: Dataset, name: str | None, label: str, problems: _Problems,
                allowed: set[FieldType] | None = None) -> FieldType | None:
    if not name:
        problems.add(f"缺少{label}")
        return None
    try:
        f = dataset.field(name)
    except KeyError:
        problems.add(f"{label}“{name}”不是数据集 {dataset.code} 的字段（可用：{'、'.join(dataset.field_names)}）")
        return None
    if allowed and f.type not in allowed:
        kinds = "、".join(sorted(t.value for t in allowed))
        problems.add(f"{label}“{name}”的类型是 {f.type.value}，这里需要 {kinds}")
    return f.type


def _coerce(value: Any, ftype: FieldType, label: str, problems: _Problems) -> Any:
    try:
        if ftype == FieldType.STRING:
            if isinstance(value, bool | dict | list):
                raise ValueError
            return str(value)
        if ftype == FieldType.INTEGER:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        if ftype == FieldType.FLOAT:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if ftype == FieldType.BOOLEAN:
            answer = yes_no(value)
            if answer is None:
                raise ValueError
            return answer
        if ftype == FieldType.TIMESTAMP:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return moment.isoformat(sep=" ")
    except (TypeError, ValueError):
        problems.add(f"{label}的取值“{value}”不是{ftype.value}类型")
    return None


def _parse_filter(raw: Any, index: int, dataset: Dataset, problems: _Problems) -> Filter | None:
    label = f"第 {index} 个筛选条件"
    if not isinstance(raw, dict):
        problems.add(f"{label}应写成 {{field, op, value}}")
        return None
    unknown = set(raw) - {"field", "op", "value"}
    if unknown:
        problems.add(f"{label}有未知的键：{'、'.join(sorted(unknown))}")
    op = _choice(FilterOp, raw.get("op", ""), f"{label}的运算符", problems)
    ftype = _field_type(dataset, raw.get("field"), f"{label}的字段", problems)
    if op is None or ftype is None:
        return None
    if op in (FilterOp.IS_NULL, FilterOp.NOT_NULL):
        if raw.get("value") is not None:
            problems.add(f"{label}：{op.value} 不需要 value")
        return Filter(raw["field"], op)
    if "value" not in raw or raw["value"] is None:
        problems.add(f"{label}缺少 value")
        return None
    if op in (FilterOp.GTE, FilterOp.LTE) and ftype not in NUMERIC_TYPES | {FieldType.TIMESTAMP}:
        problems.add(f"{label}：{op.value} 只能用于数值或时间字段")
        return None
    if op in (FilterOp.IN, FilterOp.NOT_IN):
        values = raw["value"]
        if not isinstance(values, list) or not values:
            problems.add(f"{label}：{op.value} 的 value 应为非空列表")
            return None
        value: Any = tuple(_coerce(v, ftype, label, problems) for v in values)
    else:
        value = _coerce(raw["value"], ftype, label, problems)
    choices = dataset.field(raw["field"]).choices
    if choices:
        for v in value if isinstance(value, tuple) else (value,):
            if v not in choices:
                problems.add(f"{label}的取值“{v}”不在字段 {raw['field']} 的可选值中（{'、'.join(choices)}）")
    return Filter(raw["field"], op, value)


def _parse_measure(raw: Any, dataset: Dataset, problems: _Problems) -> Measure | None:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict):
        problems.add("measure 应写成 {kind: …} 的形式")
        return None
    unknown = set(raw) - _MEASURE_KEYS
    if unknown:
        problems.add(f"measure 有未知的键：{'、'.join(sorted(unknown))}")
    kind = _choice(MeasureKind, raw.get("kind", ""), "measure.kind", problems)
    if kind is None:
        return None
    numeric = NUMERIC_TYPES
    if kind in (MeasureKind.WORKING_DAYS, MeasureKind.SHARE_WITHIN_LIMIT):
        _field_type(dataset, raw.get("start"), "开始时间字段 measure.start", problems, {FieldType.TIMESTAMP})
        _field_type(dataset, raw.get("end"), "结束时间字段 measure.end", problems, {FieldType.TIMESTAMP})
        if kind == MeasureKind.SHARE_WITHIN_LIMIT:
            _field_type(dataset, raw.get("limit_field"), "时限字段 measure.limit_field", problems, numeric)
        return Measure(kind, start=raw.get("start"), end=raw.get("end"), limit_field=raw.get("limit_field"))
    if kind == MeasureKind.STEP_COUNT:
        if dataset.code == STEPS_DATASET:
            problems.add("step_count 按办件统计环节数，数据集应为办件数据集而不是 process_steps")
        elif "record_id" not in dataset.field_names:
            problems.add(f"数据集 {dataset.code} 没有 record_id，无法关联办理环节")
        return Measure(kind)
    if kind == MeasureKind.COUNT:
        return Measure(kind)
    if kind == MeasureKind.COST:
        name = raw.get("field", "cost")
        _field_type(dataset, name, "费用字段 measure.field", problems, numeric)
        return Measure(kind, field=name)
    if kind == MeasureKind.VALUE:
        _field_type(dataset, raw.get("field"), "取值字段 measure.field", problems, numeric)
        return Measure(kind, field=raw.get("field"))
    if kind == MeasureKind.REDUCTION:
        _field_type(dataset, raw.get("field"), "字段 measure.field", problems, numeric)
        _field_type(dataset, raw.get("base_field"), "基准字段 measure.base_field", problems, numeric)
        return Measure(kind, field=raw.get("field"), base_field=raw.get("base_field"))
    # share_true
    _field_type(dataset, raw.get("field"), "是/否字段 measure.field", problems, {FieldType.BOOLEAN})
    expected = raw.get("expected", True)
    if not isinstance(expected, bool):
        problems.add("measure.expected 应为 true 或 false")
        expected = True
    return Measure(kind, field=raw.get("field"), expected=expected)


def metric_spec_parse(raw: Any, *, where: str = "") -> MetricSpec:
    """Validate one definition (a dict read from YAML/JSON); raises ApplicationError listing every problem."""
    if not isinstance(raw, dict):
        raise ApplicationError(f"指标口径 {where or ''} 应为一个映射（键：值）。".replace("  ", " "))
    problems = _Problems(str(raw.get("code") or where or "（未命名）"))
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        problems.add(f"未知的键：{'、'.join(sorted(unknown))}")
    for key, label in (("code", "口径编码 code"), ("name", "名称 name"), ("indicator", "对应指标编码 indicator"),
                       ("dataset", "数据集 dataset"), ("measure", "计算方式 measure"),
                       ("aggregation", "汇总方式 aggregation")):
        if raw.get(key) in (None, ""):
            problems.add(f"缺少{label}")
    code_name = str(raw.get("dataset") or "")
    dataset = DATASETS.get(code_name)
    if raw.get("dataset") and dataset is None:
        problems.add(f"未知的数据集“{code_name}”，可用：{'、'.join(DATASETS)}")
    if dataset is None:
        problems.raise_if_any()
        raise ApplicationError(f"指标口径 {problems.where} 缺少数据集 dataset")
    raw_filters = raw.get("filters") or []
    if not isinstance(raw_filters, list):
        problems.add("filters 应为列表")
        raw_filters = []
    filters = tuple(f for i, r in enumerate(raw_filters, 1) if (f := _parse_filter(r, i, dataset, problems)))
    measure = _parse_measure(raw.get("measure"), dataset, problems) if raw.get("measure") else None
    aggregation = _choice(Aggregation, raw.get("aggregation", ""), "汇总方式 aggregation", problems) \
        if raw.get("aggregation") else None
    if measure and aggregation:
        if measure.is_boolean and aggregation not in (Aggregation.SHARE, Aggregation.COUNT):
            problems.add(f"计算方式 {measure.kind.value} 得到是/否结果，汇总方式只能是 share 或 count")
        if not measure.is_boolean and aggregation == Aggregation.SHARE:
            problems.add(f"汇总方式 share 需要是/否结果的计算方式（share_within_limit、share_true），"
                         f"而不是 {measure.kind.value}")
        if measure.kind == MeasureKind.COUNT and aggregation != Aggregation.COUNT:
            problems.add("计算方式 count 只能配汇总方式 count")
    time_field = str(raw.get("time_field") or "")
    if time_field:
        _field_type(dataset, time_field, "时期字段 time_field", problems, {FieldType.TIMESTAMP})
    scale = raw.get("scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        problems.add(f"缩放系数 scale“{scale}”应为正数（比例换算为百分数时写 100）")
        scale = 1
    problems.raise_if_any()
    return MetricSpec(
        code=str(raw["code"]), name=str(raw["name"]), indicator=str(raw["indicator"]), dataset=dataset.code,
        measure=measure, aggregation=aggregation, filters=filters, unit=str(raw.get("unit") or ""),
        scale=float(scale), time_field=time_field, description=str(raw.get("description") or ""),
    )


def metric_specs_load(text: str | bytes, *, filename: str = "") -> list[MetricSpec]:
    """Every definition of a YAML or JSON file (`definitions: [...]` or a bare list); duplicate codes are errors."""
    try:
        data = yaml.safe_load(text)  # JSON is YAML
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ApplicationError(f"口径文件 {filename} {where}不是有效的 YAML/JSON。") from None
    if isinstance(data, dict) and "definitions" in data:
        data = data["definitions"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ApplicationError(f"口径文件 {filename} 应包含 definitions 列表。")
    specs: list[MetricSpec] = []
    errors: list[str] = []
    for index, raw in enumerate(data, 1):
        try:
            specs.append(metric_spec_parse(raw, where=f"{filename} 第 {index} 条"))
        except ApplicationError as exc:
            errors.append(str(exc))
    seen: set[str] = set()
    for spec in specs:
        if spec.code in seen:
            errors.append(f"口径编码 {spec.code} 重复")
        seen.add(spec.code)
    if errors:
        raise ApplicationError(f"口径文件 {filename} 校验未通过：", details=errors)
    return specs
