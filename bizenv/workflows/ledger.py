"""The 台账 (ledger) of work items as an Excel workbook: one row per item, every step of their timelines, and the
on-time completion (按期完成率) by department and by region — counted by `stats`, the same numbers as the page and
`bizenv workitems stats`.

Every text cell is written as text: a cell beginning with = + - @ or a tab or carriage return is never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bizenv.workflows import selectors, stats
from bizenv.workflows.models import ItemEvent, ItemStatus, WorkItem
from bizenv.workflows.transitions import ACTION_LABELS, Action

ITEMS_SHEET = "任务台账"
EVENTS_SHEET = "办理记录"
STATS_SHEET = "按期完成率"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = 'yyyy"年"m"月"d"日"'  # real dates, shown 2026年12月3日 by Excel and WPS
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="0F4C97")
HEADER_FONT = Font(bold=True, color="FFFFFF")

# (header, width)
ITEM_COLUMNS = (
    ("任务编号", 16), ("任务名称", 36), ("任务类型", 10), ("优先级", 8), ("任务来源", 12), ("下发单位", 20),
    ("责任单位", 20), ("协办单位", 24), ("涉及指标", 28), ("完成时限", 12), ("下发日期", 12), ("受理日期", 12),
    ("申请办结日期", 13), ("办结日期", 12), ("状态", 9), ("进度（%）", 9), ("督办次数", 9), ("转办次数", 9),
    ("按期情况", 14), ("逾期天数", 9), ("最新反馈", 48), ("最新反馈日期", 13),
)
EVENT_COLUMNS = (
    ("任务编号", 16), ("任务名称", 30), ("时间", 17), ("操作", 10), ("操作人", 12), ("操作单位", 20),
    ("原状态", 9), ("新状态", 9), ("内容", 60), ("进度（%）", 9), ("附件", 30),
)
STATS_COLUMNS = (("单位编码", 12), ("单位", 24), ("应完成", 9), ("按期完成", 9), ("逾期", 9), ("未到期", 9),
                 ("按期完成率", 11), ("平均逾期天数", 13))
STANDING = {"on_time": "按期完成", "pending": "未到期"}


def safe_text(value: str) -> str:
    """Text as a cell may hold it (characters Excel cannot store removed)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def put(ws, row: int, column: int, value):
    """Write one cell; text is always text (never a formula), dates get a date format."""
    if isinstance(value, str):
        value = safe_text(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def _header(ws, columns, *, row: int = 1) -> None:
    for col, (label, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width


def event_label(action: str) -> str:
    """The Chinese name of a timeline step."""
    if action in Action.__members__.values():
        return ACTION_LABELS[Action(action)]
    return {"create": "创建", "update": "修改"}.get(action, "办理")


def _status_label(status: str) -> str:
    return ItemStatus(status).label if status in ItemStatus.values else ""


def standing(item: WorkItem, fact: stats.ItemFact | None, *, as_of: date) -> tuple[str, int | None]:
    """按期情况 and days overdue of one item at `as_of`, judged by `stats.judge`."""
    if item.status == ItemStatus.CANCELLED:
        return "不计（已撤销）", None
    if fact is None:
        return "不计（未下发）", None
    judged = stats.judge(fact, as_of=as_of)
    if judged is None:
        return "不计（已撤销）", None
    if judged.state == "overdue":
        return ("逾期完成" if fact.approved_on and fact.approved_on <= as_of else "逾期未完成"), judged.days_overdue
    if judged.state == "pending" and fact.approved_on and fact.approved_on <= as_of:
        return "未到期（已办结）", None
    return STANDING[judged.state], None


def ledger_workbook(*, items: QuerySet[WorkItem], as_of: date) -> bytes:
    """The 台账 workbook of `items` (already limited to what the user may see) judged at `as_of`."""
    from bizenv.workflows.services import indicator_names

    ids = items.order_by().values("pk")
    listed = list(items.prefetch_related("co_departments", "co_regions").order_by("code"))
    facts = selectors.item_facts(items=WorkItem.objects.filter(pk__in=ids))
    fact_of = {f.code: f for f in facts}
    names = indicator_names(sorted({c for i in listed for c in i.indicator_codes}))
    events = list(ItemEvent.objects.filter(item__in=ids).select_related("item")
                  .prefetch_related(Prefetch("files")).order_by("item__code", "at", "id"))
    latest_feedback: dict[int, ItemEvent] = {}
    for event in events:
        if event.action == Action.FEEDBACK:
            latest_feedback[event.item_id] = event

    wb = Workbook()
    ws = wb.active
    ws.title = ITEMS_SHEET
    _header(ws, ITEM_COLUMNS)
    for r, item in enumerate(listed, start=2):
        text, days = standing(item, fact_of.get(item.code), as_of=as_of)
        feedback = latest_feedback.get(item.pk)
        co = [d.name for d in item.co_departments.all()] + [g.name for g in item.co_regions.all()]
        values = (
            item.code, item.title, item.get_kind_display(), item.get_priority_display(), item.get_source_display(),
            item.issuer_name, item.assignee_name, "、".join(co), "、".join(names.get(c, c) for c in item.indicator_codes),
            item.deadline, item.issued_on, item.accepted_on, item.submitted_on, item.approved_on,
            item.get_status_display(), item.progress, item.supervise_count, item.transfer_count, text, days,
            feedback.text if feedback else "", timezone.localtime(feedback.at).date() if feedback else None,
        )
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(ITEM_COLUMNS))}{max(1, len(listed)) + 1}"

    ev = wb.create_sheet(EVENTS_SHEET)
    _header(ev, EVENT_COLUMNS)
    for r, event in enumerate(events, start=2):
        at = timezone.localtime(event.at).replace(tzinfo=None, second=0, microsecond=0)
        values = (
            event.item.code, event.item.title, at, event_label(event.action), event.actor_name, event.unit_name,
            _status_label(event.status_from), _status_label(event.status_to), event.text, event.progress,
            "、".join(f.original_name for f in event.files.all()),
        )
        for c, value in enumerate(values, start=1):
            put(ev, r, c, value)
    ev.freeze_panes = "C2"

    _stats_sheet(wb.create_sheet(STATS_SHEET), facts, as_of=as_of)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ontime_rows(facts: Iterable[stats.ItemFact], *, as_of: date, by: str) -> list[stats.Tally]:
    """`stats.ontime_stats` in the order of the unit codes (the ledger's and the command's order)."""
    return sorted(stats.ontime_stats(facts, as_of=as_of, by=by), key=lambda t: t.key)


def _stats_sheet(ws, facts: list[stats.ItemFact], *, as_of: date) -> None:
    ws["A1"] = f"按期完成率（截至 {as_of.year} 年 {as_of.month} 月 {as_of.day} 日）"
    ws["A1"].font = Font(bold=True, size=13, color="0F4C97")
    ws["A2"] = ("口径：任务在完成时限所在月份计为应完成；完成时限已过（或当天已办结）的计入“应完成”，其中在完成时限当天或之前审核通过的"
                "为按期完成，其余为逾期；尚未到完成时限的计为“未到期”；已撤销的任务不计。按期完成率 = 按期完成 ÷ 应完成。")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 45
    row = 4
    total = stats.ontime_total(facts, as_of=as_of)
    for title, by in (("按责任部门", "department"), ("按责任地区", "region")):
        ws.cell(row=row, column=1, value=title).font = Font(bold=True, color="0F4C97")
        row += 1
        _header(ws, STATS_COLUMNS, row=row)
        tallies = ontime_rows(facts, as_of=as_of, by=by)
        for tally in tallies:
            row += 1
            _tally_row(ws, row, tally.key, tally.name, tally)
        if not tallies:
            row += 1
            ws.cell(row=row, column=1, value="（没有任务）")
        row += 2
    ws.cell(row=row, column=1, value="全部任务").font = Font(bold=True, color="0F4C97")
    row += 1
    _header(ws, STATS_COLUMNS, row=row)
    _tally_row(ws, row + 1, "", "合计", total)


def _tally_row(ws, row: int, code: str, name: str, tally: stats.Tally) -> None:
    values = (code, name, tally.due, tally.on_time, tally.overdue, tally.pending, tally.rate,
              round(tally.average_days_overdue, 1) if tally.average_days_overdue is not None else None)
    for c, value in enumerate(values, start=1):
        cell = put(ws, row, c, value)
        if c == 7:
            cell.number_format = "0.0%"
    if tally.rate is None:
        put(ws, row, 7, "—")


def ledger_filename(as_of: date) -> str:
    return f"任务台账-{as_of.isoformat()}.xlsx"
