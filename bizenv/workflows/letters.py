"""What a 提醒函 says, pure: the template context from a warning's 预警说明 figures or from an overdue item, and the
letter number “营商提醒〔2026〕N号”. The Word file is rendered from this context by escalation_services.

Template keys (letter_templates/reminder_letter.docx and any template the office uploads): issuer, number, title,
recipient, intro, status_text, rows (each with label and value), request, deadline_text, signature, date_text,
contact. Row keys are `label`/`value`, never dict method names.

A letter states its figures once, in the table: the opening sentence names the indicator and the problem, the
status line says only how long the matter has been left. Lateness is counted in working days (the escalation rules'
unit) and also given in calendar days, the unit of the on-time statistics, so the two read alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bizenv.core.periods import day_label
from bizenv.monitoring.labels import DASH, facts_rows, kind_label, severity_label

NUMBER_PREFIX = "营商提醒"
DEFAULT_ISSUER = "市优化营商环境工作领导小组办公室"
DEFAULT_CONTACT = "营商办"  # the contact named in a letter the daily job makes
# Figures of the 预警说明 that a letter leaves out (the recipient knows its own region; 比较对象 and 指标方向 are
# for analysts). The rank is shown as one line.
_LEFT_OUT = {"地区", "比较对象", "指标方向", "参与排名地区数", "排名"}


def letter_number(*, year: int, seq: int) -> str:
    """营商提醒〔2026〕3号."""
    return f"{NUMBER_PREFIX}〔{year}〕{seq}号"


def date_text(day: date | None) -> str:
    return day_label(day, empty=DASH)


def contact_text(*, name: str, office: str) -> str:
    """联系人：张三（市营商环境建设专班办公室） — who made the letter, or 营商办 for the daily job."""
    return f"联系人：{name or DEFAULT_CONTACT}（{office}）"


def overdue_text(workdays: int, calendar_days: int = 0) -> str:
    """26 个工作日（40 个日历日）: the rules count working days, the on-time statistics calendar days."""
    text = f"{workdays} 个工作日"
    return f"{text}（{calendar_days} 个日历日）" if calendar_days else text


@dataclass(frozen=True)
class WarningLetterFacts:
    """A warning as a letter tells it (copied from the Warning row and its facts)."""

    region_name: str
    indicator_name: str
    kind: str
    severity: str
    periods_text: str  # “2026年8月—2026年9月”
    explanation: str
    facts: Mapping  # Warning.facts (ExplanationFacts as a dict)
    unattended_workdays: int | None = None


@dataclass(frozen=True)
class ItemLetterFacts:
    """An item as a letter tells it."""

    code: str
    title: str
    assignee_name: str
    issued_on: date | None
    deadline: date | None
    status_label: str
    progress: int
    overdue_workdays: int  # working days past the deadline (0 when not yet)
    unaccepted_workdays: int = 0  # working days since issue while not accepted
    indicator_names: Sequence[str] = ()
    overdue_days: int = 0  # calendar days past the deadline, as the on-time statistics count them


def warning_rows(facts: Mapping, *, kind: str) -> list[dict]:
    """The figures of the letter's table: indicator and its first-level parent, period, own value, average, best
    region and value, benchmark, the reference compared with and the rank — the known ones only."""
    rows = []
    for label, value in facts_rows(facts, kind=kind):
        if label in _LEFT_OUT or value in ("", DASH):
            continue
        rows.append({"label": label, "value": value})
    bottom, ranked = facts.get("rank_from_bottom"), facts.get("ranked")
    if isinstance(bottom, (int, float)) and not isinstance(bottom, bool):
        of = f"（共 {int(ranked)} 个地区）" if isinstance(ranked, (int, float)) and not isinstance(ranked, bool) else ""
        rows.append({"label": "排名", "value": f"倒数第 {int(bottom)} 位{of}"})
    return rows


def warning_letter_context(*, warning: WarningLetterFacts, number: str, issued_on: date, deadline: date,
                           recipient: str, issuer: str = DEFAULT_ISSUER, contact: str = "",
                           deadline_item: str = "") -> dict:
    """The letter to the unit responsible for a warning: one sentence naming the indicator and the problem, the
    figures as a table, what is asked and by when (`deadline_item`: the code of the open work item whose deadline
    the letter repeats)."""
    facts = warning.facts or {}
    parent = facts.get("parent_name") or ""
    indicator = f"“{warning.indicator_name}”" + (f"（所属一级指标：{parent}）" if parent else "")
    intro = (f"经营商环境监测平台监测，{warning.region_name}{indicator}{warning.periods_text}触发"
             f"{severity_label(warning.severity)}预警（{kind_label(warning.kind)}）。")
    status = ""
    if warning.unattended_workdays:
        status = f"截至{date_text(issued_on)}，该预警已 {warning.unattended_workdays} 个工作日未上报整改举措。"
    if deadline_item:
        deadline_text = (f"请按整改任务 {deadline_item} 的完成时限，于{date_text(deadline)}前完成整改，"
                         f"并将整改情况书面报送{issuer}。")
    else:
        deadline_text = f"请于{date_text(deadline)}前将整改情况书面报送{issuer}。"
    return {
        "issuer": issuer, "number": number,
        "title": f"关于{warning.region_name}“{warning.indicator_name}”预警整改的提醒函",
        "recipient": recipient, "intro": intro, "status_text": status,
        "rows": warning_rows(facts, kind=warning.kind),
        "request": ("请你单位高度重视，对照先进地区做法查找原因，制定切实可行的整改举措，在营商环境监测平台上报整改举措及"
                    "佐证材料。逾期仍未整改的，将按规定升级督办。"),
        "deadline_text": deadline_text,
        "signature": issuer, "date_text": date_text(issued_on),
        "contact": contact or contact_text(name=DEFAULT_CONTACT, office=issuer),
    }


def item_rows(item: ItemLetterFacts) -> list[dict]:
    rows = [{"label": "任务编号", "value": item.code}, {"label": "任务名称", "value": item.title},
            {"label": "责任单位", "value": item.assignee_name}]
    if item.indicator_names:
        rows.append({"label": "涉及指标", "value": "、".join(item.indicator_names)})
    rows += [{"label": "下发日期", "value": date_text(item.issued_on)},
             {"label": "完成时限", "value": date_text(item.deadline)}]
    if item.overdue_workdays:
        rows.append({"label": "已逾期", "value": overdue_text(item.overdue_workdays, item.overdue_days)})
    if item.unaccepted_workdays:
        rows.append({"label": "下发后未受理", "value": f"{item.unaccepted_workdays} 个工作日"})
    rows += [{"label": "当前状态", "value": item.status_label}, {"label": "办理进度", "value": f"{item.progress}%"}]
    return rows


def item_letter_context(*, item: ItemLetterFacts, number: str, issued_on: date, deadline: date, recipient: str,
                        issuer: str = DEFAULT_ISSUER, contact: str = "") -> dict:
    """The letter to the unit responsible for an overdue (or unaccepted) item; its figures are in the table."""
    intro = (f"{issuer}于{date_text(item.issued_on)}下发的任务“{item.title}”（编号 {item.code}），"
             f"完成时限为{date_text(item.deadline)}。")
    if item.overdue_workdays:
        status = (f"截至{date_text(issued_on)}，该任务已逾期 {overdue_text(item.overdue_workdays, item.overdue_days)}"
                  f"仍未办结。")
    elif item.unaccepted_workdays:
        status = f"截至{date_text(issued_on)}，该任务下发已 {item.unaccepted_workdays} 个工作日仍未受理。"
    else:
        status = f"截至{date_text(issued_on)}，该任务尚未办结。"
    what = "逾期" if item.overdue_workdays else "未受理"
    if item.deadline is not None and deadline == item.deadline:
        deadline_text = f"请于该任务完成时限{date_text(deadline)}前办结该任务或书面报送情况说明。"
    else:
        deadline_text = f"请于{date_text(deadline)}前办结该任务或书面报送情况说明。"
    return {
        "issuer": issuer, "number": number,
        "title": f"关于任务“{item.title}”{what}的提醒函",
        "recipient": recipient, "intro": intro, "status_text": status, "rows": item_rows(item),
        "request": "请你单位高度重视，抓紧办理，在营商环境数字化治理平台反馈办理进展；确有困难的，请书面说明原因及办结时间。"
                   "逾期仍未办结的，将按规定升级督办。",
        "deadline_text": deadline_text,
        "signature": issuer, "date_text": date_text(issued_on),
        "contact": contact or contact_text(name=DEFAULT_CONTACT, office=issuer),
    }


def sample_context(*, issuer: str = DEFAULT_ISSUER) -> dict:
    """A letter with made-up figures, to test-render a template the office uploads."""
    facts = {"indicator": "starting.time", "indicator_name": "开办企业时间", "parent_name": "开办企业", "unit": "工作日",
             "measure": "value", "direction": "lower_better", "region_name": "示例县", "period": "2026-10",
             "own": 12.0, "average": 6.5, "best_region_name": "示例区", "best": 3.0, "benchmark": 1.0,
             "reference": 10.0, "reference_label": "预警线", "rank_from_bottom": 1, "ranked": 4}
    sample = WarningLetterFacts(region_name="示例县", indicator_name="开办企业时间", kind="threshold", severity="red",
                                periods_text="2026年10月", explanation="示例县开办企业时间 12 个工作日，超过预警线 10 个工作日。",
                                facts=facts, unattended_workdays=5)
    return warning_letter_context(warning=sample, number=letter_number(year=2026, seq=1), issued_on=date(2026, 12, 1),
                                  deadline=date(2026, 12, 8), recipient="示例县人民政府", issuer=issuer,
                                  contact=contact_text(name="张三", office=issuer))
