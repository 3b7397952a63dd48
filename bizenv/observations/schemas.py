"""Typed shapes of the observations API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class ObservationOut(Schema):
    id: int
    system: str
    version: str
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    value: float | None = None
    special: str
    value_text: str
    unit: str
    source: str
    status: str
    status_label: str
    department: str | None = None
    record_count: int | None = None
    is_outlier: bool
    outlier_score: float | None = None
    review_comment: str
    updated_at: datetime


class RevisionOut(Schema):
    action: str
    old_values: dict | None = None
    new_values: dict | None = None
    actor: str | None = None
    created_at: datetime


class EvidenceOut(Schema):
    id: int
    original_name: str
    sha256: str
    size_bytes: int
    uploaded_at: datetime


class ObservationDetailOut(ObservationOut):
    note: str
    revisions: list[RevisionOut]
    evidence: list[EvidenceOut]


class ObservationPage(Schema):
    count: int
    items: list[ObservationOut]


class RoundOut(Schema):
    id: int
    system: str
    version: str
    period: str
    name: str
    deadline: date
    deadline_rule: str
    is_open: bool


class RoundIn(Schema):
    system: str
    version: str | None = None
    period: str
    deadline: date | None = None
    name: str = ""


class TallyOut(Schema):
    key: str
    label: str
    owed: int
    done: int
    rate: float
    missing: int
    draft: int
    returned: int
    submitted: int
    approved: int
    locked: int
    overdue: int


class RoundItemOut(Schema):
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    departments: list[str]
    status: str
    status_label: str
    overdue: bool
    observation_id: int | None = None


class CompletenessOut(Schema):
    round: RoundOut
    is_overdue: bool
    total: TallyOut
    by_department: list[TallyOut]
    by_region: list[TallyOut]


class ReviewIn(Schema):
    comment: str = ""


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    fatal_error: str
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    rejections: list[dict]


class FlagItemOut(Schema):
    indicator: str
    region: str
    explanation: str


class FlagOut(Schema):
    period: str
    checked: int
    flagged: int
    changed: int
    flags: list[FlagItemOut] = []
