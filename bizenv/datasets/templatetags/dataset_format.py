"""Raw-record fields as people read them: the Chinese label, with the file's column name beside it."""

from django import template
from django.utils.html import format_html

from bizenv.datasets.catalog import DATASETS

register = template.Library()


@register.filter
def field_label(name: str, dataset: str):
    """`completed_at` of 企业开办办件 → 办结时间 (completed_at); a name not in the dataset stays as it is."""
    if not name:
        return "—"
    ds = DATASETS.get(str(dataset))
    if ds is None or name not in ds.field_names:
        return name
    return format_html('{} <code class="muted">{}</code>', ds.field(name).label, name)
