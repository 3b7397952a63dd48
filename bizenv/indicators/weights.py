"""Effective weights of an indicator tree for a region.

Variants applied, zero weights dropped, siblings renormalised.

Pure: works on specs (or anything shaped like them: code, weight, optional, weight_variants, children).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bizenv.indicators.specs import SystemSpec


def _same(attribute: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(attribute, bool):
        return isinstance(attribute, bool) and isinstance(wanted, bool) and attribute == wanted
    return attribute == wanted


def variant_matches(when: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    """True when the region has every attribute in `when` with the same value."""
    return all(key in attributes and _same(attributes[key], value) for key, value in when.items())


def weight_for(node, attributes: Mapping[str, Any]) -> float:
    """The node's weight for a region: the first matching variant's, else the base weight."""
    for variant in node.weight_variants:
        if variant_matches(variant.when, attributes):
            return float(variant.weight)
    return float(node.weight)


def _roots(tree) -> Sequence:
    return tree.indicators if isinstance(tree, SystemSpec) else tree


def effective_weights(
    tree, region_attributes: Mapping[str, Any] | None = None, *, include_optional: Iterable[str] = ()
) -> dict[str, float]:
    """{code: weight normalised among kept siblings}; dropped nodes (weight 0, optional, empty) are absent."""
    attributes = dict(region_attributes or {})
    included = set(include_optional)
    result: dict[str, float] = {}

    def kept_subtree(nodes) -> dict[str, float]:
        raw: dict[str, float] = {}
        for node in nodes:
            if node.optional and node.code not in included:
                continue
            weight = weight_for(node, attributes)
            if weight <= 0:
                continue
            if node.children:
                below = kept_subtree(node.children)
                if not below:
                    continue
                result.update(below)
            raw[node.code] = weight
        total = sum(raw.values())
        return {code: w / total for code, w in raw.items()}

    result.update(kept_subtree(_roots(tree)))
    return result


def composite_weights(
    tree, region_attributes: Mapping[str, Any] | None = None, *, include_optional: Iterable[str] = ()
) -> dict[str, float]:
    """{code: share of the composite score}: the product of normalised weights along the path from the top."""
    local = effective_weights(tree, region_attributes, include_optional=include_optional)
    result: dict[str, float] = {}

    def walk(nodes, share: float) -> None:
        for node in nodes:
            if node.code in local:
                result[node.code] = share * local[node.code]
                walk(node.children, result[node.code])

    walk(_roots(tree), 1.0)
    return result


def variant_conditions(tree) -> list[dict[str, Any]]:
    """The distinct `when` conditions used anywhere in the tree, in first-use order."""
    seen: list[dict[str, Any]] = []

    def walk(nodes) -> None:
        for node in nodes:
            for variant in node.weight_variants:
                if dict(variant.when) not in seen:
                    seen.append(dict(variant.when))
            walk(node.children)

    walk(_roots(tree))
    return seen


def describe_conditions(when: Mapping[str, Any]) -> str:
    """A Chinese phrase for the regions a variant applies to, e.g. 不具备管道供气条件的地区."""
    level_labels = {"province": "省", "city": "市", "county": "县", "district": "区", "zone": "开发区"}
    parts = []
    for key, value in when.items():
        if key == "has_pipeline_gas" and isinstance(value, bool):
            parts.append("具备管道供气条件" if value else "不具备管道供气条件")
        elif key == "level":
            parts.append(f"层级为{level_labels.get(value, value)}")
        elif key == "peer_group":
            parts.append(f"同类分组为“{value}”")
        elif isinstance(value, bool):
            parts.append(f"{key} 为{'是' if value else '否'}")
        else:
            parts.append(f"{key} 为 {value}")
    return "、".join(parts) + "的地区"


def conditions_text(when: Mapping[str, Any]) -> str:
    """Conditions as written in files: `has_pipeline_gas=false, level=county`."""

    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return ", ".join(f"{key}={show(value)}" for key, value in when.items())
