"""Typed shapes of the indicator API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class VersionOut(Schema):
    id: int
    system_code: str
    version: str
    name: str
    status: str
    status_label: str
    based_on: str | None = None
    created_at: datetime
    published_at: datetime | None = None


class SystemOut(Schema):
    code: str
    name: str
    description: str
    versions: list[VersionOut]


class VariantOut(Schema):
    when: dict[str, Any]
    weight: float


class IndicatorOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = None
    weight: float
    share: float | None = None
    optional: bool
    unit: str
    direction: str
    best: float | None = None
    worst: float | None = None
    transform_power: float | None = None
    definition: str
    remarks: str
    lead_departments: list[str]
    responsible_departments: list[str]
    source_kind: str
    cycle: str
    external_ref: str
    weight_variants: list[VariantOut]


class IndicatorNodeOut(IndicatorOut):
    children: list[IndicatorNodeOut] = []


IndicatorNodeOut.model_rebuild()


class VersionTreeOut(VersionOut):
    description: str
    indicators: list[IndicatorNodeOut]


class ProblemOut(Schema):
    text: str
    message: str
    field: str
    line: int | None = None
    row: int | None = None
    column: str = ""
    sheet: str = ""
    indicator: str = ""


class ValidationOut(Schema):
    ok: bool
    filename: str
    system_code: str | None = None
    version: str | None = None
    indicator_count: int = 0
    problems: list[ProblemOut]


class ImportOut(Schema):
    created: bool
    published: bool
    message: str
    version: VersionOut
