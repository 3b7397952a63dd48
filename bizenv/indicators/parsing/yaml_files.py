"""Reading the YAML format of an indicator system; problems name the line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from bizenv.indicators.parsing.values import (
    CODE_PATTERN,
    INDICATOR_FIELDS,
    SYSTEM_FIELDS,
    ParseResult,
    RawValues,
    indicator_from_raw,
)
from bizenv.indicators.specs import (
    DEFAULT_VERSION,
    IndicatorSpec,
    Location,
    Problem,
    SystemSpec,
    resolve_inheritance,
)

# ---------------------------------------------------------------------------------------------- YAML


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict
    duplicates: list


class LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(None, None, "字段名不能是列表或映射", key_node.start_mark)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_where(mapping: LineDict) -> Callable[[str], Location]:
    def where(field_name: str) -> Location:
        line = mapping.key_lines.get(field_name) or mapping.line
        return Location(line=line)

    return where


def _yaml_locations(mapping: LineDict, fields: tuple[str, ...]) -> dict[str, Location]:
    locations = {"": Location(line=mapping.line)}
    for name in fields:
        if name in mapping.key_lines:
            locations[name] = Location(line=mapping.key_lines[name])
    if "transform" in locations:
        locations["transform_power"] = locations["transform"]
    return locations


def _check_keys(mapping: LineDict, allowed: tuple[str, ...], problems: list[Problem], what: str) -> None:
    for key, line in mapping.duplicates:
        problems.append(Problem(f"{what}中字段“{key}”重复出现", str(key), Location(line=line)))
    for key in mapping:
        if key not in allowed:
            problems.append(
                Problem(
                    f"未知字段“{key}”（{what}可用的字段：{', '.join(allowed)}）",
                    str(key),
                    Location(line=mapping.key_lines.get(key, mapping.line)),
                )
            )


def _yaml_indicators(
    items: Any, problems: list[Problem], where: Location, field_name: str
) -> list[IndicatorSpec]:
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem("应为指标列表（每项以“- code: …”开头）", field_name, where))
        return []
    nodes = []
    for item in items:
        if not isinstance(item, LineDict):
            problems.append(Problem("列表中的每一项应是一个指标（含 code、name 等字段）", field_name, where))
            continue
        _check_keys(item, INDICATOR_FIELDS, problems, "指标")
        values = RawValues(_yaml_where(item), problems, text_cells=False)
        node = indicator_from_raw(item, values)
        node.locations = _yaml_locations(item, INDICATOR_FIELDS)
        node.children = _yaml_indicators(item.get("children"), problems, node.where("children"), "children")
        nodes.append(node)
    return nodes


def _carry_over(raw: Any, where: Location, problems: list[Problem]) -> dict[str, str]:
    """`carry_over: {新编码: 旧编码}`: which code of the replaced version a renamed indicator takes values from."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem("carry_over 应是“新编码: 旧编码”的映射", "carry_over", where))
        return {}
    out: dict[str, str] = {}
    for new, old in raw.items():
        new, old = str(new).strip(), str(old if old is not None else "").strip()
        if not CODE_PATTERN.match(new) or not CODE_PATTERN.match(old):
            problems.append(Problem(f"carry_over 中“{new}: {old}”不是两个有效的指标编码", "carry_over", where))
            continue
        out[new] = old
    return out


def parse_yaml(content: bytes | str) -> ParseResult:
    """Parse the YAML format (see docs/formats.md); line numbers are 1-based."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParseResult(None, [Problem("文件不是 UTF-8 编码的文本，请以 UTF-8 编码保存 YAML 文件")])
    try:
        data = yaml.load(content, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or ""
        return ParseResult(
            None, [Problem(f"YAML 语法错误（{detail}），请检查缩进、冒号和引号", "", Location(line=line))]
        )
    except yaml.YAMLError as exc:
        return ParseResult(None, [Problem(f"YAML 语法错误：{exc}")])
    if not isinstance(data, LineDict):
        return ParseResult(
            None,
            [
                Problem(
                    "文件内容应是一个指标体系（包含 code、name、indicators 等字段的映射）",
                    "",
                    Location(line=1),
                )
            ],
        )
    problems: list[Problem] = []
    _check_keys(data, SYSTEM_FIELDS, problems, "指标体系")
    values = RawValues(_yaml_where(data), problems, text_cells=False)
    spec = SystemSpec(
        code=values.text("code", data.get("code"), max_length=50, required=True),
        name=values.text("name", data.get("name"), max_length=200, required=True),
        version=values.text("version", data.get("version"), max_length=30) or DEFAULT_VERSION,
        description=values.text("description", data.get("description"), max_length=5000),
    )
    spec.locations = _yaml_locations(data, SYSTEM_FIELDS)
    spec.carry_over = _carry_over(data.get("carry_over"), spec.where("carry_over"), problems)
    if "indicators" not in data:
        problems.append(Problem("缺少指标列表 indicators", "indicators", Location(line=data.line)))
    spec.indicators = _yaml_indicators(
        data.get("indicators"), problems, spec.where("indicators"), "indicators"
    )
    return ParseResult(resolve_inheritance(spec), problems)
