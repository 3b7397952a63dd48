"""The review flow of observations (submit, approve, return, lock) and the outlier flags the office reviews."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.events import Event, event_emit
from bizenv.core.periods import Period
from bizenv.indicators.models import SystemVersion
from bizenv.observations.checks import FieldError
from bizenv.observations.models import Observation, ObservationStatus
from bizenv.observations.services.values import _record, _snapshot, observation_check_write
from bizenv.observations.transitions import observation_transition_check
from bizenv.organisations.permissions import Permission, actor_user, require_actor

S = ObservationStatus


# ---------------------------------------------------------------- review flow


def _transition(observation: Observation, *, actor, target: ObservationStatus, action: str,
                comment: str = "") -> Observation:
    with transaction.atomic():
        observation = Observation.objects.select_for_update().select_related("indicator", "region").get(
            pk=observation.pk
        )
        observation_transition_check(observation, target)
        old = _snapshot(observation)
        observation.status = target
        now = timezone.now()
        if target == S.SUBMITTED:
            observation.submitted_at = now
        if target in (S.APPROVED, S.RETURNED):
            observation.reviewed_at = now
            observation.reviewed_by = actor_user(actor)
            observation.review_comment = comment
        observation.save()
        before, after = changed_values(old, _snapshot(observation))
        _record(observation, actor=actor, action=action, old=before, new=after)
        return observation


def observation_submit(*, actor, observation: Observation) -> Observation:
    """A reporter submits a filled-in value for review by the coordinating office."""
    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    if observation.value is None and not observation.special:
        raise ApplicationError(
            f"“{observation.indicator.name}·{observation.region.name}”尚未填写数值，不能提交。"
        )
    return _transition(observation, actor=actor, target=S.SUBMITTED, action="submit")


def _revised_by(observation: Observation) -> set[int]:
    """Who changed the value since it was last approved, when the change reopened an approved value."""
    since_review = []
    for action, actor_id in observation.revisions.order_by("-id").values_list("action", "actor_id"):
        if action in ("approve", "return", "lock"):
            break
        since_review.append((action, actor_id))
    if not any(action == "revise" for action, _ in since_review):
        return set()
    return {actor_id for action, actor_id in since_review if action in ("revise", "update") and actor_id}


def observation_approve(*, actor, observation: Observation, comment: str = "") -> Observation:
    """The coordinating office accepts a submitted value; a changed approved value needs another reviewer."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    if actor is not None and actor.pk in _revised_by(observation):
        raise ApplicationError(
            f"“{observation.indicator.name}·{observation.region.name}”是您修改已审核值后重新提交的，"
            "需由营商办其他审核人员审核通过。",
            code=ErrorCode.CONFLICT,
        )
    approved = _transition(observation, actor=actor, target=S.APPROVED, action="approve", comment=comment)
    event_emit(Event.OBSERVATIONS_APPROVED, periods=[approved.period])
    return approved


def observation_return(*, actor, observation: Observation, comment: str) -> Observation:
    """The coordinating office sends a submitted value back with a reason."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    if not (comment or "").strip():
        raise FieldError("审核意见", "退回时必须填写审核意见，说明需要更正的内容。")
    return _transition(observation, actor=actor, target=S.RETURNED, action="return", comment=comment.strip())


def observation_lock(*, actor, observation: Observation) -> Observation:
    """The coordinating office locks an approved value; it never changes again."""
    require_actor(actor, Permission.REVIEW_DATA, observation.region)
    return _transition(observation, actor=actor, target=S.LOCKED, action="lock")


def observations_submit_many(*, actor, observations: Iterable[Observation]) -> tuple[int, list[str]]:
    """Submit every filled-in draft or returned value; returns (submitted, reasons for the others)."""
    done, skipped = 0, []
    for observation in observations:
        if observation.status not in (S.DRAFT, S.RETURNED):
            continue
        try:
            observation_submit(actor=actor, observation=observation)
            done += 1
        except ApplicationError as exc:
            skipped.append(exc.message)
    return done, skipped


def observations_review_many(*, actor, observations: Iterable[Observation], action: str) -> int:
    """Approve every submitted value, or lock every approved one; returns how many changed."""
    count = 0
    for observation in observations:
        if action == "approve" and observation.status == S.SUBMITTED:
            observation_approve(actor=actor, observation=observation)
            count += 1
        elif action == "lock" and observation.status == S.APPROVED:
            observation_lock(actor=actor, observation=observation)
            count += 1
    return count


# ---------------------------------------------------------------- data quality


def observation_flag_outliers(*, actor, system_version: SystemVersion, period: str, history: int = 24) -> dict:
    """Set is_outlier/outlier_score on every numeric observation of a period (own history and peers).

    Only the worse direction counts where the indicator has one (see quality.py). Returns counts and each
    flag with its Chinese explanation; observations whose flags do not change are not written.
    """
    from bizenv.observations.selectors import observation_outlier_checks

    require_actor(actor, Permission.REVIEW_DATA)
    parsed = Period.parse(period)
    checks = observation_outlier_checks(system_version=system_version, period=str(parsed), history=history)
    changed = flagged = 0
    flags = []
    with transaction.atomic():
        for obs, check in checks.values():
            score = round(check.score, 3) if check.score is not None else None
            if check.is_outlier:
                flagged += 1
                flags.append({"indicator": obs.indicator.name, "region": obs.region.name,
                              "explanation": check.explanation(unit=obs.unit)})
            if obs.is_outlier == check.is_outlier and obs.outlier_score == score:
                continue
            Observation.objects.filter(pk=obs.pk).update(is_outlier=check.is_outlier, outlier_score=score)
            changed += 1
        result = {"period": str(parsed), "checked": len(checks), "flagged": flagged, "changed": changed}
        if changed:
            audit_record(actor=actor, action="observation.flag_outliers", object_type="observations.observation",
                         object_id=str(parsed), object_repr=f"{system_version} {parsed} 异常值检测", old=None,
                         new=result)
    return {**result, "flags": flags}
