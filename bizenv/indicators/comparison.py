"""Comparing two versions of an indicator system: added, removed and changed indicators, field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bizenv.indicators.specs import (
    FIELD_LABELS,
    INDICATOR_COMPARED,
    INDICATOR_FIELD_BY_NAME,
    SystemSpec,
    indicator_canonical,
    walk,
)

COMPARED_FIELDS = INDICATOR_COMPARED
COMPARED_LABELS = {**FIELD_LABELS, **{name: INDICATOR_FIELD_BY_NAME[name].label for name in INDICATOR_COMPARED}}


class DiffStatus(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


DIFF_LABELS = {
    DiffStatus.ADDED: "新增",
    DiffStatus.REMOVED: "删除",
    DiffStatus.CHANGED: "修改",
    DiffStatus.SAME: "未变",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class DiffRow:
    code: str
    status: DiffStatus
    left: dict | None
    right: dict | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def name(self) -> str:
        return (self.right or self.left or {}).get("name", "")

    @property
    def level(self) -> int:
        return (self.right or self.left or {}).get("level", 1)

    @property
    def status_label(self) -> str:
        return DIFF_LABELS[self.status]

    @property
    def changed_fields(self) -> set[str]:
        return {c.field for c in self.changes}


@dataclass
class VersionComparison:
    rows: list[DiffRow]
    system_changes: list[FieldChange] = field(default_factory=list)

    def count(self, status: DiffStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def added(self) -> list[DiffRow]:
        return [r for r in self.rows if r.status == DiffStatus.ADDED]

    @property
    def removed(self) -> list[DiffRow]:
        return [r for r in self.rows if r.status == DiffStatus.REMOVED]

    @property
    def changed(self) -> list[DiffRow]:
        return [r for r in self.rows if r.status == DiffStatus.CHANGED]

    @property
    def identical(self) -> bool:
        return not self.system_changes and all(r.status == DiffStatus.SAME for r in self.rows)


def _canonical_by_code(spec: SystemSpec) -> dict[str, dict]:
    return {
        node.code: indicator_canonical(node, parent.code if parent else None, level)
        for node, parent, level in walk(spec.indicators)
    }


def compare_specs(left: SystemSpec, right: SystemSpec) -> VersionComparison:
    """Rows in the right version's order, removed indicators placed after their left-hand predecessor."""
    old = _canonical_by_code(left)
    new = _canonical_by_code(right)
    order: list[str] = list(new)
    previous: str | None = None
    for code in old:
        if code not in new:
            position = order.index(previous) + 1 if previous in order else len(order)
            order.insert(position, code)
        previous = code
    rows = []
    for code in order:
        a, b = old.get(code), new.get(code)
        if a is None:
            rows.append(DiffRow(code, DiffStatus.ADDED, None, b))
        elif b is None:
            rows.append(DiffRow(code, DiffStatus.REMOVED, a, None))
        else:
            changes = [
                FieldChange(f, COMPARED_LABELS.get(f, f), a[f], b[f]) for f in COMPARED_FIELDS if a[f] != b[f]
            ]
            rows.append(DiffRow(code, DiffStatus.CHANGED if changes else DiffStatus.SAME, a, b, changes))
    system_changes = [
        FieldChange(f, FIELD_LABELS[f], getattr(left, f), getattr(right, f))
        for f in ("name", "description")
        if getattr(left, f) != getattr(right, f)
    ]
    return VersionComparison(rows=rows, system_changes=system_changes)
