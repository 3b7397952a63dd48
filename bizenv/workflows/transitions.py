"""The work-item status machine: which action may be taken in which status, by whom, and where it leads.

draft (草稿) ─issue→ issued (待受理) ─accept→ in_progress (办理中) ─submit→ submitted (待审核) ─approve→ approved (已办结)
issued ─return→ returned (已退回) ─issue→ issued (the issuer re-issues, possibly to another unit)
submitted ─reject→ in_progress (审核退回);  issued | in_progress ─transfer→ issued (to another unit, 转办)
feedback (反馈) and split (分解) keep an in-progress item in progress; supervise (督办) keeps any open status;
cancel (撤销) ends any unfinished item. Approved and cancelled items never change.

`ACTIONS` is the one table; `action_check` is the one function that enforces it (status and capacity).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.workflows.models import ItemStatus

S = ItemStatus


class Action(StrEnum):
    ISSUE = "issue"
    ACCEPT = "accept"
    RETURN = "return"
    FEEDBACK = "feedback"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    TRANSFER = "transfer"
    SUPERVISE = "supervise"
    CANCEL = "cancel"
    SPLIT = "split"


ACTION_LABELS = {
    Action.ISSUE: "下发",
    Action.ACCEPT: "受理",
    Action.RETURN: "退回",
    Action.FEEDBACK: "反馈",
    Action.SUBMIT: "申请办结",
    Action.APPROVE: "审核通过",
    Action.REJECT: "审核退回",
    Action.TRANSFER: "转办",
    Action.SUPERVISE: "督办",
    Action.CANCEL: "撤销",
    Action.SPLIT: "分解",
}


class Capacity(StrEnum):
    """In what capacity a user stands to an item."""

    ISSUER = "issuer"  # the issuing unit (reviews, re-issues, cancels)
    ASSIGNEE = "assignee"  # the responsible unit (accepts, feeds back, submits, transfers, splits)
    CO = "co"  # a co-assignee (协办: feeds back)
    OFFICE = "office"  # the coordinating office (supervises anything it can see)


CAPACITY_LABELS = {
    Capacity.ISSUER: "下发单位",
    Capacity.ASSIGNEE: "责任单位",
    Capacity.CO: "协办单位",
    Capacity.OFFICE: "营商办",
}


@dataclass(frozen=True, slots=True)
class Move:
    sources: frozenset[ItemStatus]
    target: ItemStatus | None  # None: the status stays as it is
    by: frozenset[Capacity]
    needs_reason: bool = False


_OPEN = frozenset({S.ISSUED, S.RETURNED, S.IN_PROGRESS, S.SUBMITTED})

ACTIONS: dict[Action, Move] = {
    Action.ISSUE: Move(frozenset({S.DRAFT, S.RETURNED}), S.ISSUED, frozenset({Capacity.ISSUER})),
    Action.ACCEPT: Move(frozenset({S.ISSUED}), S.IN_PROGRESS, frozenset({Capacity.ASSIGNEE})),
    Action.RETURN: Move(frozenset({S.ISSUED}), S.RETURNED, frozenset({Capacity.ASSIGNEE}), needs_reason=True),
    Action.FEEDBACK: Move(frozenset({S.IN_PROGRESS}), None, frozenset({Capacity.ASSIGNEE, Capacity.CO})),
    Action.SUBMIT: Move(frozenset({S.IN_PROGRESS}), S.SUBMITTED, frozenset({Capacity.ASSIGNEE})),
    Action.APPROVE: Move(frozenset({S.SUBMITTED}), S.APPROVED, frozenset({Capacity.ISSUER})),
    Action.REJECT: Move(frozenset({S.SUBMITTED}), S.IN_PROGRESS, frozenset({Capacity.ISSUER}), needs_reason=True),
    Action.TRANSFER: Move(frozenset({S.ISSUED, S.IN_PROGRESS}), S.ISSUED,
                          frozenset({Capacity.ASSIGNEE, Capacity.ISSUER}), needs_reason=True),
    Action.SUPERVISE: Move(_OPEN, None, frozenset({Capacity.OFFICE}), needs_reason=True),
    Action.CANCEL: Move(frozenset({S.DRAFT}) | _OPEN, S.CANCELLED, frozenset({Capacity.ISSUER}), needs_reason=True),
    Action.SPLIT: Move(frozenset({S.IN_PROGRESS}), None, frozenset({Capacity.ASSIGNEE})),
}

_WHO = {
    Action.ISSUE: "只有下发单位可以下发任务",
    Action.ACCEPT: "只有责任单位可以受理任务",
    Action.RETURN: "只有责任单位可以退回任务",
    Action.FEEDBACK: "只有责任单位和协办单位可以反馈进展",
    Action.SUBMIT: "只有责任单位可以申请办结",
    Action.APPROVE: "只有下发单位可以审核办结申请",
    Action.REJECT: "只有下发单位可以审核退回",
    Action.TRANSFER: "只有责任单位或下发单位可以转办任务",
    Action.SUPERVISE: "只有营商办可以督办",
    Action.CANCEL: "只有下发单位可以撤销任务",
    Action.SPLIT: "只有责任单位可以分解任务",
}

_WHEN = {
    Action.ISSUE: "不能下发",
    Action.ACCEPT: "不能受理",
    Action.RETURN: "不能退回",
    Action.FEEDBACK: "不能反馈进展（受理后才能反馈）",
    Action.SUBMIT: "不能申请办结",
    Action.APPROVE: "不能审核通过（责任单位申请办结后才能审核）",
    Action.REJECT: "不能审核退回（责任单位申请办结后才能审核）",
    Action.TRANSFER: "不能转办",
    Action.SUPERVISE: "不能督办",
    Action.CANCEL: "不能撤销",
    Action.SPLIT: "不能分解（受理后才能分解）",
}


def action_parse(value: str) -> Action:
    """The action named by `value`, or a Chinese error listing the actions."""
    try:
        return Action(str(value).strip())
    except ValueError:
        names = "、".join(f"{a.value}（{ACTION_LABELS[a]}）" for a in Action)
        raise ApplicationError(f"未知的操作“{value}”，可用的操作：{names}。") from None


def action_check(*, action: Action, status: str, capacities: set[Capacity]) -> Move:
    """The move `action` makes from `status`; PermissionDenied when the user stands in none of the capacities
    allowed, a conflict (409) when the status does not allow it. Checked in that order: a user who may never
    act on the item is told so before anything about its status."""
    move = ACTIONS[action]
    if not capacities & move.by:
        raise PermissionDenied(f"{_WHO[action]}。")
    if ItemStatus(status) not in move.sources:
        raise ApplicationError(f"该任务当前为“{ItemStatus(status).label}”，{_WHEN[action]}。", code=ErrorCode.CONFLICT)
    return move


def actions_available(*, status: str, capacities: set[Capacity]) -> list[Action]:
    """The actions the user could take now (for the item page's buttons)."""
    return [a for a, move in ACTIONS.items() if capacities & move.by and ItemStatus(status) in move.sources]
