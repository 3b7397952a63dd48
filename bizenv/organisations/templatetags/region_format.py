"""Number formats for region attributes in Chinese pages."""

from django import template

register = template.Library()


@register.filter
def wan(value) -> str:
    """612000 → “61.2 万”; empty for missing values."""
    if value in (None, ""):
        return ""
    return f"{float(value) / 10000:.1f} 万"


@register.filter
def thousands(value) -> str:
    """612000 → “612,000”; empty for missing values."""
    if value in (None, ""):
        return ""
    return f"{int(value):,}"
