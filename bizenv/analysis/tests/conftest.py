"""Factories for analysis tests: a tiny system (pure cubes), and a city with four counties and 24 months."""

from __future__ import annotations

import numpy as np
import pytest

from bizenv.analysis.cubes import cube_build
from bizenv.core.periods import Period
from bizenv.evaluation.scoring import compile_system
from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.specs import resolve_inheritance

# Composite shares: start.time 0.25, start.cost 0.25, power.time 0.25, service.online 0.25.
SYSTEM_YAML = """
code: ANA-TEST
name: 分析测试体系
version: "1"
indicators:
  - code: start
    name: 开办企业
    weight: 2
    source_kind: report
    cycle: monthly
    children:
      - {code: start.time, name: 开办时间, unit: 工作日, best: 0.5, worst: 10.5}
      - {code: start.cost, name: 开办成本, unit: 元, best: 0, worst: 1000}
  - code: power
    name: 获得电力
    source_kind: report
    cycle: monthly
    children:
      - {code: power.time, name: 办电时间, unit: 工作日, best: 2, worst: 12}
  - code: service
    name: 政务服务
    source_kind: report
    cycle: monthly
    children:
      - {code: service.online, name: 全程网办率, unit: "%", direction: higher_better, best: 100, worst: 0}
"""
LEAVES = ("start.time", "start.cost", "power.time", "service.online")


@pytest.fixture(scope="session")
def compiled():
    parsed = parse_yaml(SYSTEM_YAML)
    assert parsed.ok, parsed.problems
    return compile_system(resolve_inheritance(parsed.spec))


@pytest.fixture(scope="session")
def make_cube(compiled):
    """make_cube({region: {period: (start.time, start.cost, power.time, service.online)}}) → ScoreCube."""

    def make(data: dict[str, dict[str, tuple]], *, names: dict[str, str] | None = None):
        regions = list(data)
        periods = sorted({p for per_region in data.values() for p in per_region})
        values = np.full((len(regions), len(periods), len(LEAVES)), np.nan)
        for r, region in enumerate(regions):
            for period, row in data[region].items():
                values[r, periods.index(period)] = [np.nan if v is None else v for v in row]
        return cube_build(compiled, regions=regions, region_names=[(names or {}).get(c, c) for c in regions],
                          periods=periods, values=values)

    return make


def months(start: str, count: int) -> list[str]:
    first = Period.parse(start)
    return [str(first.shift(i)) for i in range(count)]
