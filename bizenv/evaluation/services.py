"""Writes of evaluation runs and 红黑榜 releases; atomic and audited. `actor=None` is the system itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.events import Event, event_emit
from bizenv.core.periods import Period
from bizenv.evaluation import selectors
from bizenv.evaluation.fingerprint import canonical_json, evaluate_inputs, inputs_fingerprint
from bizenv.evaluation.models import EvaluationResult, EvaluationRun, RedBlackList, ReleaseRule, ReleaseStatus
from bizenv.evaluation.release_rules import (
    RuleError,
    release_changes,
    release_content_hash,
    release_entries,
    rules_normalise,
    scores_table,
)
from bizenv.evaluation.scoring import ScoringError
from bizenv.evaluation.transitions import release_transition_check
from bizenv.indicators.models import IndicatorSystem, SystemVersion
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, actor_user, require_actor

S = ReleaseStatus


# ------------------------------------------------------------------------------------------------ runs


def evaluation_run_create(*, actor, system_version: SystemVersion, period: str, regions: list[Region] | None = None,
                          params: dict | None = None) -> EvaluationRun:
    """Score a version for a period; the same inputs (same fingerprint) return the existing run."""
    require_actor(actor, Permission.REVIEW_DATA)
    inputs = selectors.evaluation_inputs(system_version=system_version, period=period, regions=regions,
                                         params=params)
    fingerprint = inputs_fingerprint(inputs)
    existing = EvaluationRun.objects.filter(system_version=system_version, period=inputs["period"],
                                            fingerprint=fingerprint).order_by("id").first()
    if existing is not None:
        return existing
    try:
        scores = evaluate_inputs(inputs)
    except ScoringError as exc:
        raise ApplicationError(f"无法计分：{exc}") from None
    region_by_code = {r.code: r for r in Region.objects.filter(code__in=scores.region_codes)}
    parents = [r for r in inputs["regions"] if not r["member"]]
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            system_version=system_version, period=inputs["period"], params=inputs["params"], inputs=inputs,
            fingerprint=fingerprint, region_count=sum(1 for r in inputs["regions"] if r["member"]),
            observation_count=len(inputs["observations"]), created_by=actor_user(actor),
            parent_region=region_by_code.get(parents[0]["code"]) if parents else None,
        )
        EvaluationResult.objects.bulk_create([
            EvaluationResult(run=run, region=region_by_code[row["region"]], indicator_code=row["code"],
                             indicator_name=row["name"], level=row["level"], position=row["position"],
                             score=row["score"], rank=row["rank"], completeness=row["completeness"],
                             band=row["band"], status=row["status"])
            for row in scores.rows()
        ], batch_size=2000)
        audit_record(actor=actor, action="evaluation_run.create", obj=run, new={
            "system_version": str(system_version), "period": run.period, "fingerprint": fingerprint,
            "regions": run.region_count, "observations": run.observation_count, "params": run.params})
        event_emit(Event.EVALUATION_SAVED, periods=[run.period])
    return run


# -------------------------------------------------------------------------------------------- releases


def release_rule_save(*, actor, system: IndicatorSystem, rules: dict) -> ReleaseRule:
    """Set a system's default 红黑榜 rule (the coordinating office)."""
    require_actor(actor, Permission.REVIEW_DATA)
    try:
        rules = rules_normalise(rules)
    except RuleError as exc:
        raise ApplicationError(str(exc)) from None
    with transaction.atomic():
        rule = ReleaseRule.objects.select_for_update().filter(system=system).first()
        old = rule.rules if rule else None
        if rule is not None and canonical_json(old) == canonical_json(rules):
            return rule
        if rule is None:
            rule = ReleaseRule.objects.create(system=system, rules=rules, updated_by=actor_user(actor))
        else:
            rule.rules, rule.updated_by = rules, actor_user(actor)
            rule.save()
        audit_record(actor=actor, action="release_rule.save", obj=rule, old={"rules": old}, new={"rules": rules})
    return rule


def _previous_run(run: EvaluationRun) -> EvaluationRun | None:
    period = str(Period.parse(run.period).previous())
    return (EvaluationRun.objects.filter(system_version__system=run.system_version.system, period=period)
            .order_by("-id").first())


def _build(*, rules: dict, run: EvaluationRun, previous_run: EvaluationRun | None,
           rows_of: Callable[[EvaluationRun], list[dict]]) -> tuple[list, dict]:
    table = scores_table(rows_of(run), scopes=rules["scopes"])
    previous = scores_table(rows_of(previous_run), scopes=rules["scopes"]) if previous_run else None
    return release_entries(scores=table, rules=rules, previous=previous), table


def red_black_list_create(*, actor, run: EvaluationRun, rules: dict | None = None, title: str = "",
                          note: str = "") -> RedBlackList:
    """Draw up a draft 红黑榜 from an evaluation run with the given (or the system's) rule."""
    require_actor(actor, Permission.REVIEW_DATA)
    system = run.system_version.system
    try:
        rules = rules_normalise(rules if rules is not None else selectors.release_rule_get(system=system))
        previous_run = _previous_run(run)
        entries, table = _build(rules=rules, run=run, previous_run=previous_run,
                                rows_of=lambda r: selectors.run_result_rows(run=r))
    except RuleError as exc:
        raise ApplicationError(str(exc)) from None
    title = (title or "").strip() or f"{Period.parse(run.period).label}营商环境红黑榜"
    with transaction.atomic():
        release = RedBlackList.objects.create(
            run=run, previous_run=previous_run, system=system, period=run.period, title=title[:200], rules=rules,
            entries=entries, scores=table, fingerprint=run.fingerprint,
            content_hash=release_content_hash(entries=entries, scores=table), note=note or "",
            created_by=actor_user(actor),
        )
        audit_record(actor=actor, action="red_black_list.create", obj=release, new={
            "run": run.pk, "period": run.period, "rules": rules, "fingerprint": run.fingerprint,
            "content_hash": release.content_hash, "entries": len(entries)})
    return release


def _transition(release: RedBlackList, *, actor, target: ReleaseStatus, action: str,
                before_save: Callable[[RedBlackList], Any] | None = None) -> RedBlackList:
    with transaction.atomic():
        release = RedBlackList.objects.select_for_update().get(pk=release.pk)
        release_transition_check(release, target)
        old = {"status": release.status}
        release.status = target
        if before_save is not None:
            before_save(release)
        release.save()
        audit_record(actor=actor, action=action, obj=release, old=old,
                     new={"status": release.status, "content_hash": release.content_hash})
    return release


def red_black_list_review(*, actor, release: RedBlackList) -> RedBlackList:
    """The coordinating office checks a draft; the reviewer must not be the person who drew it up."""
    require_actor(actor, Permission.REVIEW_DATA)
    if actor is not None and release.created_by_id is not None and release.created_by_id == actor.pk:
        raise ApplicationError("审核人不能是红黑榜的创建人，请由营商办其他同志审核。", code=ErrorCode.CONFLICT)

    def stamp(r: RedBlackList) -> None:
        r.reviewed_by, r.reviewed_at = actor_user(actor), timezone.now()

    return _transition(release, actor=actor, target=S.REVIEWED, action="red_black_list.review", before_save=stamp)


def red_black_list_return(*, actor, release: RedBlackList) -> RedBlackList:
    """Send a reviewed release back to draft."""
    require_actor(actor, Permission.REVIEW_DATA)

    def clear(r: RedBlackList) -> None:
        r.reviewed_by, r.reviewed_at = None, None

    return _transition(release, actor=actor, target=S.DRAFT, action="red_black_list.return", before_save=clear)


def _supersede(*, actor, by: RedBlackList) -> None:
    """Mark the other published releases of `by`'s system and period as superseded by it (one current per period)."""
    earlier = (RedBlackList.objects.select_for_update()
               .filter(system_id=by.system_id, period=by.period, status=S.PUBLISHED).exclude(pk=by.pk))
    for old in earlier.order_by("id"):
        release_transition_check(old, S.SUPERSEDED)
        old.status, old.superseded_by = S.SUPERSEDED, by
        old.save(update_fields=["status", "superseded_by"])
        audit_record(actor=actor, action="red_black_list.supersede", obj=old, old={"status": S.PUBLISHED.value},
                     new={"status": S.SUPERSEDED.value, "superseded_by": by.pk})


def red_black_list_publish(*, actor, release: RedBlackList) -> RedBlackList:
    """Publish a reviewed release: it is frozen, with what changed since the previous published one; an earlier
    published release of the same system and period is superseded by it."""
    require_actor(actor, Permission.REVIEW_DATA)
    previous = selectors.release_previous_published(release=release)

    def freeze(r: RedBlackList) -> None:
        r.published_by, r.published_at = actor_user(actor), timezone.now()
        r.compared_with = previous
        r.changes = release_changes(current_entries=r.entries, current_scores=r.scores,
                                    previous_entries=previous.entries, previous_scores=previous.scores) \
            if previous else {}

    with transaction.atomic():
        release = _transition(release, actor=actor, target=S.PUBLISHED, action="red_black_list.publish",
                              before_save=freeze)
        _supersede(actor=actor, by=release)
    return release


@dataclass
class RecomputeReport:
    identical: bool
    fingerprint_matches: bool
    content_hash_matches: bool
    differences: list[str] = field(default_factory=list)


def release_recompute(*, release: RedBlackList) -> RecomputeReport:
    """Recompute a release from its frozen inputs alone and compare every number and entry with it."""
    differences = []
    run = release.run
    fingerprint_matches = inputs_fingerprint(run.inputs) == release.fingerprint
    if not fingerprint_matches:
        differences.append("冻结输入的指纹与发布时记录的指纹不一致")
    content_hash_matches = release_content_hash(entries=release.entries, scores=release.scores) == \
        release.content_hash
    if not content_hash_matches:
        differences.append("上榜名单或得分与发布时的内容哈希不一致")
    try:
        entries, table = _build(rules=release.rules, run=run, previous_run=release.previous_run,
                                rows_of=lambda r: evaluate_inputs(r.inputs).rows())
    except (RuleError, ScoringError) as exc:
        return RecomputeReport(False, fingerprint_matches, content_hash_matches, [*differences, f"无法重算：{exc}"])
    if canonical_json(table) != canonical_json(release.scores):
        differences.append("重算的得分或排名与发布的不一致")
    if canonical_json(entries) != canonical_json(release.entries):
        differences.append("重算的上榜名单与发布的不一致")
    return RecomputeReport(not differences, fingerprint_matches, content_hash_matches, differences)
