"""How the 任务督办 pages write an item's status, progress, deadline and dates (Chinese only, never a code)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from bizenv.core import clock
from bizenv.core.periods import day_label
from bizenv.workflows import workbench
from bizenv.workflows.stats import rate_text

register = template.Library()


@register.simple_tag
def status_tag(status: str, tag_id: str = ""):
    """<span class="st st-issued">待受理</span>."""
    label = workbench.status_label(status) or "—"
    css = workbench.STATUS_CSS.get(status, "st-draft")
    if tag_id:
        return format_html('<span class="st {}" id="{}" data-status="{}">{}</span>', css, tag_id, status, label)
    return format_html('<span class="st {}">{}</span>', css, label)


@register.simple_tag
def progress_bar(value):
    """A thin bar with the percentage after it."""
    value = max(0, min(100, int(value or 0)))
    return format_html('<span class="pbar" title="进度 {}%"><span class="pbar-fill" style="width:{}%"></span></span>'
                       '<span class="pbar-text">{}%</span>', value, value, value)


@register.simple_tag
def deadline_words(item, today=None):
    """剩余 N 天 / 今日到期 / 逾期 N 天 / 按期办结 as a coloured note."""
    text, css = workbench.deadline_note(item, today=today or clock.today())
    if not text:
        return ""
    return format_html('<span class="dl {}">{}</span>', css, text)


@register.filter
def cn_date(value) -> str:
    """A date as 2026年12月3日 (— when there is none)."""
    return day_label(value or None)


@register.filter
def rate(value) -> str:
    """A rate (0–1) as 98.8% (— when nothing is due)."""
    return rate_text(value)


@register.filter
def days(value) -> str:
    """Average days overdue, one decimal (— when none is overdue)."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def raw_rate(value) -> str:
    """A rate for a data attribute: full precision, empty when nothing is due."""
    return "" if value is None else repr(float(value))


@register.filter
def kind_name(value) -> str:
    """A kind code as 年度任务 / 整改任务 / …"""
    return workbench.kind_label(value)


@register.filter
def cn_dates(text) -> str:
    """Dates written 2026-12-20 inside a text (a timeline step, a service's message) as 2026年12月20日."""
    return workbench.dates_in_words(str(text or ""))
