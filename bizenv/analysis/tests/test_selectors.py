"""Score cubes are cached per process and refreshed by any write of observations, the stamp read once per request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bizenv.analysis.selectors import score_cube
from bizenv.analysis.tests.conftest import SYSTEM_YAML
from bizenv.core.data_versions import data_version_scope
from bizenv.indicators import services as indicator_services
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from bizenv.organisations.services import region_create

PERIODS = ["2026-01", "2026-02"]


@pytest.fixture
def setting(db):
    version = indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="ana-test.yaml", publish=True).version
    city = region_create(actor=None, code="990100", name="示范市", level="city")
    regions = [region_create(actor=None, code=f"99010{i}", name=f"县{i}", level="county", parent=city)
               for i in (1, 2)]
    indicators = {i.code: i for i in version.indicators.all()}
    Observation.objects.bulk_create([
        Observation(system_version=version, indicator=indicators[code], region=region, period=period, value=value,
                    source=ObservationSource.REPORT, status=ObservationStatus.APPROVED)
        for r, region in enumerate(regions) for period in PERIODS
        for code, value in (("start.time", 3.0 + r), ("start.cost", 100.0), ("power.time", 5.0),
                            ("service.online", 80.0))])
    return version, regions


def _start_time(cube, region: int = 0, period: int = 1) -> float:
    return float(cube.values[region, period, cube.system.leaf_index["start.time"]])


def test_a_cached_cube_is_refreshed_by_a_bulk_update_that_leaves_no_other_trace(setting):
    version, regions = setting
    assert _start_time(score_cube(version=version, regions=regions, periods=PERIODS)) == 3.0
    # update() sets neither updated_at nor a revision, and keeps the count and the ids.
    Observation.objects.filter(region=regions[0], period="2026-02", indicator__code="start.time").update(value=9.0)
    assert _start_time(score_cube(version=version, regions=regions, periods=PERIODS)) == 9.0


def test_a_cached_cube_is_refreshed_after_a_delete_and_a_new_value(setting):
    version, regions = setting
    score_cube(version=version, regions=regions, periods=PERIODS)
    obs = Observation.objects.get(region=regions[0], period="2026-02", indicator__code="start.time")
    obs.delete()
    Observation.objects.create(system_version=version, indicator=obs.indicator, region=regions[0], period="2026-02",
                               value=7.0, source=ObservationSource.REPORT, status=ObservationStatus.APPROVED)
    assert _start_time(score_cube(version=version, regions=regions, periods=PERIODS)) == 7.0


def test_cached_cubes_cost_one_stamp_read_per_request_and_no_scan_of_observations(setting):
    version, regions = setting
    score_cube(version=version, regions=regions, periods=PERIODS)
    with data_version_scope(), CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            score_cube(version=version, regions=regions, periods=PERIODS)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sqls if "observations_observation" in s], sqls
    assert len([s for s in sqls if "core_dataversion" in s]) == 1, sqls
