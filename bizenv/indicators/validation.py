"""The rules an indicator system must satisfy, checked over a spec; every problem in Chinese with its place.

Pure: the caller passes the department codes and region attribute keys that exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from typing import Any

from bizenv.indicators.specs import (
    FIELD_LABELS,
    LEAF_ONLY_FIELDS,
    MAX_DEPTH,
    IndicatorSpec,
    Location,
    Problem,
    SystemSpec,
    walk,
)
from bizenv.indicators.weights import weight_for

SYSTEM_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

# Region attributes a weight variant may test (see Region.attribute_values) and the values they take.
REGION_LEVELS = ("province", "city", "county", "district", "zone")
KNOWN_ATTRIBUTES: dict[str, str] = {
    "has_pipeline_gas": "bool",
    "level": "level",
    "population": "number",
    "gdp": "number",
    "peer_group": "text",
}

DIRECTION_LABELS = {"higher_better": "越高越好", "lower_better": "越低越好"}


def _format_when(when: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    return "，".join(f"{k}={show(v)}" for k, v in when.items())


def _check_condition(key: str, value: Any, attribute_keys: Collection[str]) -> str | None:
    kind = KNOWN_ATTRIBUTES.get(key)
    if kind is None:
        if key in attribute_keys:
            return None
        known = "、".join(sorted(set(KNOWN_ATTRIBUTES) | set(attribute_keys)))
        return f"权重变体的条件“{key}”不是区域属性（可用：{known}）"
    if kind == "bool" and not isinstance(value, bool):
        return f"条件 {key} 的值应为 true 或 false"
    if kind == "level" and value not in REGION_LEVELS:
        return f"条件 level 的值应为 {'、'.join(REGION_LEVELS)} 之一"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"条件 {key} 的值应为数字"
    if kind == "text" and not isinstance(value, str):
        return f"条件 {key} 的值应为文字"
    return None


def _node_problems(
    node: IndicatorSpec,
    level: int,
    *,
    complete: bool,
    department_codes: Collection[str] | None,
    attribute_keys: Collection[str],
) -> list[Problem]:
    problems: list[Problem] = []

    def add(field_name: str, message: str, location: Location | None = None) -> None:
        problems.append(Problem(message, field_name, location or node.where(field_name)))

    if not (node.weight > 0 and math.isfinite(node.weight)):
        add("weight", "权重必须是大于 0 的数字")
    if node.transform_power is not None and not node.transform_power > 0:
        add("transform", "幂变换指数必须是大于 0 的数字")
    if node.is_leaf:
        if complete and (node.best is None or node.worst is None):
            missing = [f for f in ("best", "worst") if getattr(node, f) is None]
            add(missing[0], "末级指标必须设置最佳值 best 和最差值 worst（用于前沿距离计分）")
        if node.best is not None and node.worst is not None:
            if node.best == node.worst:
                add("worst", f"最佳值与最差值不能相等（现均为 {node.best:g}）")
            elif node.direction == "lower_better" and node.best > node.worst:
                add(
                    "direction",
                    f"方向为“越低越好”时最佳值应小于最差值（现为 best={node.best:g}，worst={node.worst:g}）",
                )
            elif node.direction == "higher_better" and node.best < node.worst:
                add(
                    "direction",
                    f"方向为“越高越好”时最佳值应大于最差值（现为 best={node.best:g}，worst={node.worst:g}）",
                )
        if complete and node.best is not None and node.worst is not None and not node.direction:
            add("direction", "末级指标必须设置方向 direction（higher_better 或 lower_better）")
    elif complete:
        for name in LEAF_ONLY_FIELDS:
            if getattr(node, name) not in (None, ""):
                shown = "transform" if name == "transform_power" else name
                add(
                    shown,
                    f"只有末级指标可以设置{FIELD_LABELS[name]} {shown}（上级指标的得分由下级指标加权得到）",
                )
    if department_codes is not None:
        for name in ("lead_departments", "responsible_departments"):
            codes = node.__dict__.get(name) or []
            unknown = [c for c in codes if c not in department_codes]
            if unknown:
                hint = (
                    "；部门表为空，请先导入部门（organisations/data/departments.yaml）"
                    if not department_codes
                    else ""
                )
                add(name, f"未知的部门编码：{'、'.join(unknown)}{hint}")
    seen_when: list[dict] = []
    for variant in node.weight_variants:
        location = variant.location if (variant.location.line or variant.location.row) else None
        if not (variant.weight >= 0 and math.isfinite(variant.weight)):
            add("weight_variants", "权重变体的权重必须是大于等于 0 的数字", location)
        for key, value in variant.when.items():
            message = _check_condition(key, value, attribute_keys)
            if message:
                add("weight_variants", message, location)
        if variant.when in seen_when:
            add("weight_variants", f"权重变体的条件（{_format_when(variant.when)}）重复", location)
        seen_when.append(variant.when)
    if level > MAX_DEPTH:
        add("children", f"指标层级不能超过 {MAX_DEPTH} 级：{node.code} 位于第 {level} 级", node.where("code"))
    return problems


def _scenarios(siblings: Sequence[IndicatorSpec]) -> list[dict[str, Any]]:
    """Region attribute sets to try: no variant, each condition alone, and all conditions together."""
    conditions: list[dict[str, Any]] = []
    for node in siblings:
        for variant in node.weight_variants:
            if variant.when not in conditions:
                conditions.append(dict(variant.when))
    scenarios: list[dict[str, Any]] = [{}] + conditions
    merged: dict[str, Any] = {}
    consistent = True
    for when in conditions:
        for key, value in when.items():
            if key in merged and merged[key] != value:
                consistent = False
            merged[key] = value
    if consistent and len(conditions) > 1:
        scenarios.append(merged)
    return scenarios


def _group_problems(
    siblings: Sequence[IndicatorSpec], parent: IndicatorSpec | None, spec: SystemSpec
) -> list[Problem]:
    counted = [n for n in siblings if not n.optional]
    if not counted:
        return []
    problems = []
    for scenario in _scenarios(siblings):
        if scenario and all(weight_for(n, scenario) <= 0 for n in counted):
            owner = f"{parent.code} 的下级指标" if parent else "一级指标"
            first_with_variant = next((n for n in counted if n.weight_variants), counted[0])
            problems.append(
                Problem(
                    f"在条件（{_format_when(scenario)}）下，{owner}的权重全部为 0："
                    "同级中至少要有一个指标权重大于 0",
                    "weight_variants",
                    first_with_variant.where("weight_variants"),
                )
            )
    return problems


def validate_system(
    spec: SystemSpec,
    *,
    department_codes: Collection[str] | None = None,
    attribute_keys: Collection[str] = (),
    complete: bool = True,
) -> list[Problem]:
    """Every rule violation in the (resolved) spec; `complete=False` allows an unfinished draft tree."""
    problems: list[Problem] = []
    if spec.code and not SYSTEM_CODE_PATTERN.match(spec.code):
        problems.append(
            Problem(
                f"体系编码“{spec.code}”只能由字母、数字和 - _ . 组成，且以字母或数字开头",
                "code",
                spec.where("code"),
            )
        )
    if complete and not spec.indicators:
        problems.append(Problem("指标体系至少需要一个指标", "indicators", spec.where("indicators")))
    first_seen: dict[str, IndicatorSpec] = {}
    for node, _parent, level in walk(spec.indicators):
        if node.code:
            earlier = first_seen.get(node.code)
            if earlier is not None:
                at = earlier.where("code").describe()
                problems.append(
                    Problem(
                        f"编码“{node.code}”重复（{at}已使用）；编码在整个体系内必须唯一",
                        "code",
                        node.where("code"),
                    )
                )
            else:
                first_seen[node.code] = node
        problems.extend(
            _node_problems(
                node,
                level,
                complete=complete,
                department_codes=department_codes,
                attribute_keys=attribute_keys,
            )
        )
    problems.extend(_group_problems(spec.indicators, None, spec))
    for node, _parent, _level in walk(spec.indicators):
        if node.children:
            problems.extend(_group_problems(node.children, node, spec))
    return _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem):
        loc = p.location
        return (loc.sheet, loc.row or 0, loc.line or 0)

    return sorted(problems, key=key)
