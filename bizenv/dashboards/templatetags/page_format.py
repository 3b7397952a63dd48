"""Chinese formats shared by the analysis pages: the regions a weight variant is for."""

from django import template

from bizenv.indicators.weights import describe_conditions

register = template.Library()


@register.filter
def variant_regions(conditions) -> str:
    """A weight variant's conditions as a Chinese phrase (不具备管道供气条件的地区), never a dict."""
    return describe_conditions(conditions or {})
