"""Typed shapes of the analysis API."""

from __future__ import annotations

from ninja import Field, Schema


class ChangeRowOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = None
    unit: str
    direction: str
    value: float | None = None
    base_value: float | None = None
    value_delta: float | None = None
    value_pct: float | None = None
    score: float | None = None
    base_score: float | None = None
    score_delta: float | None = None
    rank: int
    base_rank: int
    rank_delta: int | None = None
    share: float
    contribution: float | None = None


class ChangesOut(Schema):
    region: str
    region_name: str
    period: str
    base_period: str
    kind: str
    kind_label: str
    regions_compared: int
    rows: list[ChangeRowOut]
    strengths: list[ChangeRowOut]
    weaknesses: list[ChangeRowOut]
    chart: dict


class QueryRowOut(Schema):
    region: str
    region_name: str
    period: str
    indicator: str
    indicator_name: str
    level: int
    unit: str
    value: float | None = None
    score: float | None = None
    rank: int
    completeness: float | None = None
    band: str


class QueryOut(Schema):
    count: int
    rows: list[QueryRowOut]


class BenchmarkOut(Schema):
    indicator: str
    cities: str
    value: float
    unit: str
    source: str
    year: int | None = None


class ComparisonRowOut(Schema):
    code: str
    name: str
    level: int
    unit: str
    direction: str
    value: float | None = None
    score: float | None = None
    rank: int
    best_region: str | None = None
    best_region_name: str | None = None
    best_region_value: float | None = None
    best_region_score: float | None = None
    gap_to_best_region: float | None = None
    frontier_value: float | None = None
    gap_to_frontier: float | None = None
    benchmark: BenchmarkOut | None = None
    benchmark_score: float | None = None
    value_gap_to_benchmark: float | None = None
    reaches_benchmark: bool | None = None
    counted: bool = Field(True, description="是否参评：无管道燃气地区的“获得用气”为 false，不参与排名")


class CompareOut(Schema):
    region: str
    region_name: str
    period: str
    regions_compared: list[str]
    rows: list[ComparisonRowOut]
    chart: dict


class GapRowOut(Schema):
    code: str
    name: str
    level: int
    parent: str
    score: float | None = None
    share: float
    frontier_gap: float
    best_region: str | None = None
    best_region_name: str | None = None
    best_score: float | None = None
    best_region_gap: float


class GapsOut(Schema):
    region: str
    region_name: str
    period: str
    composite: float | None = None
    target: str
    total_gap: float
    rows: list[GapRowOut]
    chart: dict


class WhatIfChangeIn(Schema):
    indicator: str = Field(..., description="末级指标编码")
    value: float | None = Field(None, description="新的指标值；为空表示缺数")


class WhatIfIn(Schema):
    region: str
    period: str
    scope: str = ""
    system: str = ""
    changes: list[WhatIfChangeIn]


class NodeChangeOut(Schema):
    code: str
    name: str
    level: int
    value_before: float | None = None
    value_after: float | None = None
    score_before: float | None = None
    score_after: float | None = None
    rank_before: int
    rank_after: int


class WhatIfOut(Schema):
    region: str
    region_name: str
    period: str
    regions_ranked: int
    composite_before: float | None = None
    composite_after: float | None = None
    composite_delta: float | None = None
    rank_before: int
    rank_after: int
    nodes: list[NodeChangeOut]


class ForecastOut(Schema):
    region: str
    indicator: str
    indicator_name: str
    measure: str
    unit: str
    method: str
    method_label: str
    level: float
    history_periods: list[str]
    history: list[float | None]
    periods: list[str]
    mean: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    chart: dict


class PeerOut(Schema):
    code: str
    name: str
    distance: float | None = None
    reason: str


class PeersOut(Schema):
    region: str
    method: str
    peers: list[PeerOut]
