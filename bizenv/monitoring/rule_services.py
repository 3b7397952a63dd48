"""Writes of warning rules: one rule saved from the rules page, a YAML rule file imported (all or nothing), and the
export. Every rule, from the page or a file, is read by `rulefile.rules_parse` against the indicator system, so
the page and the file give the same Chinese problems. Rules are upserted by code within a system version; a
change increments the rule's `revision` and is audited with old and new values; a rule that does not change
writes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max

from bizenv.analysis.selectors import version_compiled
from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError
from bizenv.indicators.models import SystemVersion
from bizenv.monitoring.models import WarningRule
from bizenv.monitoring.rulefile import RuleProblem, rules_dump, rules_parse
from bizenv.monitoring.rulespecs import rule_fields, rule_spec
from bizenv.monitoring.selectors import monitored_version, rules_of
from bizenv.monitoring.specs import RuleSpec
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, actor_user, require_actor

CLEAR_PERIODS_MAX = 24


@dataclass(frozen=True)
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def region_groups_known() -> list[str]:
    """The 同类分组 regions belong to (what a rule may be limited to)."""
    return sorted(set(Region.objects.exclude(peer_group="").values_list("peer_group", flat=True)))


def _parse(text: str, version: SystemVersion):
    return rules_parse(text, version_compiled(version=version), region_groups=region_groups_known())


def _problems_error(message: str, problems: Sequence[RuleProblem]) -> ApplicationError:
    """The problems as the error's details (RuleProblem objects: str() is the Chinese line, `.field` names the
    field for a form)."""
    return ApplicationError(message, details=list(problems))


def _bookkeeping(rule: WarningRule) -> dict[str, Any]:
    fields = rule_fields(rule_spec(rule))
    fields["clear_periods"] = rule.clear_periods
    return fields


def _upsert(*, actor, version: SystemVersion, spec: RuleSpec, clear_periods: int | None = None) -> tuple[str, WarningRule]:
    """Create or change one rule; returns ("created" | "updated" | "unchanged", the rule)."""
    new = rule_fields(spec)
    rule = WarningRule.objects.select_for_update().filter(system_version=version, code=spec.code).first()
    if rule is None:
        order = (WarningRule.objects.filter(system_version=version).aggregate(m=Max("sort_order"))["m"] or 0) + 1
        rule = WarningRule.objects.create(system_version=version, code=spec.code, sort_order=order, revision=1,
                                          updated_by=actor_user(actor), clear_periods=clear_periods or 2, **new)
        audit_record(actor=actor, action="warning_rule.create", obj=rule,
                     new={"system_version": str(version), "code": rule.code, **_bookkeeping(rule)})
        return "created", rule
    before = _bookkeeping(rule)
    after = {**new, "clear_periods": clear_periods if clear_periods is not None else rule.clear_periods}
    old, changed = changed_values(before, after)
    if not changed:
        return "unchanged", rule
    for key, value in after.items():
        setattr(rule, key, value)
    rule.revision += 1
    rule.updated_by = actor_user(actor)
    rule.save()
    audit_record(actor=actor, action="warning_rule.update", obj=rule, old={**old, "revision": rule.revision - 1},
                 new={**changed, "revision": rule.revision})
    return "updated", rule


def rules_import(*, actor, text: str, system_code: str = "") -> ImportSummary:
    """Import a YAML rule file into the active version of a system: every rule is checked first and nothing is
    saved when any has a problem; rules are matched by code (new codes added, others changed or left alone)."""
    require_actor(actor, Permission.MANAGE_WARNINGS)
    version = monitored_version(system_code=system_code)
    result = _parse(text, version)
    if not result.ok:
        raise _problems_error(f"规则文件有 {len(result.problems)} 处问题，未导入任何规则。请改正后重新导入：",
                              result.problems)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for spec in result.rules:
            outcome, _rule = _upsert(actor=actor, version=version, spec=spec)
            counts[outcome] += 1
    return ImportSummary(**counts)


def rules_export(*, system_code: str = "") -> str:
    """The rules of the active version of a system as a YAML rule file (what rules_import reads back)."""
    version = monitored_version(system_code=system_code)
    return rules_dump([rule_spec(r) for r in rules_of(system_version=version)])


def _raw_rule(*, code: str, kind: str, severity: str, name: str, indicators: Sequence[str], level: str,
              region_groups: Sequence[str], params: Mapping[str, Any], description: str,
              enabled: bool) -> dict[str, Any]:
    """A rule as a rule file would hold it, from the page's fields (empty fields left out)."""
    raw: dict[str, Any] = {"code": code, "kind": kind, "severity": severity}
    if name:
        raw["name"] = name
    if indicators:
        raw["indicators"] = list(indicators)
    level = str(level or "").strip()
    if level:
        raw["level"] = int(level) if level.isdigit() else level
    if region_groups:
        raw["regions"] = list(region_groups)
    for key, value in params.items():
        if value is not None and value != "":
            raw[key] = value
    if description:
        raw["description"] = description
    if not enabled:
        raw["enabled"] = False
    return raw


def rule_save(*, actor, system_version: SystemVersion, code: str, kind: str, severity: str, name: str = "",
              indicators: Sequence[str] = (), level: str = "", region_groups: Sequence[str] = (),
              params: Mapping[str, Any] | None = None, description: str = "", enabled: bool = True,
              clear_periods: int | None = None, new: bool = False) -> WarningRule:
    """Add or change one rule of a version (by code) from the rules page, checked exactly as a rule file is.
    Problems raise ApplicationError whose details are the RuleProblems (each naming its field); with `new`, a
    code already in use is a problem too (an added rule never replaces another)."""
    require_actor(actor, Permission.MANAGE_WARNINGS)
    code = (code or "").strip()
    if new and WarningRule.objects.filter(system_version=system_version, code=code).exists():
        raise _problems_error("预警规则有误：", [RuleProblem(
            f"规则编码“{code}”已被使用，请换一个编码，或修改原规则", f"规则 {code}", "code")])
    if clear_periods is not None and not 1 <= int(clear_periods) <= CLEAR_PERIODS_MAX:
        raise _problems_error("预警规则有误：", [RuleProblem(
            f"连续消除期数应在 1 到 {CLEAR_PERIODS_MAX} 之间，实为 {clear_periods}", f"规则 {code}", "clear_periods")])
    raw = _raw_rule(code=code, kind=kind, severity=severity, name=(name or "").strip(),
                    indicators=indicators, level=level, region_groups=region_groups, params=params or {},
                    description=(description or "").strip(), enabled=enabled)
    text = yaml.safe_dump({"rules": [raw]}, allow_unicode=True, sort_keys=False)
    result = _parse(text, system_version)
    if not result.ok:
        raise _problems_error("预警规则有误：", result.problems)
    with transaction.atomic():
        _outcome, rule = _upsert(actor=actor, version=system_version, spec=result.rules[0],
                                 clear_periods=int(clear_periods) if clear_periods is not None else None)
    return rule
