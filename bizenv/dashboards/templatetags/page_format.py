"""Chinese formats shared by the analysis pages: the regions a weight variant is for."""

from django import template
from django.utils.html import format_html

from bizenv.indicators.weights import describe_conditions
from bizenv.monitoring.specs import SEVERITY_LABELS
from bizenv.reports.topic import signed_number

register = template.Library()


@register.filter
def variant_regions(conditions) -> str:
    """A weight variant's conditions as a Chinese phrase (不具备管道供气条件的地区), never a dict."""
    return describe_conditions(conditions or {})


@register.simple_tag
def delta(value, digits: int = 2, css: str = "delta"):
    """A change as a coloured, signed number: <span class="delta-up">+1.23</span>, −0.50 in the down colour,
    a neutral 0.00 for what rounds to zero, — when there is nothing to compare. `css` is the class prefix
    (the cockpit uses ck)."""
    if value is None or value == "":
        return "—"
    text = signed_number(float(value), int(digits))
    kind = "up" if text.startswith("+") else "down" if text.startswith("−") else "flat"
    return format_html('<span class="{}-{}">{}</span>', css, kind, text)


@register.simple_tag
def severity_tag(severity: str, suffix: str = ""):
    """A warning's severity as a coloured tag: <span class="severity-tag severity-red">红色预警</span> (the
    colours are in bizenv.css and cockpit.css)."""
    css = severity if severity in SEVERITY_LABELS else "unknown"
    return format_html('<span class="severity-tag severity-{}">{}{}</span>', css,
                       SEVERITY_LABELS.get(severity, "预警"), suffix)
