from __future__ import annotations

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None
    depth: int
    sort_order: int
    population: int | None
    gdp: float | None
    area_km2: float | None
    has_pipeline_gas: bool
    peer_group: str
    attributes: dict
    has_map: bool


class RegionTreeOut(RegionOut):
    children: list[RegionTreeOut]


class DepartmentOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    region_code: str | None
    sort_order: int


class RegionDetailOut(RegionOut):
    ancestors: list[RegionOut]
    children: list[RegionOut]
    departments: list[DepartmentOut]


RegionTreeOut.model_rebuild()
