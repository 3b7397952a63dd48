"""JSON shapes of the data-docking API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class PushIn(Schema):
    records: list[Any] = Field(..., description="原始记录数组，字段见 docs/formats.md“原始办件数据”")


class ProblemOut(Schema):
    row_number: int
    field: str
    message: str


class BatchOut(Schema):
    id: int | None
    dataset: str
    source: str | None
    status: str
    status_label: str
    replayed: bool = Field(False, description="true 表示同一幂等键的批次已存在，本次未做任何修改")
    idempotency_key: str
    rows_total: int
    rows_accepted: int
    rows_duplicate: int
    rows_quarantined: int
    message: str
    created_at: datetime | None
    finished_at: datetime | None
    problems: list[ProblemOut] = Field(default_factory=list, description="前 100 条被隔离记录的原因")


class FieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    choices: list[str]
    minimum: float | None
    description: str


class DatasetOut(Schema):
    code: str
    name: str
    topic: str
    key: list[str]
    time_field: str
    description: str
    fields: list[FieldOut]
