"""Reading and writing warning-rule files (YAML): `rules: [ {code, kind, severity, …}, … ]`.

`rules_parse` reads a file into RuleSpecs and checks each rule against an indicator system (and the known
同类分组); every problem is Chinese and names the line, the rule (its code, or “第 3 条规则” when it has none)
and the field. `rules_dump` writes rules back so that they read equal. The format is in docs/formats.md
(“预警规则文件”).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from bizenv.evaluation.scoring import TOTAL, CompiledSystem
from bizenv.indicators.parsing.yaml_files import LineDict, LineLoader
from bizenv.monitoring.specs import (
    LEAVES,
    RULE_KIND_LABELS,
    Compare,
    RuleKind,
    RuleSpec,
    Severity,
)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
CODE_MAX_LENGTH = 50
NAME_MAX_LENGTH = 100

# What each kind needs and may have besides the common keys.
REQUIRED: dict[str, tuple[str, ...]] = {
    RuleKind.THRESHOLD: ("line",),
    RuleKind.LAG_BEST: ("gap",),
    RuleKind.LAG_BENCHMARK: ("ratio",),
    RuleKind.FLUCTUATION: ("k", "compare"),
    RuleKind.BOTTOM_RANK: ("n",),
    RuleKind.OVERDUE: (),
    RuleKind.MISSING_REPORT: (),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    RuleKind.FLUCTUATION: ("min_history",),
    RuleKind.OVERDUE: ("limit", "open_limit", "dataset"),
}
PARAMETERS = ("line", "gap", "ratio", "k", "compare", "min_history", "n", "limit", "open_limit", "dataset")
COMMON_KEYS = ("code", "kind", "severity", "name", "indicators", "indicator", "level", "regions", "description",
               "enabled")
RULE_KEYS = COMMON_KEYS + PARAMETERS
# Kinds that look at leaf values (the others at node scores, or at raw-record facts).
VALUE_KINDS = frozenset({RuleKind.THRESHOLD, RuleKind.LAG_BENCHMARK, RuleKind.FLUCTUATION})
FACT_KINDS = frozenset({RuleKind.OVERDUE, RuleKind.MISSING_REPORT})

SEVERITY_WORDS = {
    "red": Severity.RED, "红": Severity.RED, "红色": Severity.RED,
    "orange": Severity.ORANGE, "橙": Severity.ORANGE, "橙色": Severity.ORANGE,
    "yellow": Severity.YELLOW, "黄": Severity.YELLOW, "黄色": Severity.YELLOW,
}
COMPARE_WORDS = {"pop": Compare.POP, "环比": Compare.POP, "yoy": Compare.YOY, "同比": Compare.YOY}
LEAVES_WORDS = frozenset({LEAVES, "末级"})


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a rule file, in Chinese: where (line), which rule and which field."""

    message: str
    rule: str = ""  # "规则 R1" or "第 3 条规则"
    field: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = [part for part in (f"第 {self.line} 行" if self.line else "", self.rule,
                                   f"字段 {self.field}" if self.field else "") if part]
        return ("，".join(where) + "：" if where else "") + self.message


@dataclass
class RuleFileResult:
    """The rules read (those without problems) and every problem found."""

    rules: list[RuleSpec] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------------------------- YAML with lines


# The indicator files' line-aware loader: mappings remember their line, each key's line and repeated keys.
_Mapping, _Loader = LineDict, LineLoader


# --------------------------------------------------------------------------------------------- reading


class _Reader:
    """Reads the fields of one rule mapping, collecting problems that name the rule and field."""

    def __init__(self, raw: _Mapping, label: str, problems: list[RuleProblem]):
        self.raw, self.label, self.problems = raw, label, problems
        self.bad = False

    def add(self, name: str, message: str) -> None:
        self.bad = True
        self.problems.append(RuleProblem(message, self.label, name, self.raw.key_lines.get(name, self.raw.line)))

    def text(self, name: str, *, required: bool = False, max_length: int = 2000) -> str:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.add(name, "不能为空")
            return ""
        if isinstance(value, bool | list | dict):
            self.add(name, "应为文字")
            return ""
        text = str(value).strip()
        if required and not text:
            self.add(name, "不能为空")
        if len(text) > max_length:
            self.add(name, f"长度不能超过 {max_length} 个字符（现为 {len(text)} 个）")
        return text

    def number(self, name: str, *, minimum: float | None = None, above: float | None = None) -> float | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add(name, f"应为数字，实为“{_shown(value)}”")
            return None
        if minimum is not None and value < minimum:
            self.add(name, f"不能小于 {minimum:g}，实为 {value:g}")
            return None
        if above is not None and not value > above:
            self.add(name, f"应大于 {above:g}，实为 {value:g}")
            return None
        return float(value)

    def integer(self, name: str, *, minimum: int) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            self.add(name, f"应为不小于 {minimum} 的整数，实为“{_shown(value)}”")
            return None
        if value < minimum:
            self.add(name, f"应为不小于 {minimum} 的整数，实为 {int(value)}")
            return None
        return int(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.raw.get(name)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        result = []
        for item in items:
            if isinstance(item, bool | list | dict) or item is None or not str(item).strip():
                self.add(name, "应为一个或多个非空文字（列表写成 [甲, 乙]）")
                return ()
            result.append(str(item).strip())
        return tuple(result)


def _shown(value: Any) -> str:
    return str(value).strip()[:40]


def _rule_label(raw: Mapping, position: int) -> str:
    code = raw.get("code")
    if isinstance(code, str | int) and not isinstance(code, bool) and CODE_PATTERN.match(str(code).strip()):
        return f"规则 {str(code).strip()}"
    return f"第 {position} 条规则"


def _read_rule(raw: _Mapping, position: int, problems: list[RuleProblem]) -> RuleSpec | None:
    """One rule from its mapping, checking shapes, types and which parameters its kind takes."""
    label = _rule_label(raw, position)
    read = _Reader(raw, label, problems)
    for key, line in raw.duplicates:
        read.bad = True
        problems.append(RuleProblem(f"字段“{key}”重复出现", label, str(key), line))
    for key in raw:
        if key not in RULE_KEYS:
            read.add(str(key), f"未知字段“{key}”（可用的字段：{', '.join(RULE_KEYS)}）")

    code = read.text("code", required=True, max_length=CODE_MAX_LENGTH)
    if code and not CODE_PATTERN.match(code):
        read.add("code", f"规则编码“{code}”只能由字母、数字、点、下划线和连字符组成")
    kind_text = read.text("kind", required=True)
    kind = RuleKind(kind_text) if kind_text in set(RuleKind) else None
    if kind_text and kind is None:
        read.add("kind", f"未知的规则类型“{kind_text}”，应为 {'、'.join(k.value for k in RuleKind)} 之一"
                         f"（{'、'.join(RULE_KIND_LABELS.values())}）")
    severity_text = read.text("severity", required=True)
    severity = SEVERITY_WORDS.get(severity_text.lower())
    if severity_text and severity is None:
        read.add("severity", f"未知的预警等级“{severity_text}”，应为 red（红）、orange（橙）或 yellow（黄）")
    name = read.text("name", max_length=NAME_MAX_LENGTH)
    description = read.text("description")

    if "indicators" in raw and "indicator" in raw:
        read.add("indicator", "indicator 与 indicators 只能写一个")
    indicators = read.texts("indicators") + read.texts("indicator")
    level = _read_level(read)
    if indicators and level is not None:
        read.add("level", "indicators 与 level 只能写一个：要么列出指标，要么指定层级")
    regions = read.texts("regions")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        read.add("enabled", f"应为 true 或 false，实为“{_shown(enabled)}”")
        enabled = True

    values: dict[str, Any] = {
        "line": read.number("line"),
        "gap": read.number("gap", minimum=0),
        "ratio": read.number("ratio", minimum=0),
        "k": read.number("k", above=0),
        "min_history": read.integer("min_history", minimum=2),
        "n": read.integer("n", minimum=0),
        "limit": read.number("limit", minimum=0),
        "open_limit": read.integer("open_limit", minimum=0),
        "dataset": read.text("dataset"),
    }
    compare_text = read.text("compare")
    values["compare"] = COMPARE_WORDS.get(compare_text.lower()) if compare_text else None
    if compare_text and values["compare"] is None:
        read.add("compare", f"比较方式“{compare_text}”未知，应为 pop（环比）或 yoy（同比）")
    if values["limit"] is not None and values["limit"] > 1:
        read.add("limit", f"超期办结占比应在 0 到 1 之间（5% 写 0.05），实为 {values['limit']:g}")

    if kind is not None:
        wanted = REQUIRED[kind] + OPTIONAL.get(kind, ())
        for name_ in REQUIRED[kind]:
            if raw.get(name_) is None:
                read.add(name_, f"{RULE_KIND_LABELS[kind]}规则（{kind.value}）必须设置 {name_}")
        for name_ in PARAMETERS:
            if name_ in raw and name_ not in wanted:
                read.add(name_, f"{RULE_KIND_LABELS[kind]}规则（{kind.value}）不使用参数 {name_}")
        if kind in FACT_KINDS and level is not None:
            read.add("level", f"{RULE_KIND_LABELS[kind]}规则按办件或填报记录检查，不按层级：请用 indicators")
    if read.bad or kind is None or severity is None:
        return None
    return RuleSpec(code=code, kind=kind, severity=severity, name=name, indicators=indicators, level=level,
                    region_groups=regions, description=description, enabled=enabled, **values)


def _read_level(read: _Reader) -> int | str | None:
    value = read.raw.get("level")
    if value is None:
        return None
    if isinstance(value, str) and value.strip() in LEAVES_WORDS:
        return LEAVES
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 0:
        read.add("level", f"层级应为 0（综合得分）、1（一级指标）、2、3…… 或 leaves（全部末级指标），"
                          f"实为“{_shown(value)}”")
        return None
    return int(value)


def rule_problems(rule: RuleSpec, system: CompiledSystem, *, region_groups: Collection[str] | None = None,
                  label: str = "", line: int | None = None) -> list[RuleProblem]:
    """What is wrong with a rule for an indicator system: unknown indicators and levels, a value rule on an
    indicator without values, unknown 同类分组 (when the known groups are given)."""
    label = label or f"规则 {rule.code}"
    problems: list[RuleProblem] = []

    def add(name: str, message: str) -> None:
        problems.append(RuleProblem(message, label, name, line))

    index = system.node_index
    leaves = set(system.leaf_codes)
    kind_label = f"{RULE_KIND_LABELS.get(rule.kind, rule.kind)}规则（{rule.kind}）"
    key = "indicators"
    for code in rule.indicators:
        if code not in index:
            add(key, f"未知的指标编码“{code}”（指标体系 {system.code} 中没有该指标）")
        elif rule.kind in VALUE_KINDS and code not in leaves:
            what = "综合得分" if code == TOTAL else f"指标 {code} 不是末级指标"
            add(key, f"{what}：{kind_label}比较末级指标的原始值")
        elif rule.kind in FACT_KINDS and code == TOTAL:
            add(key, f"{kind_label}不能针对综合得分 {TOTAL}")
    if rule.kind == RuleKind.THRESHOLD and not rule.indicators:
        add("indicators", "超出预警线规则必须用 indicators 指明末级指标（各指标单位不同，一条预警线不能通用）")
    levels = sorted({int(v) for v in system.level})
    if rule.level is not None and rule.level != LEAVES:
        if rule.kind in VALUE_KINDS:
            add("level", f"{kind_label}比较末级指标的原始值，level 只能写 leaves（或用 indicators 列出末级指标）")
        elif int(rule.level) not in levels:
            add("level", f"指标体系 {system.code} 没有第 {rule.level} 层（现有层级："
                         f"{'、'.join(str(v) for v in levels)}；0 为综合得分，或写 leaves）")
    if region_groups is not None:
        known = set(region_groups)
        for group in rule.region_groups:
            if group not in known:
                shown = "、".join(sorted(known)) if known else "没有任何地区设置同类分组"
                add("regions", f"未知的同类分组“{group}”（已知：{shown}）")
    return problems


def rules_parse(content: bytes | str, system: CompiledSystem | None = None, *,
                region_groups: Collection[str] | None = None) -> RuleFileResult:
    """Read a rule file; with `system`, also check every rule against it (and `region_groups` when given)."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return RuleFileResult([], [RuleProblem("文件不是 UTF-8 编码的文本，请以 UTF-8 编码保存规则文件")])
    try:
        data = yaml.load(content, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return RuleFileResult([], [RuleProblem("YAML 语法错误，请检查该行及上一行的缩进、冒号、引号和括号",
                                               line=mark.line + 1 if mark is not None else None)])
    except yaml.YAMLError as exc:
        return RuleFileResult([], [RuleProblem(f"YAML 语法错误：{exc}")])
    if not isinstance(data, _Mapping) or "rules" not in data:
        return RuleFileResult([], [RuleProblem("文件内容应以 rules: 开头，其下每条规则以“- code: …”开头", line=1)])
    problems: list[RuleProblem] = []
    for key in data:
        if key != "rules":
            problems.append(RuleProblem(f"未知字段“{key}”（文件顶层只有 rules）", "", str(key),
                                        data.key_lines.get(key)))
    items = data["rules"]
    if items is None:
        items = []
    if not isinstance(items, list):
        return RuleFileResult([], [*problems, RuleProblem("rules 应是规则列表（每条以“- code: …”开头）", "",
                                                          "rules", data.key_lines.get("rules"))])
    rules: list[RuleSpec] = []
    first: dict[str, int] = {}
    for position, raw in enumerate(items, start=1):
        if not isinstance(raw, _Mapping):
            problems.append(RuleProblem("每条规则应是一个映射（含 code、kind、severity 等字段）",
                                        f"第 {position} 条规则", "", data.key_lines.get("rules")))
            continue
        rule = _read_rule(raw, position, problems)
        if rule is None:
            continue
        if rule.code in first:
            problems.append(RuleProblem(f"规则编码重复（第 {first[rule.code]} 条规则已用）", f"规则 {rule.code}",
                                        "code", raw.key_lines.get("code", raw.line)))
            continue
        first[rule.code] = position
        if system is not None:
            found = rule_problems(rule, system, region_groups=region_groups)
            if found:
                problems.extend(_relined(found, raw))
                continue
        rules.append(rule)
    return RuleFileResult(rules, problems)


def _relined(problems: list[RuleProblem], raw: _Mapping) -> list[RuleProblem]:
    """Point each problem at the line of its field."""
    lines = dict(raw.key_lines)
    lines.setdefault("indicators", lines.get("indicator", raw.line))
    return [RuleProblem(p.message, p.rule, p.field, lines.get(p.field, raw.line)) for p in problems]


# --------------------------------------------------------------------------------------------- writing


def rule_as_dict(rule: RuleSpec) -> dict[str, Any]:
    """A rule as the mapping of a rule file: only what is set, in a fixed order."""
    out: dict[str, Any] = {"code": rule.code, "kind": str(rule.kind), "severity": str(rule.severity)}
    if rule.name:
        out["name"] = rule.name
    if rule.indicators:
        out["indicators"] = list(rule.indicators)
    if rule.level is not None:
        out["level"] = rule.level if rule.level == LEAVES else int(rule.level)
    if rule.region_groups:
        out["regions"] = list(rule.region_groups)
    for name in PARAMETERS:
        value = getattr(rule, name)
        if value is None or value == "":
            continue
        if name == "compare":
            value = str(value)
        elif name in ("min_history", "n", "open_limit"):
            value = int(value)
        elif name != "dataset":
            value = int(value) if float(value).is_integer() else float(value)
        out[name] = value
    if rule.description:
        out["description"] = rule.description
    if not rule.enabled:
        out["enabled"] = False
    return out


class _Dumper(yaml.SafeDumper):
    """Rules as blocks, lists of codes and groups on one line."""


_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=all(not isinstance(item, dict | list) for item in data)))


def rules_dump(rules: Sequence[RuleSpec]) -> str:
    """YAML text of `rules` that `rules_parse` reads back equal."""
    body = yaml.dump({"rules": [rule_as_dict(r) for r in rules]}, Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=100)
    return "# 预警规则（格式见 docs/formats.md“预警规则文件”）\n" + body
