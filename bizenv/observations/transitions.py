"""Observation status machine: draft → submitted → approved → locked; submitted → returned → submitted."""

from __future__ import annotations

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.observations.models import Observation, ObservationStatus

S = ObservationStatus

OBSERVATION_TRANSITIONS: dict[ObservationStatus, frozenset[ObservationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.RETURNED}),
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.LOCKED}),
    S.LOCKED: frozenset(),
}

# Who may change the value in each status: reporters while it is theirs, the office until it is locked.
REPORTER_EDITABLE = frozenset({S.DRAFT, S.RETURNED})
OFFICE_EDITABLE = frozenset({S.DRAFT, S.RETURNED, S.SUBMITTED, S.APPROVED})


def observation_transition_check(observation: Observation, target: ObservationStatus) -> None:
    """Raise INVALID_TRANSITION unless the observation may move from its status to `target`."""
    current = ObservationStatus(observation.status)
    if current == S.LOCKED:
        raise ApplicationError(
            f"{_label(observation)}已锁定，不能再变更。", code=ErrorCode.INVALID_TRANSITION
        )
    if target not in OBSERVATION_TRANSITIONS[current]:
        raise ApplicationError(
            f"{_label(observation)}当前为“{current.label}”，不能变为“{ObservationStatus(target).label}”。",
            code=ErrorCode.INVALID_TRANSITION,
        )


def observation_ensure_editable(observation: Observation, *, as_office: bool) -> None:
    """Raise unless the value of `observation` may still be changed by a reporter (or the office)."""
    current = ObservationStatus(observation.status)
    if current == S.LOCKED:
        raise ApplicationError(
            f"{_label(observation)}已锁定，不能修改。", code=ErrorCode.PUBLISHED_IMMUTABLE
        )
    allowed = OFFICE_EDITABLE if as_office else REPORTER_EDITABLE
    if current not in allowed:
        hint = "已提交，正在等待营商办审核" if current == S.SUBMITTED else "已审核通过"
        raise ApplicationError(
            f"{_label(observation)}{hint}，填报单位不能再修改；如需更正，请联系营商办退回。",
            code=ErrorCode.INVALID_TRANSITION,
        )


def _label(observation: Observation) -> str:
    if observation.pk is None:
        return "该指标值"
    return f"指标值（{observation.indicator.name}·{observation.region.name}·{observation.period}）"
