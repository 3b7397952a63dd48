"""Observation status machine: draft → submitted → approved → locked; submitted → returned → submitted."""

from __future__ import annotations

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.transitions import transition_check
from bizenv.observations.models import ImportStatus, Observation, ObservationImport, ObservationStatus

S = ObservationStatus

OBSERVATION_TRANSITIONS: dict[ObservationStatus, frozenset[ObservationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.RETURNED}),
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.LOCKED}),
    S.LOCKED: frozenset(),
}

# An observation import: previewed, then committed or cancelled; a commit that breaks leaves it failed
# (an unreadable file is stored failed straight away).
IMPORT_TRANSITIONS: dict[ImportStatus, frozenset[ImportStatus]] = {
    ImportStatus.PREVIEW: frozenset({ImportStatus.COMMITTED, ImportStatus.CANCELLED, ImportStatus.FAILED}),
    ImportStatus.COMMITTED: frozenset(),
    ImportStatus.CANCELLED: frozenset(),
    ImportStatus.FAILED: frozenset(),
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
    transition_check(table=OBSERVATION_TRANSITIONS, current=current, target=target, what=_label(observation))


def import_transition_check(batch: ObservationImport, target: ImportStatus, *, refused: str) -> None:
    """Raise INVALID_TRANSITION unless the import may move from its status to `target`."""
    transition_check(table=IMPORT_TRANSITIONS, current=batch.status, target=target, what="该导入", refused=refused)


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
