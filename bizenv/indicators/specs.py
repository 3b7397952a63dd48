"""Plain descriptions of an indicator system, shared by parsing, validation, export, weights and comparison.

A spec is what a file says (or what the database holds) before it becomes rows: no ORM here.
Inheritable fields (departments, source kind, cycle) are `None` while they still have to be taken
from the parent; `resolve_inheritance` fills them in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

MAX_DEPTH = 3
DEFAULT_VERSION = "1"

DIRECTIONS = ("higher_better", "lower_better")
SOURCE_KINDS = ("metric", "report", "survey", "external")
CYCLES = ("monthly", "quarterly", "yearly")
INHERITED_FIELDS = ("lead_departments", "responsible_departments", "source_kind", "cycle")
LEAF_ONLY_FIELDS = ("direction", "best", "worst", "transform_power")


@dataclass(frozen=True)
class IndicatorField:
    """One field of an indicator, declared once for the file readers, the draft editor and the comparison.

    `kind` says how a value is read and stored: text, choice (one of a vocabulary), number, flag,
    departments (a list of codes), variants (weight variants) or tree (the place in the tree, set by
    the nesting of the file, never edited as a value).
    """

    name: str  # the IndicatorSpec attribute and the key of indicator_canonical
    kind: str
    label: str  # Chinese: messages, the comparison page
    editable: bool = True  # may be changed on a draft indicator (indicator_update, indicator_create)
    file_key: str | None = None  # its key in a YAML indicator; None when it is not written there
    compared: bool = True  # shown as a change between two versions


# In the order the comparison lists changes.
INDICATOR_FIELD_TABLE: tuple[IndicatorField, ...] = (
    IndicatorField("code", "text", "编码", editable=False, file_key="code", compared=False),
    IndicatorField("name", "text", "名称", file_key="name"),
    IndicatorField("parent", "tree", "上级指标", editable=False),
    IndicatorField("level", "tree", "层级", editable=False),
    IndicatorField("weight", "number", "权重", file_key="weight"),
    IndicatorField("optional", "flag", "可选", file_key="optional"),
    IndicatorField("unit", "text", "单位", file_key="unit"),
    IndicatorField("direction", "choice", "方向", file_key="direction"),
    IndicatorField("best", "number", "最佳值", file_key="best"),
    IndicatorField("worst", "number", "最差值", file_key="worst"),
    IndicatorField("transform_power", "number", "幂变换", file_key="transform"),  # written {power: 0.8}
    IndicatorField("lead_departments", "departments", "牵头单位", file_key="lead_departments"),
    IndicatorField("responsible_departments", "departments", "责任单位", file_key="responsible_departments"),
    IndicatorField("source_kind", "choice", "数据来源", file_key="source_kind"),
    IndicatorField("cycle", "choice", "采集周期", file_key="cycle"),
    IndicatorField("external_ref", "text", "外部数据字段", file_key="external_ref"),
    IndicatorField("weight_variants", "variants", "权重变体", file_key="weight_variants"),
    IndicatorField("definition", "text", "指标释义", file_key="definition"),
    IndicatorField("remarks", "text", "备注", file_key="remarks"),
    IndicatorField("children", "tree", "下级指标", editable=False, file_key="children", compared=False),
)
INDICATOR_FIELD_BY_NAME = {f.name: f for f in INDICATOR_FIELD_TABLE}
# The keys of an indicator in a YAML file, the fields a draft indicator may change, the fields compared.
INDICATOR_FILE_KEYS = tuple(f.file_key for f in INDICATOR_FIELD_TABLE if f.file_key)
INDICATOR_EDITABLE = tuple(f.name for f in INDICATOR_FIELD_TABLE if f.editable)
INDICATOR_COMPARED = tuple(f.name for f in INDICATOR_FIELD_TABLE if f.compared)

# Chinese labels of the file fields, for error messages and the Excel header.
FIELD_LABELS = {
    **{f.name: f.label for f in INDICATOR_FIELD_TABLE if f.kind != "tree"},
    "parent": "上级编码",
    "version": "版本",
    "description": "说明",
    "indicators": "指标列表",
    "carry_over": "沿用编码对应",
    "transform": "幂变换",
    "children": "下级指标",
}


def direction_infer(direction: str, best: float | None, worst: float | None) -> str:
    """The direction as given, or — when none is given — the one best and worst imply (lower best → lower better)."""
    if direction or best is None or worst is None or best == worst:
        return direction
    return "lower_better" if best < worst else "higher_better"


@dataclass(frozen=True)
class Location:
    """Where a value came from: a YAML line, an Excel row and column, or an indicator in the database."""

    line: int | None = None
    row: int | None = None
    column: str = ""
    sheet: str = ""
    indicator: str = ""

    def describe(self) -> str:
        if self.row is not None:
            where = f"工作表“{self.sheet}”" if self.sheet else ""
            where += f"第 {self.row} 行"
            if self.column:
                where += f"，列“{self.column}”"
            return where
        if self.line is not None:
            return f"第 {self.line} 行"
        if self.indicator:
            return f"指标 {self.indicator}"
        return ""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a system description, in Chinese, with where and which field."""

    message: str
    field: str = ""
    location: Location = dc_field(default_factory=Location)

    def __str__(self) -> str:
        parts = [p for p in (self.location.describe(), f"字段 {self.field}" if self.field else "") if p]
        return ("，".join(parts) + "：" if parts else "") + self.message

    def as_dict(self) -> dict:
        return {
            "line": self.location.line,
            "row": self.location.row,
            "column": self.location.column,
            "sheet": self.location.sheet,
            "indicator": self.location.indicator,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class VariantSpec:
    when: dict[str, Any]
    weight: float
    location: Location = dc_field(default_factory=Location, compare=False)


@dataclass
class IndicatorSpec:
    code: str
    name: str
    weight: float = 1.0
    optional: bool = False
    unit: str = ""
    direction: str = ""
    best: float | None = None
    worst: float | None = None
    transform_power: float | None = None
    definition: str = ""
    remarks: str = ""
    lead_departments: list[str] | None = None
    responsible_departments: list[str] | None = None
    source_kind: str | None = None
    cycle: str | None = None
    external_ref: str = ""
    weight_variants: list[VariantSpec] = dc_field(default_factory=list)
    children: list[IndicatorSpec] = dc_field(default_factory=list)
    # Where each field was written; "" is the indicator itself.
    locations: dict[str, Location] = dc_field(default_factory=dict, compare=False, repr=False)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def where(self, field_name: str = "") -> Location:
        """The location of `field_name`, else of the indicator, else its code."""
        return self.locations.get(field_name) or self.locations.get("") or Location(indicator=self.code)


@dataclass
class SystemSpec:
    code: str
    name: str
    version: str = DEFAULT_VERSION
    description: str = ""
    indicators: list[IndicatorSpec] = dc_field(default_factory=list)
    # New code → the code in the version this one replaces whose values it takes over when published.
    carry_over: dict[str, str] = dc_field(default_factory=dict)
    locations: dict[str, Location] = dc_field(default_factory=dict, compare=False, repr=False)

    def where(self, field_name: str = "") -> Location:
        return self.locations.get(field_name) or self.locations.get("") or Location()


def walk(
    nodes: list[IndicatorSpec], parent: IndicatorSpec | None = None, level: int = 1
) -> Iterator[tuple[IndicatorSpec, IndicatorSpec | None, int]]:
    """Every node depth-first in file order, with its parent and level (1-based)."""
    for node in nodes:
        yield node, parent, level
        yield from walk(node.children, node, level + 1)


def resolve_inheritance(spec: SystemSpec) -> SystemSpec:
    """Give omitted departments, source kind and cycle the parent's value; infer direction from best/worst."""
    for node, parent, _level in walk(spec.indicators):
        for name in INHERITED_FIELDS:
            if getattr(node, name) is None:
                inherited = getattr(parent, name) if parent is not None else None
                if name.endswith("departments"):
                    setattr(node, name, list(inherited or []))
                else:
                    setattr(node, name, inherited or "")
        node.direction = direction_infer(node.direction, node.best, node.worst)
    return spec


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def indicator_canonical(node: IndicatorSpec, parent_code: str | None, level: int) -> dict:
    """A comparable dictionary of one resolved node (without its children)."""
    return {
        "code": node.code,
        "parent": parent_code,
        "level": level,
        "name": node.name,
        "weight": _number(node.weight),
        "optional": bool(node.optional),
        "unit": node.unit,
        "direction": node.direction,
        "best": _number(node.best),
        "worst": _number(node.worst),
        "transform_power": _number(node.transform_power),
        "definition": node.definition,
        "remarks": node.remarks,
        "lead_departments": sorted(node.lead_departments or []),
        "responsible_departments": sorted(node.responsible_departments or []),
        "source_kind": node.source_kind or "",
        "cycle": node.cycle or "",
        "external_ref": node.external_ref,
        "weight_variants": [
            {"when": dict(v.when), "weight": _number(v.weight)} for v in node.weight_variants
        ],
    }


def system_canonical(spec: SystemSpec) -> dict:
    """A comparable dictionary of a resolved system: equal dictionaries mean identical content."""
    canonical = {
        "code": spec.code,
        "name": spec.name,
        "version": spec.version,
        "description": spec.description,
        "indicators": [
            indicator_canonical(node, parent.code if parent else None, level)
            for node, parent, level in walk(spec.indicators)
        ],
    }
    if spec.carry_over:  # only when set, so that fingerprints of earlier evaluations stay as they were
        canonical["carry_over"] = dict(sorted(spec.carry_over.items()))
    return canonical
