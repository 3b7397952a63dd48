"""Change-log display of observation revisions: Chinese field names and value labels, never stored codes."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist

from bizenv.observations.models import Observation

register = template.Library()


def _field(name: str):
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = Observation._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if getattr(field, "concrete", False):  # not a reverse relation
            return field
    return None


def _text(field, value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        return f"#{value}"
    return str(value)


@register.filter
def revision_lines(values: dict | None, skip_empty: bool = False) -> list[str]:
    """'名称=值' lines of a revision's old or new values (labels for choices, '#id' for links)."""
    lines = []
    for name, value in (values or {}).items():
        if skip_empty and (value is None or value == ""):
            continue
        field = _field(name)
        label = str(field.verbose_name) if field is not None else name
        lines.append(f"{label}={_text(field, value)}")
    return lines
