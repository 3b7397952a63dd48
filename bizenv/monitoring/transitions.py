"""The warning and measure status machines.

Warning: open (待签收) → acknowledged (已签收) → rectifying (整改中, on the first measure) → resolved (已销号: by the run once
the condition has cleared for the rule's number of periods); the office may close any active warning with a
reason (已关闭). Resolved and closed warnings never change; a recurrence opens a new warning linked to the old one.
A measure: submitted (待审核) → accepted (审核通过) or more_requested (需补充); a measure asked for more is answered by
a new measure, so a reviewed measure never changes.
"""

from __future__ import annotations

from bizenv.core.errors import ErrorCode
from bizenv.core.transitions import transition_check
from bizenv.monitoring.models import MeasureStatus, RectificationMeasure, Warning, WarningStatus

W = WarningStatus

WARNING_TRANSITIONS: dict[WarningStatus, frozenset[WarningStatus]] = {
    W.OPEN: frozenset({W.ACKNOWLEDGED, W.RECTIFYING, W.RESOLVED, W.CLOSED}),
    W.ACKNOWLEDGED: frozenset({W.RECTIFYING, W.RESOLVED, W.CLOSED}),
    W.RECTIFYING: frozenset({W.RESOLVED, W.CLOSED}),
    W.RESOLVED: frozenset(),
    W.CLOSED: frozenset(),
}

M = MeasureStatus

MEASURE_TRANSITIONS: dict[MeasureStatus, frozenset[MeasureStatus]] = {
    M.SUBMITTED: frozenset({M.ACCEPTED, M.MORE_REQUESTED}),
    M.ACCEPTED: frozenset(),
    M.MORE_REQUESTED: frozenset(),
}

_REFUSED = {
    W.ACKNOWLEDGED: "不能再签收",
    W.RECTIFYING: "不能再提交整改举措",
    W.RESOLVED: "不能销号",
    W.CLOSED: "不能关闭",
}


def warning_transition_check(warning: Warning, target: WarningStatus) -> None:
    """Raise a Chinese conflict error unless the warning may move from its status to `target`."""
    transition_check(table=WARNING_TRANSITIONS, current=warning.status, target=target, what="该预警",
                     refused=_REFUSED.get(W(target), ""), code=ErrorCode.CONFLICT)


def measure_transition_check(measure: RectificationMeasure, target: MeasureStatus) -> None:
    """Raise a Chinese conflict error unless the measure may move to `target` (a reviewed measure is final)."""
    transition_check(table=MEASURE_TRANSITIONS, current=measure.status, target=target, what="该整改举措",
                     refused="已审核，不能再次审核", code=ErrorCode.CONFLICT)
