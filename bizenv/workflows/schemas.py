"""Typed shapes of the workflows API: work items, their timeline and the actions on them. Every code comes with
its Chinese label (`status` and `status_label`)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class ItemFilters(Schema):
    status: str = ""  # a status code, or "open" for every unfinished one
    kind: str = ""
    unit: str = ""  # the responsible unit's code (department or region)
    indicator: str = ""
    source: str = ""
    overdue: bool = False  # only items still open after their deadline (today)
    q: str = ""  # words in the code, title or description
    page: int = 1
    page_size: int = 50


class ChildIn(Schema):
    title: str
    assignee: str  # a department or region code
    deadline: date | None = None
    deadline_workdays: int | None = None
    description: str = ""


class ItemIn(Schema):
    title: str
    assignee: str  # a department or region code
    assignee_user: str = ""  # a username of that unit
    description: str = ""
    kind: str = "annual"  # annual 年度任务 | rectification 整改任务 | supervision 督办事项 | materials 材料征集
    priority: str = "normal"  # normal 一般 | high 重要 | urgent 紧急
    indicators: list[str] = []
    co_assignees: list[str] = []  # department or region codes (协办)
    deadline: date | None = None
    deadline_workdays: int | None = None  # N working days from the issue date, instead of a date
    warning: int | None = None  # the warning this item comes from
    issue: bool = False  # issue at once (otherwise a draft)


class ActionIn(Schema):
    action: str  # issue|accept|return|feedback|submit|approve|reject|transfer|supervise|cancel|split
    reason: str = ""  # return/reject/transfer/cancel reason, supervise message, feedback or submit text
    progress: int | None = None  # feedback: 0–100
    to: str = ""  # transfer: the receiving department or region code
    children: list[ChildIn] = []  # split


class FileOut(Schema):
    id: int
    name: str
    kind_label: str
    size: int
    url: str


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    actor: str
    unit: str
    status_from: str
    status_from_label: str
    status_to: str
    status_to_label: str
    text: str
    progress: int | None
    at: datetime
    files: list[FileOut]


class ItemOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    issuer: str
    assignee: str
    assignee_code: str
    deadline: date | None
    issued_on: date | None
    approved_on: date | None
    progress: int
    supervise_count: int
    overdue: bool
    source: str
    source_label: str


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[ItemOut]


class ItemDetailOut(ItemOut):
    description: str
    indicators: list[dict]
    co_assignees: list[str]
    deadline_workdays: int | None
    accepted_on: date | None
    submitted_on: date | None
    transfer_count: int
    status_reason: str
    warning: int | None
    parent: int | None
    children: list[ItemOut]
    timeline: list[EventOut]
    actions: list[dict]  # [{action, label}] the signed-in user may take now


class PlanErrorOut(Schema):
    row: int
    field: str
    reason: str
    message: str  # 第 N 行，字段：原因


class PlanLineOut(Schema):
    row: int
    outcome: str  # create (preview) | created (import) | unchanged | error
    outcome_label: str
    code: str  # empty for a row numbered automatically on import
    title: str
    assignee: str
    deadline: str  # a date, or “N个工作日（date）”
    issued_on: date | None
    approved_on: date | None
    errors: list[PlanErrorOut]


class PlanResultOut(Schema):
    filename: str
    source: str  # plan | ledger (a file with 下发日期/办结日期 columns)
    source_label: str
    committed: bool
    rows: int
    to_create: int  # to be created (preview) or created (import)
    unchanged: int
    rejected: int
    summary: str
    lines: list[PlanLineOut]
