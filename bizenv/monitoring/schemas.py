"""Typed shapes of the monitoring API: warnings, their facts and measures, the map, rules, methods, runs and
notifications. Every code comes with its Chinese label (`status` and `status_label`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class WarningFilters(Schema):
    region: str = ""  # a region code; its subregions are included
    indicator: str = ""  # an indicator code or a first-level code
    kind: str = ""
    severity: str = ""
    status: str = ""
    period: str = ""  # warnings covering this month (first_period ≤ period ≤ last_period)
    active: bool | None = None  # true: 待签收/已签收/整改中 only; false: 已销号/已关闭 only
    page: int = 1
    page_size: int = 50


class WarningOut(Schema):
    id: int
    rule: str
    region: str
    region_name: str
    indicator: str
    indicator_name: str
    level1: str  # the first-level indicator code ("TOTAL" for the composite score)
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    status: str
    status_label: str
    first_period: str
    last_period: str
    value: float
    reference: float
    explanation: str
    measure_count: int


class WarningPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[WarningOut]


class FactItemOut(Schema):
    label: str
    value: str


class FactsOut(Schema):
    """The figures of the 预警说明 (ExplanationFacts)."""

    indicator: str
    indicator_name: str
    parent: str
    parent_name: str
    unit: str
    measure: str  # value or score
    direction: str  # lower_better / higher_better
    region: str
    region_name: str
    period: str
    own: float | None = None
    average: float | None = None
    best_region: str
    best_region_name: str
    best: float | None = None
    benchmark: float | None = None
    benchmark_cities: str
    reference: float | None = None
    reference_label: str
    rank_from_bottom: int | None = None
    ranked: int | None = None
    extra: list[FactItemOut]


class HistoryOut(Schema):
    period: str
    value: float | None = None
    reference: float | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    url: str  # download (add ?inline=true to view a PDF or image in the browser)


class MeasureOut(Schema):
    id: int
    warning: int
    method: int
    method_name: str
    description: str
    period: str
    status: str
    status_label: str
    review_comment: str
    department: str
    created_by: str
    created_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None = None
    evidence: list[EvidenceOut]


class WarningDetailOut(WarningOut):
    rule_name: str
    clear_periods: int  # the rule's: consecutive cleared periods needed before 销号
    cleared_periods: int  # how many the warning has
    last_checked_period: str
    first_measure_period: str
    previous: int | None = None  # the earlier warning this one is a recurrence of
    acknowledged_by: str
    acknowledged_at: datetime | None = None
    finished_by: str
    finished_at: datetime | None = None
    close_reason: str
    created_at: datetime
    updated_at: datetime
    facts: FactsOut | None = None
    history: list[HistoryOut]
    cases: list[str]  # the record ids of the late and open-overdue cases (办件超期)
    measures: list[MeasureOut]
    is_active: bool
    can_act: bool  # the user may 签收 and submit measures (its county or department)
    can_manage: bool  # the user may review measures, 销号 and close (the office)


class EffectDataOut(Schema):
    """A difference-in-differences against the peer regions without a warning on the indicator."""

    region_name: str
    indicator_name: str
    unit: str
    direction: str
    direction_label: str
    first_measure_period: str
    periods: list[str]
    treated: list[float | None]  # the region's figure per period
    peer_mean: list[float | None]  # the peers' mean per period
    peer_count: int
    before_periods: list[str]
    after_periods: list[str]
    treated_before: float | None = None
    treated_after: float | None = None
    peers_before: float | None = None
    peers_after: float | None = None
    did: float | None = None  # raw: (after − before) of region minus peers
    se: float | None = None
    did_low: float | None = None
    did_high: float | None = None
    improvement: float | None = None  # the same amount signed so that positive is better
    improvement_low: float | None = None
    improvement_high: float | None = None
    verdict: str
    verdict_label: str
    sentence: str
    chart: dict[str, Any]  # an ECharts option: the region and the peers' mean, the first measure marked


class EffectOut(Schema):
    warning: int
    effect: EffectDataOut | None = None
    message: str  # why there is no effect yet, when there is none


class MapRegionOut(Schema):
    region: str
    region_name: str
    count: int
    severity: str
    severity_label: str


class CloseIn(Schema):
    reason: str = ""


class ReviewIn(Schema):
    accept: bool
    comment: str = ""


class RuleOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    indicators: list[str]
    level: str
    region_groups: list[str]
    params: dict[str, Any]
    clear_periods: int
    description: str
    enabled: bool
    sort_order: int
    revision: int
    updated_at: datetime


class RuleListOut(Schema):
    system: str
    version: str
    rules: list[RuleOut]


class RuleImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    message: str


class MethodOut(Schema):
    id: int
    name: str
    description: str


class RunIn(Schema):
    period: str = ""  # YYYY-MM; empty: every monitored month


class RunOut(Schema):
    job: int | None = None  # None when an equal run is already queued
    message: str


class NotificationFilters(Schema):
    unread: bool = False
    page: int = 1
    page_size: int = 50


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    read: bool
    read_at: datetime | None = None
    created_at: datetime


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    pages: int
    items: list[NotificationOut]


class ReadIn(Schema):
    id: int | None = None  # one notification; without it every unread one


class ReadOut(Schema):
    marked: int
