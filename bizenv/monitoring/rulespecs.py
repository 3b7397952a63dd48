"""A stored rule (WarningRule) as the pure engine's RuleSpec and back."""

from __future__ import annotations

from bizenv.monitoring.specs import LEAVES, Compare, RuleKind, RuleSpec, Severity

PARAM_NAMES = ("line", "gap", "ratio", "k", "compare", "min_history", "n", "limit", "open_limit", "dataset")


def level_from_text(text: str) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    return LEAVES if text == LEAVES else int(text)


def level_to_text(level: int | str | None) -> str:
    return "" if level is None else str(level)


def rule_spec(rule) -> RuleSpec:
    """The engine's view of a stored rule."""
    p = rule.params or {}
    return RuleSpec(
        code=rule.code, kind=RuleKind(rule.kind), severity=Severity(rule.severity), name=rule.name,
        indicators=tuple(rule.indicators or ()), level=level_from_text(rule.level),
        region_groups=tuple(rule.region_groups or ()), line=p.get("line"), gap=p.get("gap"), ratio=p.get("ratio"),
        k=p.get("k"), compare=Compare(p["compare"]) if p.get("compare") else None,
        min_history=p.get("min_history"), n=p.get("n"), limit=p.get("limit"), open_limit=p.get("open_limit"),
        dataset=p.get("dataset") or "", description=rule.description, enabled=rule.enabled,
    )


def rule_fields(spec: RuleSpec) -> dict:
    """The WarningRule fields of a spec (everything but the version, order and bookkeeping)."""
    params = {}
    for name in PARAM_NAMES:
        value = getattr(spec, name)
        if value not in (None, ""):
            params[name] = str(value) if name == "compare" else value
    return {"name": spec.name, "kind": str(spec.kind), "severity": str(spec.severity),
            "indicators": list(spec.indicators), "level": level_to_text(spec.level),
            "region_groups": list(spec.region_groups), "params": params, "description": spec.description,
            "enabled": spec.enabled}
