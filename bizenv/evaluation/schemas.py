"""Typed shapes of the evaluation API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class RunOut(Schema):
    id: int
    system: str
    version: str
    period: str
    fingerprint: str
    region_count: int
    observation_count: int
    params: dict[str, Any]
    created_at: datetime


class ResultOut(Schema):
    region: str
    region_name: str
    indicator: str
    indicator_name: str
    level: int
    score: float | None = None
    rank: int | None = None
    completeness: float | None = None
    band: str
    status: str


class RunDetailOut(RunOut):
    results: list[ResultOut]


class RunIn(Schema):
    system: str = ""
    version: str = ""
    period: str


class TraceLeafOut(Schema):
    indicator: str
    indicator_name: str
    score: float | None = None
    status: str
    observation_id: int | None = None
    value: float | None = None
    special: str = ""
    changed_since_run: bool
    current_value: float | None = None
    observation_status: str = ""
    source: str = ""
    metric: dict[str, Any] | None = None


class TraceOut(Schema):
    run: int
    fingerprint: str
    region: str
    region_name: str
    indicator: str
    indicator_name: str
    score: float | None = None
    rank: int | None = None
    completeness: float | None = None
    leaves: list[TraceLeafOut]


class ReleaseOut(Schema):
    id: int
    title: str
    system: str
    period: str
    status: str
    status_label: str
    run: int
    fingerprint: str
    content_hash: str
    rules: dict[str, Any]
    created_at: datetime
    published_at: datetime | None = None
    superseded_by: int | None = None  # the release that replaced this one (status superseded)


class ReleaseDetailOut(ReleaseOut):
    entries: list[dict[str, Any]]
    scores: dict[str, Any]
    changes: dict[str, Any]


class ReleaseIn(Schema):
    run: int
    title: str = ""
    rules: dict[str, Any] | None = None


class RecomputeOut(Schema):
    identical: bool
    fingerprint_matches: bool
    content_hash_matches: bool
    differences: list[str]
