"""Filters every template may use without loading (installed as a template builtin in settings)."""

from django import template

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period

register = template.Library()


@register.filter
def period_label(value) -> str:
    """"2026-10" → 2026年10月, "2026-Q3" → 2026年第3季度; anything unreadable stays as it is."""
    try:
        return Period.parse(str(value)).label
    except (ApplicationError, ValueError):
        return value
