"""对比分析: best region, best-practice values and the frontier."""

from __future__ import annotations

import numpy as np
import pytest

from bizenv.analysis.comparison import BenchmarkRef, compare_region


@pytest.fixture
def cube(make_cube):
    return make_cube({
        "A": {"2026-01": (5.5, 500, 7, 50)},
        "B": {"2026-01": (3.0, 400, 9, 60)},
        "C": {"2026-01": (8.0, 900, 4, None)},
    }, names={"A": "东湖县", "B": "西山县", "C": "南河区"})


BENCH = {"start.time": BenchmarkRef("start.time", "银川、杭州", 0.5, "工作日", "seed 002"),
         "power.time": BenchmarkRef("power.time", "深圳", 3.0, "工作日", "seed 002"),
         "start.cost": BenchmarkRef("start.cost", "西安", 450.0, "元", "seed 002"),
         "start": BenchmarkRef("start", "无", 1.0)}


@pytest.mark.parametrize(("code", "best_region", "gap_to_best", "gap_to_frontier"), [
    ("start.time", "B", 25.0, 50.0),  # A 50 vs B 75
    ("power.time", "C", 30.0, 50.0),  # A 50 vs C 80
    ("service.online", "B", 10.0, 50.0),
    ("start.cost", "B", 10.0, 50.0),
])
def test_best_region_and_frontier_gaps(cube, code, best_region, gap_to_best, gap_to_frontier):
    row = {r.code: r for r in compare_region(cube, region="A", period="2026-01")}[code]
    assert row.best_region == best_region
    assert row.gap_to_best_region == pytest.approx(gap_to_best)
    assert row.gap_to_frontier == pytest.approx(gap_to_frontier)


def test_the_best_region_has_no_gap_to_itself(cube):
    row = {r.code: r for r in compare_region(cube, region="B", period="2026-01")}["start.time"]
    assert row.best_region == "B" and row.gap_to_best_region == 0 and row.rank == 1


@pytest.mark.parametrize(("region", "code", "value_gap", "reaches", "bench_score"), [
    ("A", "start.time", 5.0, False, 100.0),
    ("C", "power.time", 1.0, False, 90.0),  # lower is better: 4 working days does not reach 3
    ("B", "start.cost", -50.0, True, 55.0),  # 400 元 beats the 450 元 best practice
])
def test_benchmark_values(cube, region, code, value_gap, reaches, bench_score):
    row = {r.code: r for r in compare_region(cube, region=region, period="2026-01", benchmarks=BENCH)}[code]
    assert row.value_gap_to_benchmark == pytest.approx(value_gap)
    assert row.benchmark_score == pytest.approx(bench_score)
    assert row.reaches_benchmark is reaches
    assert row.benchmark.cities == BENCH[code].cities


def test_benchmarks_apply_only_to_leaves(cube):
    rows = {r.code: r for r in compare_region(cube, region="A", period="2026-01", benchmarks=BENCH)}
    assert rows["start"].benchmark is None and rows["start"].frontier_value is None
    assert rows["start.time"].frontier_value == 0.5


GAS_SYSTEM = """
code: GAS-TEST
name: 用气测试体系
version: "1"
indicators:
  - code: power
    name: 获得电力
    weight: 1
    weight_variants: [{when: {has_pipeline_gas: false}, weight: 2}]
    children:
      - {code: power.time, name: 办电时间, unit: 工作日, best: 2, worst: 12}
  - code: gas
    name: 获得用气
    weight: 1
    weight_variants: [{when: {has_pipeline_gas: false}, weight: 0}]
    children:
      - {code: gas.time, name: 用气时间, unit: 工作日, best: 2, worst: 12}
"""


def test_a_county_without_pipeline_gas_is_not_ranked_on_gas_nor_its_best_region():
    from bizenv.analysis.cubes import cube_build
    from bizenv.evaluation.scoring import compile_system
    from bizenv.indicators.parsing import parse_yaml
    from bizenv.indicators.specs import resolve_inheritance

    parsed = parse_yaml(GAS_SYSTEM)
    assert parsed.ok, parsed.problems
    system = compile_system(resolve_inheritance(parsed.spec))
    # 无气县 has the best gas time on paper (a stale report) but gas does not count there.
    values = np.array([[[4.0, 2.0]], [[5.0, 6.0]], [[6.0, 8.0]]])
    cube = cube_build(system, regions=["NOGAS", "G1", "G2"], region_names=["无气县", "有气甲", "有气乙"],
                      periods=["2026-11"], values=values,
                      attributes=[{"has_pipeline_gas": False}, {"has_pipeline_gas": True},
                                  {"has_pipeline_gas": True}])
    rows = {r.code: r for r in compare_region(cube, region="NOGAS", period="2026-11")}
    assert rows["gas"].rank == 0 and rows["gas.time"].rank == 0 and not rows["gas"].counted
    assert rows["gas"].score == pytest.approx(100.0), "its own score is still shown"
    assert rows["power"].rank == 1 and rows["power"].counted
    other = {r.code: r for r in compare_region(cube, region="G1", period="2026-11")}
    assert other["gas"].rank == 1 and other["gas"].best_region == "G1", "the best is among regions it counts for"
    assert other["gas"].counted
