"""Gap decomposition: points of composite lost per indicator, ranked by what each would win back."""

from __future__ import annotations

import pytest

from bizenv.analysis.gaps import GapTarget, gap_decomposition
from bizenv.core.errors import ApplicationError


@pytest.fixture
def cube(make_cube):
    # A: start.time 50, start.cost 90, power.time 20, service.online 60 → composite 55.
    return make_cube({
        "A": {"2026-01": (5.5, 100, 10, 60)},
        "B": {"2026-01": (3.0, 400, 4, 70)},
    })


@pytest.mark.parametrize(("target", "order", "gaps"), [
    (GapTarget.FRONTIER, ["power.time", "start.time", "service.online", "start.cost"], [20.0, 12.5, 10.0, 2.5]),
    # against B: power 80 vs 20 (+15), start.time 75 vs 50 (+6.25), service 70 vs 60 (+2.5), cost: A is better
    (GapTarget.BEST_REGION, ["power.time", "start.time", "service.online", "start.cost"], [15.0, 6.25, 2.5, 0.0]),
])
def test_leaf_gaps_are_ranked_by_composite_points(cube, target, order, gaps):
    report = gap_decomposition(cube, region="A", period="2026-01", target=target)
    assert [r.code for r in report.rows] == order
    assert [r.gap(target) for r in report.rows] == [pytest.approx(g) for g in gaps]


def test_frontier_gaps_add_up_to_the_distance_of_the_composite(cube):
    report = gap_decomposition(cube, region="A", period="2026-01")
    assert report.composite == pytest.approx(55.0)
    assert report.total_gap == pytest.approx(100 - report.composite)


@pytest.mark.parametrize(("level", "codes"), [
    (1, ["power", "start", "service"]),  # start: 0.5 × (100 − 70) = 15, power 20, service 10
    (2, ["power.time", "start.time", "service.online", "start.cost"]),
])
def test_gaps_by_level(cube, level, codes):
    report = gap_decomposition(cube, region="A", period="2026-01", level=level)
    assert [r.code for r in report.rows] == codes
    assert report.total_gap == pytest.approx(45.0)


def test_top_and_bad_arguments(cube):
    assert len(gap_decomposition(cube, region="A", period="2026-01", top=2).rows) == 2
    with pytest.raises(ApplicationError, match="层级"):
        gap_decomposition(cube, region="A", period="2026-01", level=4)
    with pytest.raises(ApplicationError, match="frontier"):
        gap_decomposition(cube, region="A", period="2026-01", target="moon")


def test_waterfall_climbs_from_the_composite_to_the_target(cube):
    from bizenv.analysis.charts import gap_bar, gap_waterfall

    report = gap_decomposition(cube, region="A", period="2026-01")
    option = gap_waterfall(report)
    bars = option["series"][1]["data"]
    assert bars[0]["value"] == pytest.approx(55.0) and bars[-1]["value"] == pytest.approx(100.0)
    assert option["series"][0]["data"][1:-1] == [pytest.approx(v) for v in (55.0, 75.0, 87.5, 97.5)]
    assert gap_bar(report, top=2)["yAxis"]["data"] == ["开办时间", "办电时间"]  # largest at the top
