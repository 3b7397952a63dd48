"""The checks shared by the YAML and Excel readers: field vocabularies and typed values from raw ones."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bizenv.core.cells import CellError, cell_number, cell_scalar, cell_text, yes_no
from bizenv.indicators.specs import (
    CYCLES,
    DIRECTIONS,
    INDICATOR_FILE_KEYS,
    SOURCE_KINDS,
    IndicatorSpec,
    Location,
    Problem,
    SystemSpec,
    VariantSpec,
)

SYSTEM_FIELDS = ("code", "name", "version", "description", "carry_over", "indicators")
INDICATOR_FIELDS = INDICATOR_FILE_KEYS

DIRECTION_LABELS = {"越高越好": "higher_better", "越低越好": "lower_better"}
SOURCE_KIND_LABELS = {
    "无感监测": "metric",
    "部门填报": "report",
    "满意度调查": "survey",
    "外部数据": "external",
    "无感监测（原始办件计算）": "metric",
}
CYCLE_LABELS = {"月度": "monthly", "季度": "quarterly", "年度": "yearly"}
EXPLICIT_NONE = ("无", "-", "—")

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass
class ParseResult:
    spec: SystemSpec | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.problems



# ---------------------------------------------------------------------------------------------- values


class RawValues:
    """Turns raw cell or YAML values into typed spec values, collecting problems as it goes."""

    def __init__(self, where: Callable[[str], Location], problems: list[Problem], *, text_cells: bool):
        self.where = where
        self.problems = problems
        # Excel cells often hold numbers as text and booleans as 是/否; YAML is typed already.
        self.text_cells = text_cells

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append(Problem(message, field_name, self.where(field_name)))

    def text(self, name: str, value: Any, *, max_length: int, required: bool = False) -> str:
        try:
            return cell_text(value, field=name, max_length=max_length, required=required)
        except CellError as exc:
            self.problem(name, exc.reason)
            return exc.value

    def number(self, name: str, value: Any, message: str) -> float | None:
        try:
            return cell_number(value, field=name, message=message, text=self.text_cells)
        except CellError as exc:
            self.problem(name, exc.reason)
            return None

    def boolean(self, name: str, value: Any) -> bool:
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if self.text_cells and yes_no(value) is not None:
            return yes_no(value)
        self.problem(name, "必须是 true 或 false（Excel 中可写“是”或“否”）")
        return False

    def choice(self, name: str, value: Any, allowed: tuple[str, ...], labels: dict[str, str]) -> str:
        if value is None or value == "":
            return ""
        text = str(value).strip() if isinstance(value, str) else value
        if isinstance(text, str):
            text = labels.get(text, text)
        if text not in allowed:
            shown = "、".join(f"{v}" for v in allowed)
            self.problem(name, f"取值“{value}”无效，应为 {shown} 之一")
            return ""
        return text

    def departments(self, name: str, value: Any) -> list[str] | None:
        if value is None:
            return []
        if isinstance(value, str):
            text = value.strip()
            if text in EXPLICIT_NONE or not text:
                return []
            return [p for p in _LIST_SPLIT.split(text) if p]
        if isinstance(value, list):
            codes = []
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    self.problem(name, "部门编码列表中只能是文字编码，例如 [samr, tax]")
                    return []
                codes.append(item.strip())
            return codes
        self.problem(name, "应为部门编码列表，例如 [samr, tax]")
        return []

    def inherited_choice(
        self, name: str, value: Any, allowed: tuple[str, ...], labels: dict[str, str]
    ) -> str:
        if value is None or (isinstance(value, str) and value.strip() in EXPLICIT_NONE):
            return ""
        return self.choice(name, value, allowed, labels)

    def condition_value(self, text: str) -> Any:
        return cell_scalar(text)

    def variants(self, name: str, value: Any) -> list[VariantSpec]:
        if value is None or value == "":
            return []
        if isinstance(value, str) and self.text_cells:
            text = value.strip()
            if text.startswith(("[", "{")):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    self.problem(
                        name, 'JSON 格式有误，例如 [{"when": {"has_pipeline_gas": false}, "weight": 7}]'
                    )
                    return []
                if isinstance(value, dict):
                    value = [value]
            else:
                return self._variants_from_text(name, text)
        if not isinstance(value, list):
            self.problem(name, "应为列表，每项形如 {when: {has_pipeline_gas: false}, weight: 7}")
            return []
        result = []
        for item in value:
            if not isinstance(item, dict):
                self.problem(name, "每个权重变体应形如 {when: {has_pipeline_gas: false}, weight: 7}")
                continue
            unknown = sorted(set(item) - {"when", "weight"}, key=str)
            if unknown:
                self.problem(
                    name, f"权重变体中有未知字段：{'、'.join(map(str, unknown))}（只允许 when 和 weight）"
                )
            when = item.get("when")
            if not isinstance(when, dict) or not when:
                self.problem(name, "权重变体的 when 应为非空的区域属性条件，例如 {has_pipeline_gas: false}")
                continue
            if any(not isinstance(v, str | int | float | bool) or v is None for v in when.values()):
                self.problem(name, "权重变体的条件值只能是文字、数字或 true/false")
                continue
            weight = self.number(name, item.get("weight"), "权重变体的权重必须是大于等于 0 的数字")
            if weight is None:
                if "weight" not in item:
                    self.problem(name, "权重变体缺少 weight")
                continue
            loc = getattr(item, "line", None)
            result.append(
                VariantSpec(
                    when={str(k): v for k, v in when.items()},
                    weight=weight,
                    location=Location(line=loc) if loc else self.where(name),
                )
            )
        return result

    def _variants_from_text(self, name: str, text: str) -> list[VariantSpec]:
        result = []
        for part in (p.strip() for p in re.split(r"[;；]", text)):
            if not part:
                continue
            conditions, sep, weight_text = part.rpartition(":")
            if not sep:
                conditions, sep, weight_text = part.rpartition("：")
            when: dict[str, Any] = {}
            for cond in (c.strip() for c in re.split(r"[,，]", conditions)):
                key, eq, val = cond.partition("=")
                if not eq or not key.strip():
                    when = {}
                    break
                when[key.strip()] = self.condition_value(val)
            if not sep or not when:
                self.problem(
                    name, f"权重变体“{part}”格式有误，应写成 条件=值:权重，例如 has_pipeline_gas=false:7"
                )
                continue
            weight = self.number(name, weight_text.strip() or None, "权重变体的权重必须是大于等于 0 的数字")
            if weight is not None:
                result.append(VariantSpec(when=when, weight=weight, location=self.where(name)))
        return result


def indicator_from_raw(raw: dict[str, Any], values: RawValues) -> IndicatorSpec:
    """One indicator from its raw fields (children are attached by the caller)."""
    node = IndicatorSpec(
        code=values.text("code", raw.get("code"), max_length=100, required=True),
        name=values.text("name", raw.get("name"), max_length=200, required=True),
    )
    if node.code and not CODE_PATTERN.match(node.code):
        values.problem("code", f"编码“{node.code}”只能由字母、数字和 - _ . 组成，且以字母或数字开头")
    if "weight" in raw:
        weight = values.number("weight", raw["weight"], "权重必须是大于 0 的数字")
        if weight is None and raw["weight"] is None:
            values.problem("weight", "权重必须是大于 0 的数字")
        node.weight = weight if weight is not None else 1.0
    node.optional = values.boolean("optional", raw.get("optional"))
    node.unit = values.text("unit", raw.get("unit"), max_length=30)
    node.direction = values.choice("direction", raw.get("direction"), DIRECTIONS, DIRECTION_LABELS)
    node.best = values.number("best", raw.get("best"), "最佳值必须是数字")
    node.worst = values.number("worst", raw.get("worst"), "最差值必须是数字")
    transform = raw.get("transform")
    if isinstance(transform, dict):
        unknown = sorted(set(transform) - {"power"}, key=str)
        if unknown:
            values.problem("transform", f"变换中有未知字段：{'、'.join(map(str, unknown))}（只支持 power）")
        node.transform_power = values.number(
            "transform", transform.get("power"), "幂变换指数必须是大于 0 的数字"
        )
    elif transform is not None and transform != "":
        if values.text_cells:
            node.transform_power = values.number("transform", transform, "幂变换指数必须是大于 0 的数字")
        else:
            values.problem("transform", "应写成 {power: 0.8}")
    node.definition = values.text("definition", raw.get("definition"), max_length=5000)
    node.remarks = values.text("remarks", raw.get("remarks"), max_length=5000)
    node.external_ref = values.text("external_ref", raw.get("external_ref"), max_length=200)
    for name in ("lead_departments", "responsible_departments"):
        if name in raw and not (values.text_cells and raw[name] in (None, "")):
            setattr(node, name, values.departments(name, raw[name]))
    if "source_kind" in raw and not (values.text_cells and raw["source_kind"] in (None, "")):
        node.source_kind = values.inherited_choice(
            "source_kind", raw["source_kind"], SOURCE_KINDS, SOURCE_KIND_LABELS
        )
    if "cycle" in raw and not (values.text_cells and raw["cycle"] in (None, "")):
        node.cycle = values.inherited_choice("cycle", raw["cycle"], CYCLES, CYCLE_LABELS)
    node.weight_variants = values.variants("weight_variants", raw.get("weight_variants"))
    return node


def parse_variants_text(text: str) -> tuple[list[VariantSpec], list[Problem]]:
    """Weight variants from the compact syntax `has_pipeline_gas=false:7; level=county:3` (or JSON)."""
    problems: list[Problem] = []
    values = RawValues(lambda _name: Location(), problems, text_cells=True)
    return values.variants("weight_variants", text), problems
