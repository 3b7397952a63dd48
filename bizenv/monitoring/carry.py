"""What a newly published indicator-system version does with the warning rules of the version it replaces.

Rules belong to a version, so without this step the new active version would be monitored with no rules at all.
On publishing, every rule of the replaced version (the same version whose values the observations step carries,
see docs/decisions/0004) is copied to the new one with its code, settings and order: unchanged when its
indicators are all still there; with codes rewritten where an indicator was renamed (the version's `carry_over`
mapping, or the one removed leaf whose values carry by an equal definition); without the indicators that no
longer exist, or whose unit or direction changed under a rule that compares raw values against fixed figures.
A rule of which nothing remains, whose level no longer exists, or that the new system rejects
(`rulefile.rule_problems`) is not carried, and the plan says why. A rule the new version already has (same code)
is left as it is. Warnings stay with the version they were raised under: they are history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from django.db import transaction

from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError
from bizenv.evaluation.scoring import TOTAL, CompiledSystem
from bizenv.indicators.models import SystemVersion, VersionStatus
from bizenv.indicators.specs import IndicatorSpec, SystemSpec, walk
from bizenv.monitoring.models import ACTIVE_STATUSES, Warning, WarningRule
from bizenv.monitoring.rulefile import VALUE_KINDS, rule_problems
from bizenv.monitoring.specs import RULE_KIND_LABELS, SEVERITY_LABELS, RuleKind, RuleSpec
from bizenv.organisations.permissions import actor_user

DIRECTION_LABELS = {"lower_better": "越低越好", "higher_better": "越高越好"}


class RuleOutcome(StrEnum):
    SAME = "same"
    RENAMED = "renamed"
    NARROWED = "narrowed"
    EXISTS = "exists"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return {"same": "沿用", "renamed": "沿用（指标编码按对应改写）", "narrowed": "沿用（去掉部分指标）",
                "exists": "新版本已有同编码规则，保持不变", "dropped": "不沿用"}[self.value]

    @property
    def carries(self) -> bool:
        return self in (RuleOutcome.SAME, RuleOutcome.RENAMED, RuleOutcome.NARROWED)


@dataclass(frozen=True)
class RuleCarry:
    """One rule of the replaced version: what publishing does with it, and why."""

    code: str
    name: str
    kind_label: str
    severity_label: str
    outcome: RuleOutcome
    reason: str = ""
    indicators: tuple[str, ...] = ()  # the scope under the new version
    renamed: tuple[tuple[str, str], ...] = ()  # (old code, new code)
    dropped: tuple[tuple[str, str], ...] = ()  # (old code, why it is left out)
    spec: RuleSpec | None = field(default=None, compare=False, repr=False)  # the rule as carried

    @property
    def outcome_label(self) -> str:
        return self.outcome.label

    @property
    def carries(self) -> bool:
        return self.outcome.carries

    @property
    def renamed_text(self) -> str:
        return "、".join(f"{old} → {new}" for old, new in self.renamed)

    @property
    def dropped_text(self) -> str:
        return "、".join(f"{code}（{why}）" for code, why in self.dropped)

    @property
    def note(self) -> str:
        """Everything that changed or stopped the rule, in one Chinese sentence."""
        parts = []
        if self.renamed:
            parts.append(f"指标编码改为 {self.renamed_text}")
        if self.dropped and self.carries:
            parts.append(f"去掉指标 {self.dropped_text}")
        if self.reason:
            parts.append(self.reason)
        return "；".join(parts)


@dataclass
class RuleCarryPlan:
    """What publishing `target` does with the warning rules of `source` (None: no earlier published version)."""

    target: SystemVersion
    source: SystemVersion | None
    rules: list[RuleCarry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    open_warnings: int = 0  # unfinished warnings of `source` (they stay there)
    created: int = 0  # rules written by rules_carry
    applied: bool = False

    @property
    def carried(self) -> list[RuleCarry]:
        return [r for r in self.rules if r.carries]

    @property
    def changed(self) -> list[RuleCarry]:
        return [r for r in self.carried if r.outcome != RuleOutcome.SAME]

    @property
    def kept(self) -> list[RuleCarry]:
        return [r for r in self.rules if r.outcome == RuleOutcome.EXISTS]

    @property
    def not_carried(self) -> list[RuleCarry]:
        return [r for r in self.rules if r.outcome == RuleOutcome.DROPPED]

    @property
    def warnings_text(self) -> str:
        if self.source is None:
            return ""
        if not self.open_warnings:
            return (f"原版本 {self.source.version} 没有未办结的预警；新版本的监测从下一次检查开始，"
                    "产生新版本自己的预警。")
        return (f"原版本 {self.source.version} 有 {self.open_warnings} 条未办结预警：新版本下一次检查时仍然触发的，"
                "转入新版本的同一规则继续跟踪（签收状态和首次整改时期随之转入，整改举措保留在原预警并可从新预警查到），"
                "原预警关闭；不再触发的留在原版本，可继续办理和销号。")

    def lines(self) -> list[str]:
        """The plan as plain Chinese lines (for the command line)."""
        if self.source is None:
            return ["该体系此前没有已发布的版本，没有可沿用的预警规则。"]
        verb = "已沿用" if self.applied else "将沿用"
        out = [f"{verb}版本 {self.source.version} 的 {len(self.carried)} 条预警规则（共 {len(self.rules)} 条）；"
               f"{len(self.not_carried)} 条不沿用；{len(self.kept)} 条新版本已有同编码规则，保持不变。"]
        out += [f"问题：{p}" for p in self.problems]
        for rule in self.rules:
            if rule.outcome == RuleOutcome.SAME:
                continue
            note = rule.note
            out.append(f"  规则 {rule.code} {rule.name}：{rule.outcome_label}" + (f"，{note}" if note else ""))
        out.append(self.warnings_text)
        return out


# --------------------------------------------------------------------------------------------- matching


def _nodes(spec: SystemSpec) -> dict[str, tuple[IndicatorSpec, int]]:
    return {node.code: (node, level) for node, _parent, level in walk(spec.indicators)}


def _lower_better(node: IndicatorSpec) -> bool:
    """As monitoring reads it: the leaf's direction, else lower when best < worst."""
    if node.direction in DIRECTION_LABELS:
        return node.direction == "lower_better"
    return node.best is not None and node.worst is not None and node.best < node.worst


def _measure_change(kind: RuleKind, old: IndicatorSpec, new: IndicatorSpec) -> str:
    """Why a value rule can no longer watch `new` as it watched `old` ("" when it can): a threshold line is in
    the old unit and on the old side; every value rule reads the direction to know which way is worse."""
    if kind == RuleKind.THRESHOLD and (old.unit or "") != (new.unit or ""):
        return f"单位由“{old.unit or '无'}”改为“{new.unit or '无'}”，预警线按原单位设定"
    if kind in VALUE_KINDS and _lower_better(old) != _lower_better(new):
        before, after = ("越低越好", "越高越好") if _lower_better(old) else ("越高越好", "越低越好")
        return f"方向由{before}改为{after}"
    return ""


def _renames(source: SystemSpec, target: SystemSpec) -> dict[str, list[str]]:
    """Old code → the codes of the new version that take it over (only for codes the new version lacks): the
    version's `carry_over` mapping for any node, and a removed leaf whose values carry by an equal definition."""
    from bizenv.observations.carry import CarryOutcome, carry_match

    old, new = _nodes(source), _nodes(target)
    out: dict[str, list[str]] = defaultdict(list)
    for new_code, old_code in sorted(target.carry_over.items()):
        if new_code in new and old_code in old:
            out[old_code].append(new_code)
    matches, _problems = carry_match(source=source, target=target)
    for m in matches:
        if m.outcome == CarryOutcome.MATCHED and m.code not in out[m.source_code]:
            out[m.source_code].append(m.code)
    return {code: codes for code, codes in out.items() if codes and code not in new}


def rules_match(*, rules: Sequence[RuleSpec], source: SystemSpec, target: SystemSpec, compiled: CompiledSystem,
                existing: Collection[str] = ()) -> list[RuleCarry]:
    """For each rule of `source`, what it becomes under `target` (pure; `compiled` is `target` compiled,
    `existing` the rule codes the target already has; reasons in Chinese)."""
    old_nodes, new_nodes = _nodes(source), _nodes(target)
    renames = _renames(source, target)
    levels = sorted({level for _node, level in new_nodes.values()})
    out = []
    for rule in rules:
        head = {"code": rule.code, "name": rule.label, "kind_label": RULE_KIND_LABELS.get(rule.kind, str(rule.kind)),
                "severity_label": SEVERITY_LABELS.get(rule.severity, str(rule.severity))}
        if rule.code in existing:
            out.append(RuleCarry(**head, outcome=RuleOutcome.EXISTS, indicators=rule.indicators))
            continue
        if isinstance(rule.level, int) and rule.level > 0 and rule.level not in levels:
            out.append(RuleCarry(**head, outcome=RuleOutcome.DROPPED, reason=(
                f"新版本没有第 {rule.level} 层指标（现有层级：{'、'.join(str(v) for v in levels)}）")))
            continue
        indicators: list[str] = []
        renamed: list[tuple[str, str]] = []
        dropped: list[tuple[str, str]] = []
        for code in rule.indicators:
            if code == TOTAL or code in new_nodes:
                takers = [code]
            elif code in renames:
                takers = renames[code]
            else:
                dropped.append((code, "新版本中没有该指标，也没有编码对应"))
                continue
            for new_code in takers:
                old = old_nodes.get(code)
                new = new_nodes.get(new_code)
                leaves = old is not None and new is not None and old[0].is_leaf and new[0].is_leaf
                why = _measure_change(rule.kind, old[0], new[0]) if leaves else ""
                if why:
                    dropped.append((code if new_code == code else f"{code} → {new_code}", why))
                elif new_code not in indicators:
                    indicators.append(new_code)
                    if new_code != code:
                        renamed.append((code, new_code))
        if rule.indicators and not indicators:
            out.append(RuleCarry(**head, outcome=RuleOutcome.DROPPED, dropped=tuple(dropped),
                                 reason=f"指标范围在新版本中没有可沿用的指标：{'、'.join(f'{c}（{w}）' for c, w in dropped)}"))
            continue
        spec = replace(rule, indicators=tuple(indicators))
        problems = rule_problems(spec, compiled)
        if problems:
            out.append(RuleCarry(**head, outcome=RuleOutcome.DROPPED, indicators=spec.indicators,
                                 renamed=tuple(renamed), dropped=tuple(dropped),
                                 reason="新版本中不能使用：" + "；".join(p.message for p in problems)))
            continue
        outcome = RuleOutcome.NARROWED if dropped else RuleOutcome.RENAMED if renamed else RuleOutcome.SAME
        out.append(RuleCarry(**head, outcome=outcome, indicators=spec.indicators, renamed=tuple(renamed),
                             dropped=tuple(dropped), spec=spec))
    return out


# ------------------------------------------------------------------------------------------------ plan


def rules_carry_source(*, target: SystemVersion) -> SystemVersion | None:
    """The version whose rules `target` takes over: the one its values were carried from, else (as the
    observations step chooses) the system's latest published version other than it, else the one it was
    copied from."""
    if target.carried_from_id:
        return target.carried_from
    published = (SystemVersion.objects.filter(system_id=target.system_id, status=VersionStatus.PUBLISHED)
                 .exclude(pk=target.pk).select_related("system"))
    if target.is_published and target.published_at:
        published = published.filter(published_at__lte=target.published_at)
    found = published.order_by("-published_at", "-id").first()
    if found is None and target.based_on_id:
        return target.based_on
    return found


def rules_carry_plan(*, target: SystemVersion, source: SystemVersion | None = None) -> RuleCarryPlan:
    """What publishing `target` would do with the warning rules of `source` (default rules_carry_source)."""
    from bizenv.analysis.selectors import version_compiled
    from bizenv.indicators.selectors import version_spec
    from bizenv.monitoring.rulespecs import rule_spec

    source = source if source is not None else rules_carry_source(target=target)
    plan = RuleCarryPlan(target=target, source=source)
    if source is None:
        return plan
    plan.open_warnings = Warning.objects.filter(system_version=source, status__in=ACTIVE_STATUSES).count()
    rules = list(WarningRule.objects.filter(system_version=source).order_by("sort_order", "id"))
    if not rules:
        return plan
    try:
        compiled = version_compiled(version=target)
    except ApplicationError as exc:
        plan.problems.append(f"{exc.message.rstrip('。')}。预警规则暂不能沿用。")
        return plan
    existing = set(WarningRule.objects.filter(system_version=target).values_list("code", flat=True))
    plan.rules = rules_match(rules=[rule_spec(r) for r in rules], source=version_spec(version=source),
                             target=version_spec(version=target), compiled=compiled, existing=existing)
    return plan


# ----------------------------------------------------------------------------------------------- carry


_COPIED_FIELDS = ("name", "kind", "severity", "level", "region_groups", "params", "clear_periods", "description",
                  "enabled", "sort_order")


def _audited(rule: WarningRule, carry: RuleCarry, source: SystemVersion) -> dict:
    values = {"system_version": str(rule.system_version), "carried_from": source.version, "code": rule.code,
              **{name: getattr(rule, name) for name in _COPIED_FIELDS if name != "sort_order"},
              "indicators": list(rule.indicators)}
    if carry.dropped:
        values["dropped"] = [f"{code}（{why}）" for code, why in carry.dropped]
    return values


@transaction.atomic
def rules_carry(*, actor, target: SystemVersion, source: SystemVersion | None = None) -> RuleCarryPlan:
    """Copy the warning rules `target` takes over (called while publishing it); safe to run again."""
    source = source if source is not None else rules_carry_source(target=target)
    plan = rules_carry_plan(target=target, source=source)
    plan.applied = True
    if source is None or not plan.carried:
        return plan
    originals: Mapping[str, WarningRule] = {
        r.code: r for r in WarningRule.objects.filter(system_version=source, code__in=[c.code for c in plan.carried])}
    taken = set(WarningRule.objects.select_for_update().filter(system_version=target)
                .values_list("code", flat=True))
    for carry in plan.carried:
        if carry.code in taken:
            continue
        original = originals[carry.code]
        rule = WarningRule.objects.create(
            system_version=target, code=original.code, indicators=list(carry.indicators), revision=1,
            updated_by=actor_user(actor), **{name: getattr(original, name) for name in _COPIED_FIELDS})
        audit_record(actor=actor, action="warning_rule.carry", obj=rule, new=_audited(rule, carry, source))
        plan.created += 1
    return plan
