"""Chinese formats shared by the analysis pages: signed changes and the regions a weight variant is for."""

from django import template

from bizenv.indicators.weights import describe_conditions
from bizenv.reports.topic import signed_number

register = template.Library()


@register.filter
def signed(value, digits: int = 2) -> str:
    """1.234 → “+1.23”, −0.5 → “−0.50”, what rounds to zero → “0.00”, None → “—”."""
    return signed_number(None if value in (None, "") else float(value), int(digits))


@register.filter
def delta_class(value, digits: int = 2) -> str:
    """The colour class of a change: delta-up, delta-down, or nothing when it rounds to zero or is missing."""
    if value in (None, ""):
        return ""
    shown = round(float(value), int(digits))
    return "delta-up" if shown > 0 else "delta-down" if shown < 0 else "delta-flat"


@register.filter
def variant_regions(conditions) -> str:
    """A weight variant's conditions as a Chinese phrase (不具备管道供气条件的地区), never a dict."""
    return describe_conditions(conditions or {})
