"""一指标一页面 over the shipped system with a city, two counties and 13 months of approved values."""

import json

import pytest

from bizenv.analysis.models import BenchmarkValue
from bizenv.indicators.selectors import active_version
from bizenv.indicators.services import indicator_systems_load_shipped
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from bizenv.organisations.services import department_upsert
from tests.conftest import make_world

pytestmark = pytest.mark.django_db

MONTHS = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
# 东城区 is fast, 北山县 slow on water connections: 北山县's weak indicator is getting_water.time.
VALUES = {
    "990101": {"getting_water.time": 14.0, "getting_water.steps": 2.0, "getting_water.cost": 500.0},
    "990102": {"getting_water.time": 40.0, "getting_water.steps": 3.0, "getting_water.cost": 600.0},
}


def make_profile_world():
    """make_world() plus the shipped indicator system and approved water-connection values per month."""
    import yaml

    from bizenv.demo.regions import DEPARTMENTS_FILE

    world = make_world()
    for item in yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8")):
        department_upsert(actor=None, code=item["code"], name=item["name"], kind=item.get("kind", "bureau"))
    indicator_systems_load_shipped(actor=None)
    version = active_version()
    indicators = {i.code: i for i in version.indicators.filter(code__startswith="getting_water.")}
    regions = {world.county_a.code: world.county_a, world.county_b.code: world.county_b}
    rows = []
    for code, values in VALUES.items():
        for t, period in enumerate(MONTHS):
            for leaf, value in values.items():
                rows.append(Observation(system_version=version, indicator=indicators[leaf], region=regions[code],
                                        period=period, value=value - 0.2 * t if leaf.endswith(".time") else value,
                                        source=ObservationSource.REPORT, status=ObservationStatus.APPROVED))
    Observation.objects.bulk_create(rows)
    BenchmarkValue.objects.create(indicator_code="getting_water.time", cities="武汉、南昌、拉萨", value=12.0,
                                  unit="工作日", source="《营商环境最佳实践》最佳指标")
    return world


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    return make_profile_world()


def _chart(body: str, chart_id: str) -> dict:
    prefix = f'<script id="{chart_id}" type="application/json">'
    start = body.index(prefix) + len(prefix)
    return json.loads(body[start:body.index("</script>", start)])


def test_a_leaf_page_shows_definition_scoring_trend_distribution_and_best_practice(world):
    response = world.client("office").get("/indicator/getting_water.time/?region=990102")

    assert response.status_code == 200
    body = response.content.decode()
    assert "获得用水耗时" in body and "工作日" in body and "越低越好" in body
    assert "市住房城乡建设局" in body  # lead department
    assert "最佳值（前沿）" in body and "12 工作日" in body and "45 工作日" in body
    assert "武汉、南昌、拉萨" in body and "《营商环境最佳实践》" in body
    assert 'href="/indicator/getting_water/"' in body  # the parent's page
    assert f"/indicators/versions/{active_version().pk}/indicators/getting_water.time/" in body
    trend = _chart(body, "chart-indicator-trend")
    assert trend["xAxis"]["data"][-7] == "2026-10" and len(trend["xAxis"]["data"]) == 24 + 6
    distribution = _chart(body, "chart-indicator-distribution")
    assert distribution["yAxis"]["data"] == ["东城区", "北山县"]  # best first: fewer days
    colours = [d["itemStyle"]["color"] for d in distribution["series"][0]["data"]]
    assert colours[1] != colours[0]  # 北山县, the chosen region, is highlighted
    assert distribution["series"][0]["markLine"]["data"] == [{"xAxis": 12.0}]


def test_the_city_wide_default_is_the_first_county_with_data_for_the_latest_month(world):
    body = world.client("office").get("/indicator/getting_water.time/").content.decode()

    assert "示范市本级没有该指标 2026-10 的数据，默认显示东城区" in body
    assert '<option value="2026-10" selected>' in body


def test_a_level1_page_links_its_topic_and_children_and_distributes_scores(world):
    body = world.client("office").get("/indicator/getting_water/?region=990101").content.decode()

    assert 'href="/topics/getting_water/"' in body
    assert 'href="/indicator/getting_water.time/"' in body and 'href="/indicator/getting_water.cost/"' in body
    distribution = _chart(body, "chart-indicator-distribution")
    assert distribution["xAxis"]["name"] == "分"
    assert "chart-indicator-trend" in body


def test_a_county_user_sees_its_own_county_ranked_among_all_and_gets_404_for_another(world):
    county = world.client("county")

    own = county.get("/indicator/getting_water.time/")
    other = county.get("/indicator/getting_water.time/?region=990102")

    assert own.status_code == 200
    assert _chart(own.content.decode(), "chart-indicator-distribution")["yAxis"]["data"] == ["东城区"]
    assert "1<small> / 2</small>" in own.content.decode()  # ranked among all peers, as published
    assert other.status_code == 404 and "不存在或无权查看" in other.content.decode()


def test_unknown_codes_and_bad_periods_get_chinese_messages(world):
    office = world.client("office")

    missing = office.get("/indicator/no.such.code/")
    bad_period = office.get("/indicator/getting_water.time/?period=2026-13")

    assert missing.status_code == 404 and "没有编码为“no.such.code”的指标" in missing.content.decode()
    assert bad_period.status_code == 200 and "格式不正确" in bad_period.content.decode()


def test_a_user_without_dashboard_rights_is_refused(world):
    assert world.client("nobody").get("/indicator/getting_water.time/").status_code == 403


@pytest.mark.parametrize("path", ["/indicator/getting_water/?region=990101",
                                  "/topics/getting_water/?region=990101&period=2026-10"])
def test_weight_variants_and_sources_are_said_in_chinese(world, path):
    body = world.client("office").get(path).content.decode()
    assert "不具备管道供气条件的地区" in body
    assert "has_pipeline_gas" not in body and "{&#x27;" not in body and "{'" not in body
    assert "seed 00" not in body
