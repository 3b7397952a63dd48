"""What a newly published indicator-system version does with the values collected under the version it replaces.

On publishing, every value of a leaf whose measurement is unchanged is copied to the new version (with its
status, and `carried_from` pointing at the original); a renamed leaf takes the values of the code named in
the version's `carry_over` mapping, or of the one removed leaf with the same definition; a leaf that is new or
whose measurement changed is marked as needing new data. See docs/decisions/0004.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction
from django.db.models import Count

from bizenv.core.audit import audit_record
from bizenv.core.periods import Period
from bizenv.indicators.models import Indicator, SystemVersion, VersionStatus
from bizenv.indicators.specs import SystemSpec, indicator_canonical, walk
from bizenv.observations.models import Observation, ObservationStatus, ReportingRound
from bizenv.observations.rounds import cycle_kind

# What a value measures: if any of these differ, an old value is not a value of the new indicator.
MEASURE_FIELDS = ("unit", "definition", "cycle", "external_ref", "direction")
# How a value is scored: a change keeps the values (they were measured the same way) but changes scores.
SCORING_FIELDS = ("best", "worst", "transform_power")
FIELD_NAMES = {"unit": "单位", "definition": "指标释义", "cycle": "采集周期", "external_ref": "外部数据字段",
               "direction": "方向", "best": "最佳值", "worst": "最差值", "transform_power": "幂变换"}
COUNTED_STATUSES = (ObservationStatus.APPROVED, ObservationStatus.LOCKED)
COPY_BATCH = 2000


class CarryOutcome(StrEnum):
    SAME = "same"
    MAPPED = "mapped"
    MATCHED = "matched"
    CHANGED = "changed"
    NEW = "new"

    @property
    def label(self) -> str:
        return {"same": "沿用（编码与口径相同）", "mapped": "沿用（按编码对应）",
                "matched": "沿用（释义相同的旧指标）", "changed": "需重新采集（口径已变）",
                "new": "需重新采集（新增指标）"}[self.value]

    @property
    def carries(self) -> bool:
        return self in (CarryOutcome.SAME, CarryOutcome.MAPPED, CarryOutcome.MATCHED)


@dataclass(frozen=True)
class LeafMatch:
    """One leaf of the new version: where its values come from, if anywhere, and why."""

    code: str
    name: str
    source_code: str
    outcome: CarryOutcome
    reason: str = ""


@dataclass(frozen=True)
class LeafPlan:
    code: str
    name: str
    source_code: str
    outcome: str
    outcome_label: str
    reason: str
    values: int
    carries: bool


@dataclass(frozen=True)
class PeriodCompleteness:
    period: str
    label: str
    regions: int
    before: float | None
    after: float | None

    @property
    def before_text(self) -> str:
        return _percent(self.before)

    @property
    def after_text(self) -> str:
        return _percent(self.after)


@dataclass
class CarryPlan:
    """What publishing `target` will do with the values of `source` (None: no earlier published version)."""

    target: SystemVersion
    source: SystemVersion | None
    leaves: list[LeafPlan] = field(default_factory=list)
    dropped: list[LeafPlan] = field(default_factory=list)
    periods: list[PeriodCompleteness] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    values_carried: int = 0
    values_left: int = 0

    @property
    def carried(self) -> list[LeafPlan]:
        return [leaf for leaf in self.leaves if leaf.carries]

    @property
    def needing_data(self) -> list[LeafPlan]:
        return [leaf for leaf in self.leaves if not leaf.carries]

    def lines(self) -> list[str]:
        """The plan as plain Chinese lines (for the command line)."""
        if self.source is None:
            return ["该体系此前没有已发布的版本，没有可沿用的指标值。"]
        out = [f"将沿用版本 {self.source.version} 的 {self.values_carried} 个指标值"
               f"（{len(self.carried)} 个末级指标）；{self.values_left} 个指标值不沿用。"]
        out += [f"问题：{p}" for p in self.problems]
        for leaf in self.leaves:
            if leaf.outcome in (CarryOutcome.MAPPED, CarryOutcome.MATCHED):
                out.append(f"  {leaf.code} ← {leaf.source_code}：{leaf.outcome_label}，{leaf.values} 个值")
        for leaf in self.needing_data:
            out.append(f"  {leaf.code} {leaf.name}：{leaf.outcome_label}" + (f"，{leaf.reason}" if leaf.reason
                                                                           else ""))
        for leaf in self.dropped:
            out.append(f"  {leaf.code} {leaf.name}：{leaf.values} 个值不再使用（{leaf.reason}）")
        for p in self.periods:
            out.append(f"  {p.label}：完整度 发布前 {_percent(p.before)}，发布后 {_percent(p.after)}")
        return out


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


# --------------------------------------------------------------------------------------------- matching


def _leaves(spec: SystemSpec) -> dict[str, dict]:
    return {node.code: indicator_canonical(node, parent.code if parent else None, level)
            for node, parent, level in walk(spec.indicators) if not node.children}


def _differences(old: dict, new: dict, names: tuple[str, ...]) -> list[str]:
    return [FIELD_NAMES[f] for f in names if old.get(f) != new.get(f)]


def carry_match(*, source: SystemSpec, target: SystemSpec) -> tuple[list[LeafMatch], list[str]]:
    """For each leaf of `target`, the leaf of `source` whose values it takes (pure; problems in Chinese)."""
    old, new = _leaves(source), _leaves(target)
    old_codes = {node.code for node, _p, _l in walk(source.indicators)}
    new_codes = {node.code for node, _p, _l in walk(target.indicators)}
    problems = []
    for code, from_code in sorted(target.carry_over.items()):
        if code not in new:
            problems.append(f"编码对应“{code} ← {from_code}”：{code} 不是本版本的末级指标，已忽略")
        elif from_code not in old:
            problems.append(f"编码对应“{code} ← {from_code}”：{from_code} 不是版本 {source.version} 的末级指标，"
                            f"已忽略")
    mapping = {c: f for c, f in target.carry_over.items() if c in new and f in old}
    # A removed leaf may be taken over by the one new leaf with the same non-empty definition.
    removed = [c for c in old if c not in new_codes and c not in mapping.values()]
    by_definition: dict[tuple, list[str]] = defaultdict(list)
    for code in removed:
        if old[code]["definition"]:
            by_definition[tuple(old[code][f] for f in MEASURE_FIELDS)].append(code)
    matches = []
    for code, leaf in new.items():
        if code in mapping:
            from_code, outcome = mapping[code], CarryOutcome.MAPPED
        elif code in old:
            from_code, outcome = code, CarryOutcome.SAME
        elif code in old_codes:
            matches.append(LeafMatch(code, leaf["name"], "", CarryOutcome.NEW,
                                     f"在版本 {source.version} 中是上级指标，没有自己的指标值"))
            continue
        else:
            found = by_definition.get(tuple(leaf[f] for f in MEASURE_FIELDS), []) if leaf["definition"] else []
            if len(found) != 1:
                matches.append(LeafMatch(code, leaf["name"], "", CarryOutcome.NEW,
                                         "有多个释义相同的旧指标，请用编码对应指明" if found else ""))
                continue
            from_code, outcome = found[0], CarryOutcome.MATCHED
        # An explicit mapping is the office's word that the measure is the same, even if its definition was
        # reworded; unit, cycle, direction and external field must still agree.
        fields = tuple(f for f in MEASURE_FIELDS if f != "definition") if outcome == CarryOutcome.MAPPED \
            else MEASURE_FIELDS
        changed = _differences(old[from_code], leaf, fields)
        if changed:
            matches.append(LeafMatch(code, leaf["name"], from_code, CarryOutcome.CHANGED,
                                     f"{'、'.join(changed)}与版本 {source.version} 的 {from_code} 不同"))
            continue
        rescored = _differences(old[from_code], leaf, SCORING_FIELDS)
        reason = f"{'、'.join(rescored)}已变，得分按新参数计算" if rescored else ""
        matches.append(LeafMatch(code, leaf["name"], from_code, outcome, reason))
    return matches, problems


# ------------------------------------------------------------------------------------------------ plan


def carry_source(*, target: SystemVersion) -> SystemVersion | None:
    """The version whose values `target` takes over: the system's latest published version other than it."""
    return (SystemVersion.objects.filter(system_id=target.system_id, status=VersionStatus.PUBLISHED)
            .exclude(pk=target.pk).select_related("system").order_by("-published_at", "-id").first())


def carry_plan(*, target: SystemVersion, source: SystemVersion | None = None) -> CarryPlan:
    """What publishing `target` would carry from `source` (default carry_source), lose, and leave to collect."""
    from bizenv.indicators.selectors import version_spec

    source = source if source is not None else (target.carried_from if target.is_published else
                                                carry_source(target=target))
    plan = CarryPlan(target=target, source=source)
    if source is None:
        return plan
    old_spec, new_spec = version_spec(version=source), version_spec(version=target)
    matches, plan.problems = carry_match(source=old_spec, target=new_spec)
    old_ids = dict(source.indicators.values_list("code", "pk"))
    counts = dict(Observation.objects.filter(system_version=source).values("indicator_id")
                  .annotate(n=Count("id")).values_list("indicator_id", "n"))
    by_code = {code: counts.get(pk, 0) for code, pk in old_ids.items()}
    taken = set()
    for m in matches:
        values = by_code.get(m.source_code, 0) if m.outcome.carries else 0
        if m.outcome.carries:
            taken.add(m.source_code)
        plan.leaves.append(LeafPlan(m.code, m.name, m.source_code, m.outcome.value, m.outcome.label, m.reason,
                                    values, m.outcome.carries))
    old_names = {node.code: node.name for node, _p, _l in walk(old_spec.indicators)}
    new_by_source = {m.source_code: m for m in matches if m.source_code}
    for code, n in by_code.items():
        if n and code not in taken:
            changed = new_by_source.get(code)
            reason = (f"新版本的 {changed.code} 口径已变" if changed is not None
                      else "新版本中没有这个指标，也没有编码对应")
            plan.dropped.append(LeafPlan(code, old_names.get(code, code), code, "dropped", "不再使用", reason,
                                         n, False))
    plan.values_carried = sum(leaf.values for leaf in plan.leaves)
    carried_codes = {m.source_code for m in matches if m.outcome.carries}
    plan.values_left = sum(n for code, n in by_code.items() if code not in carried_codes)
    plan.periods = _completeness(source=source, old_spec=old_spec, new_spec=new_spec, matches=matches)
    return plan


def _completeness(*, source: SystemVersion, old_spec: SystemSpec, new_spec: SystemSpec,
                  matches: list[LeafMatch]) -> list[PeriodCompleteness]:
    """Per period with reviewed values: the share of (region × leaf of the period's cycle) that has a value,
    before (source) and after publishing (what carries into the new version)."""
    def kinds(spec: SystemSpec) -> Counter:
        return Counter(str(cycle_kind(node.cycle or "")) for node, _p, _l in walk(spec.indicators)
                       if not node.children)

    old_kinds, new_kinds = kinds(old_spec), kinds(new_spec)
    carried = Counter(m.source_code for m in matches if m.outcome.carries)
    rows = (Observation.objects.filter(system_version=source, status__in=COUNTED_STATUSES)
            .values_list("period", "region_id", "indicator__code"))
    regions: dict[str, set[int]] = defaultdict(set)
    before: Counter = Counter()
    after: Counter = Counter()
    for period, region_id, code in rows.iterator(chunk_size=5000):
        regions[period].add(region_id)
        before[period] += 1
        after[period] += carried.get(code, 0)
    out = []
    for period in sorted(regions, key=Period.parse):
        kind = str(Period.parse(period).kind)
        n = len(regions[period])
        old_total, new_total = n * old_kinds.get(kind, 0), n * new_kinds.get(kind, 0)
        out.append(PeriodCompleteness(period, Period.parse(period).label, n,
                                      min(1.0, before[period] / old_total) if old_total else None,
                                      min(1.0, after[period] / new_total) if new_total else None))
    return out


# ----------------------------------------------------------------------------------------------- carry


_COPIED_FIELDS = ("region_id", "period", "value", "special", "unit", "source", "status", "department_id",
                  "import_batch_id", "metric_definition_id", "metric_run_id", "record_count", "note",
                  "review_comment", "outlier_score", "is_outlier", "updated_by_id", "submitted_at",
                  "reviewed_at", "reviewed_by_id")


@transaction.atomic
def observations_carry(*, actor, target: SystemVersion) -> CarryPlan:
    """Copy the values `target` takes over (called while publishing it); marks the leaves needing new data."""
    source = carry_source(target=target)
    plan = carry_plan(target=target, source=source)
    if source is None:
        return plan
    rounds = _rounds_carry(source=source, target=target)
    new_ids = dict(target.indicators.values_list("code", "pk"))
    old_ids = dict(source.indicators.values_list("code", "pk"))
    takes: dict[int, list[int]] = defaultdict(list)  # old indicator id → new indicator ids
    for leaf in plan.carried:
        takes[old_ids[leaf.source_code]].append(new_ids[leaf.code])
    rows = (Observation.objects.filter(system_version=source, indicator_id__in=list(takes))
            .values("id", "indicator_id", "reporting_round_id", *_COPIED_FIELDS).order_by("id"))
    batch: list[Observation] = []
    copied = 0
    for row in rows.iterator(chunk_size=COPY_BATCH):
        for indicator_id in takes[row["indicator_id"]]:
            batch.append(Observation(system_version=target, indicator_id=indicator_id, carried_from_id=row["id"],
                                     reporting_round_id=rounds.get(row["reporting_round_id"]),
                                     **{name: row[name] for name in _COPIED_FIELDS}))
        if len(batch) >= COPY_BATCH:
            copied += len(Observation.objects.bulk_create(batch))
            batch = []
    if batch:
        copied += len(Observation.objects.bulk_create(batch))
    needing = [new_ids[leaf.code] for leaf in plan.needing_data]
    Indicator.objects.filter(pk__in=needing).update(needs_new_data=True)
    SystemVersion.objects.filter(pk=target.pk).update(carried_from=source)
    target.carried_from = source
    audit_record(actor=actor, action="system_version.carry", obj=target,
                 new={"carried_from": source.version, "values": copied,
                      "leaves": len(plan.carried), "needing_data": [leaf.code for leaf in plan.needing_data],
                      "dropped": [leaf.code for leaf in plan.dropped], "rounds": len(rounds)})
    return plan


def _rounds_carry(*, source: SystemVersion, target: SystemVersion) -> dict[int, int]:
    """Every reporting round of `source` gets its twin under `target`; an open one closes in favour of its twin
    (departments go on reporting, now into the new version). Old round id → new round id."""
    out = {}
    for old in ReportingRound.objects.filter(system_version=source).order_by("id"):
        new, _created = ReportingRound.objects.get_or_create(
            system_version=target, period=old.period,
            defaults={"name": old.name, "deadline": old.deadline, "deadline_rule": old.deadline_rule,
                      "is_open": old.is_open, "created_by": old.created_by})
        if old.is_open:
            ReportingRound.objects.filter(pk=old.pk).update(is_open=False)
        out[old.pk] = new.pk
    return out
