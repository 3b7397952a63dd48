"""Filters every template may use without loading (installed as a template builtin in settings)."""

from django import template

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.core.periods import day_label as _day_label

register = template.Library()


@register.filter
def period_label(value) -> str:
    """"2026-10" → 2026年10月, "2026-Q3" → 2026年第3季度; anything unreadable stays as it is."""
    try:
        return Period.parse(str(value)).label
    except (ApplicationError, ValueError):
        return value


@register.filter
def day_label(value) -> str:
    """A date → 2026年12月3日; empty → —."""
    return _day_label(value) if hasattr(value, "year") else (value or "—")
