"""Declared status machines: one check for every table of allowed moves, and the job statuses' table."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.models import JobStatus

Table = Mapping[Enum, frozenset]


def _label(status: Enum) -> str:
    return str(getattr(status, "label", status.value))


def transition_check(*, table: Table, current, target, what: str, refused: str = "",
                     code: ErrorCode = ErrorCode.INVALID_TRANSITION) -> None:
    """Raise ApplicationError unless `table` allows `current` → `target`.

    `what` names the object in Chinese (“该导入”); the message reads “{what}当前为“…”，不能变为“…”。”, or
    “{what}当前为“…”，{refused}。” when `refused` says what cannot be done (“不能取消”). The code is
    INVALID_TRANSITION, which the API answers with 400, like every status machine before this helper.
    """
    kind = type(next(iter(table)))
    current, target = kind(current), kind(target)
    if target in table.get(current, frozenset()):
        return
    tail = refused or f"不能变为“{_label(target)}”"
    raise ApplicationError(f"{what}当前为“{_label(current)}”，{tail}。", code=code)


J = JobStatus

# Background jobs: queued → running → succeeded | failed. A running job may be started again (its worker
# was interrupted) and a queued one may fail without starting; a finished job never changes.
JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    J.QUEUED: frozenset({J.RUNNING, J.FAILED}),
    J.RUNNING: frozenset({J.RUNNING, J.SUCCEEDED, J.FAILED}),
    J.SUCCEEDED: frozenset(),
    J.FAILED: frozenset(),
}
