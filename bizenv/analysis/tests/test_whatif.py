"""What-if: new values for a region → new composite score and rank, by the real scoring rules."""

from __future__ import annotations

import numpy as np
import pytest

from bizenv.analysis.whatif import what_if
from bizenv.core.errors import ApplicationError


@pytest.fixture
def cube(make_cube):
    # Composites: A 55, B 71.25, C 80.
    return make_cube({
        "A": {"2026-01": (5.5, 100, 10, 60)},   # 50, 90, 20, 60 → 55
        "B": {"2026-01": (3.0, 400, 4, 70)},    # 75, 60, 80, 70 → 71.25
        "C": {"2026-01": (0.5, 0, 4, 40)},      # 100, 100, 80, 40 → 80
    })


@pytest.mark.parametrize(("changes", "composite", "rank"), [
    ({}, None, None),
    ({"power.time": 12}, 50.0, 3),  # worse: power 20 → 0
    ({"power.time": 2}, 75.0, 2),  # power 20 → 100: +20 composite, passes B (71.25)
    ({"power.time": 2, "service.online": 100}, 85.0, 1),
    ({"start.time": 0.5, "start.cost": 0, "power.time": 2, "service.online": 100}, 100.0, 1),
    ({"power.time": -5}, 75.0, 2),  # better than the best value is clipped at 100
])
def test_new_composite_and_rank(cube, changes, composite, rank):
    if not changes:
        with pytest.raises(ApplicationError, match="至少"):
            what_if(cube, region="A", period="2026-01", changes=changes)
        return
    result = what_if(cube, region="A", period="2026-01", changes=changes)
    assert result.composite_before == pytest.approx(55.0) and result.rank_before == 3
    assert result.composite_after == pytest.approx(composite)
    assert result.rank_after == rank
    assert result.regions_ranked == 3


def test_changed_nodes_list_leaves_and_their_ancestors(cube):
    result = what_if(cube, region="A", period="2026-01", changes={"start.time": 0.5})
    assert [n.code for n in result.nodes] == ["start", "start.time"]
    leaf = result.nodes[1]
    assert (leaf.value_before, leaf.value_after, leaf.score_after) == (5.5, 0.5, pytest.approx(100))
    assert result.composite_delta == pytest.approx(12.5)


def test_the_cube_is_not_changed(cube):
    before = cube.values.copy()
    what_if(cube, region="A", period="2026-01", changes={"power.time": 2})
    assert np.array_equal(before, cube.values, equal_nan=True)


def test_clearing_a_value_reweights_its_siblings(cube):
    result = what_if(cube, region="A", period="2026-01", changes={"start.cost": None})
    # start = start.time alone (50): composite = 0.5×50 + 0.25×20 + 0.25×60
    assert result.composite_after == pytest.approx(45.0)


@pytest.mark.parametrize(("code", "message"), [("start", "不是末级指标"), ("nope", "不在指标体系"), ("TOTAL", "不是末级")])
def test_only_leaves_can_change(cube, code, message):
    with pytest.raises(ApplicationError, match=message):
        what_if(cube, region="A", period="2026-01", changes={code: 1.0})
