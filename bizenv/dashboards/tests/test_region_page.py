"""区域画像 and its what-if simulator over the shipped system (see test_indicator_page for the data)."""

import pytest

from bizenv.dashboards.tests.test_indicator_page import _chart, make_profile_world
from bizenv.evaluation.services import evaluation_run_create
from bizenv.indicators.selectors import active_version

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    return make_profile_world()


def _whatif(client, region: str, rows: list[tuple[str, str]], **extra):
    data = {"period": "2026-10", "indicator": [i for i, _v in rows], "value": [v for _i, v in rows]}
    return client.post(f"/region/{region}/whatif/", data, **extra)


def test_the_office_sees_a_countys_profile_with_rank_topics_changes_gaps_and_the_simulator(world):
    response = world.client("office").get("/region/990102/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "北山县营商环境画像" in body and '<option value="2026-10" selected>' in body
    trend = _chart(body, "chart-region-trend")
    assert trend["xAxis"]["data"][-1] == "2026-10"
    assert [s["name"] for s in trend["series"]] == ["综合得分", "排名"]
    assert trend["yAxis"][1]["inverse"] is True and trend["series"][1]["data"][-1] == 2  # 东城区 is faster
    topics = _chart(body, "chart-region-topics")
    assert "获得用水" in topics["yAxis"]["data"] and len(topics["series"]) == 2
    assert _chart(body, "chart-region-gaps")["series"][1]["type"] == "bar"
    assert "获得用水耗时" in body and "进步最大" in body and "退步最大" in body
    # The simulator lists the weakest leaf first, prefilled with its current value (40 − 0.2 × 12).
    assert '<option value="getting_water.time" selected>' in body and 'value="37.6"' in body
    assert 'href="/indicator/getting_water.time/?region=990102' in body


def test_a_county_user_is_ranked_among_all_peers_but_gets_404_for_another_county(world):
    county = world.client("county")

    own = county.get("/region/990101/")
    other = county.get("/region/990102/")

    assert own.status_code == 200
    body = own.content.decode()
    assert "1<small> / 2</small>" in body  # ranked among all the city's counties, as published
    # Without evaluation runs the trend is scored among the regions the user may see: no rank line.
    assert [s["name"] for s in _chart(body, "chart-region-trend")["series"]] == ["综合得分"]
    assert other.status_code == 404 and "区域 990102 不存在或无权查看" in other.content.decode()
    assert _whatif(county, "990102", [("getting_water.time", "12")], **HTMX).status_code == 404


def test_with_evaluation_runs_the_trend_shows_the_published_rank(world):
    for period in ("2026-09", "2026-10"):
        evaluation_run_create(actor=world.users["office"], system_version=active_version(), period=period)

    body = world.client("county").get("/region/990101/").content.decode()

    trend = _chart(body, "chart-region-trend")
    assert trend["xAxis"]["data"] == ["2026-09", "2026-10"]
    assert trend["series"][1]["name"] == "排名" and trend["series"][1]["data"] == [1, 1]
    assert trend["yAxis"][1]["max"] == 2


def test_improving_the_weak_indicator_raises_the_composite_and_the_rank(world):
    office = world.client("office")

    response = _whatif(office, "990102", [("getting_water.time", "12"), ("", "")], **HTMX)
    overtaking = _whatif(office, "990102", [("getting_water.time", "12"), ("getting_water.steps", "2"),
                                            ("getting_water.cost", "0")], **HTMX)

    assert response.status_code == 200
    result = response.context["whatif"]
    assert result["composite_after"] > result["composite_before"]
    assert (result["rank_before"], result["rank_after"]) == (2, 2)
    assert overtaking.context["whatif"]["rank_after"] == 1
    body = response.content.decode()
    assert "测算后综合得分" in body and f"{result['composite_after']:.2f}" in body
    assert "<html" not in body  # a partial for htmx
    assert "获得用水耗时" in body and "获得用水" in body  # the leaf and its parent moved


def test_without_htmx_the_simulator_renders_the_whole_page_with_the_result(world):
    response = _whatif(world.client("office"), "990102", [("getting_water.time", "12")])

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and "测算后综合得分" in body and 'value="12"' in body


@pytest.mark.parametrize(("rows", "message"), [
    ([("getting_water.time", "很快")], "“很快”不是有效的数字"),
    ([("getting_water.time", "")], "请填写指标“获得用水耗时”的新数值"),
    ([("no.such.leaf", "3")], "不在指标体系"),
    ([("getting_water", "3")], "不是末级指标"),
    ([("getting_water.time", "12"), ("getting_water.time", "13")], "填写了不止一次"),
    ([("", "")], "请至少选择一个指标"),
    ([("getting_water.time", "nan")], "有限的数字"),
])
def test_bad_input_gets_a_chinese_message_in_the_partial(world, rows, message):
    response = _whatif(world.client("office"), "990102", rows, **HTMX)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["whatif"] is None


def test_the_gap_target_toggle_and_the_row_refresh_return_partials(world):
    office = world.client("office")

    gaps = office.get("/region/990102/?part=gaps&target=best_region", **HTMX)
    row = office.get("/region/990102/?part=whatif_row&period=2026-10&indicator=getting_water.cost", **HTMX)

    assert gaps.status_code == 200 and "与最优地区相比共差" in gaps.content.decode()
    assert "<html" not in gaps.content.decode()
    assert '<option value="getting_water.cost" selected>' in row.content.decode()
    assert 'value="600"' in row.content.decode()


def test_getting_the_whatif_address_goes_back_to_the_profile(world):
    response = world.client("office").get("/region/990102/whatif/")

    assert response.status_code == 302 and response["Location"] == "/region/990102/"


def test_the_city_page_without_its_own_values_leads_to_its_counties(world):
    body = world.client("office").get("/region/990100/").content.decode()

    assert "下辖区域画像" in body and 'href="/region/990102/?period=2026-10"' in body
    assert "示范市本级没有可计分的指标值" in body and "模拟测算" not in body
