"""对比分析 and 自查自评 pages over a city with three counties and 24 months of approved observations."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from bizenv.analysis.tests.conftest import SYSTEM_YAML, months
from bizenv.indicators import services as indicator_services
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from bizenv.organisations.models import Role
from bizenv.organisations.services import region_create, role_grant_add, user_create

pytestmark = pytest.mark.django_db

MONTHS = months("2024-01", 24)
COUNTIES = [("990101", "东湖县", 0.10), ("990102", "西山县", 0.02), ("990103", "南河区", 0.20)]
SYSTEM = {"system": "ANA-TEST"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city():
    city = region_create(actor=None, code="990100", name="示范市", level="city")
    version = indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="ana-test.yaml", publish=True).version
    indicators = {i.code: i for i in version.indicators.all()}
    rows = []
    for r, (code, name, speed) in enumerate(COUNTIES, start=1):
        county = region_create(actor=None, code=code, name=name, level="county", parent=city, sort_order=r)
        for t, period in enumerate(MONTHS):
            values = {"start.time": 6.0 - speed * t, "start.cost": 200.0 * r, "power.time": 4.0 + r + (t % 2) * 0.5,
                      "service.online": 60.0 + r * 5 + t * 0.5}
            rows.extend(Observation(system_version=version, indicator=indicators[c], region=county, period=period,
                                    value=v, source=ObservationSource.REPORT, status=ObservationStatus.APPROVED)
                        for c, v in values.items())
    Observation.objects.bulk_create(rows)
    return city


def _client(username: str, role: str, region) -> Client:
    user = user_create(actor=None, username=username, password="Ceshi-mima-2026!", full_name=username)
    role_grant_add(actor=None, user=user, role=role, region=region)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office(city):
    return _client("office", Role.OFFICE, city)


@pytest.fixture
def county(city):
    from bizenv.organisations.models import Region

    return _client("donghu", Role.COUNTY, Region.objects.get(code="990101"))


def _chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart {element_id}"
    return json.loads(found.group(1))


def _page(client, path, **params):
    response = client.get(path, {**SYSTEM, **params})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


# ---------------------------------------------------------------------------------------------- 对比分析


def test_compare_defaults_to_the_last_12_months_of_every_county_with_one_line_per_region(office):
    html = _page(office, "/compare/")

    chart = _chart(html, "chart-compare")
    assert [s["name"] for s in chart["series"]] == ["东湖县", "西山县", "南河区"]
    assert chart["xAxis"]["data"] == MONTHS[-12:]
    assert all(s["type"] == "line" and s["data"][-1] is not None for s in chart["series"])
    assert "开办企业 得分" in html and "与先进比" in html
    assert 'value="990100"' in html  # the city may be chosen, but is not compared by default


def test_compare_one_period_shows_grouped_bars_across_indicators(office):
    html = _page(office, "/compare/", start="2025-12", end="2025-12", regions=["990101", "990103"])

    chart = _chart(html, "chart-compare")
    assert chart["series"][0]["type"] == "bar"
    assert chart["xAxis"]["data"] == ["开办企业", "获得电力", "政务服务"]
    assert [s["name"] for s in chart["series"]] == ["东湖县", "南河区"]


def test_compare_rank_of_a_leaf_value_over_a_year(office):
    html = _page(office, "/compare/", span="year", year="2025", indicators="start.time", measure="rank")

    chart = _chart(html, "chart-compare")
    assert chart["yAxis"]["inverse"] is True
    by_region = {s["name"]: s["data"] for s in chart["series"]}
    assert by_region["南河区"][-1] == 1 and by_region["西山县"][-1] == 3  # the fastest start ranks first
    assert len(chart["xAxis"]["data"]) == 12


def test_compare_htmx_answers_the_results_alone_and_pushes_the_plain_address(office):
    response = office.get("/compare/", {**SYSTEM, "regions": "990101", "part": "main"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="compare-main">') and "<html" not in html
    assert "part=" not in response["HX-Push-Url"] and "regions=990101" in response["HX-Push-Url"]


def test_compare_best_region_and_best_practice_block(office):
    html = _page(office, "/compare/", adv_region="990102", adv_period="2025-12")

    radar = _chart(html, "chart-advanced")
    assert [s["name"] for s in radar["series"][0]["data"]][:2] == ["西山县", "最优地区"]
    assert "西山县 2025-12 综合得分" in html and "南河区" in html  # the best region on 开办企业


def test_county_sees_only_its_county_and_gets_a_chinese_error_for_another(county):
    html = _page(county, "/compare/")
    assert "东湖县" in html and "西山县" not in html

    refused = _page(county, "/compare/", regions=["990101", "990102"])
    assert "区域 990102 不存在或无权查看" in refused
    assert "chart-compare" not in refused and "西山县" not in refused

    export = county.get("/compare/export.xlsx", {**SYSTEM, "regions": "990102"})
    assert export.status_code == 403
    assert "990102 不在您的授权范围内" in export.content.decode() and "西山县" not in export.content.decode()
    assert county.get("/compare/export.xlsx", {**SYSTEM, "regions": "990101"}).status_code == 200


def test_compare_export_bad_filters_still_answer_400_in_chinese(office):
    response = office.get("/compare/export.xlsx", {**SYSTEM, "start": "2025-06", "end": "2025-01"})
    assert response.status_code == 400 and "开始月份不能晚于结束月份" in response.content.decode()


def test_compare_bad_filters_are_explained_in_chinese(office):
    html = _page(office, "/compare/", start="2025-06", end="2025-01")
    assert "开始月份不能晚于结束月份" in html
    html = _page(office, "/compare/", measure="average")
    assert "对比口径“average”无效" in html


def test_export_has_one_row_per_region_period_and_indicator(office):
    response = office.get("/compare/export.xlsx", {**SYSTEM, "regions": ["990101", "990103"], "start": "2025-01",
                                                   "end": "2025-03", "indicators": ["start.time", "TOTAL"]})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("区域代码", "区域", "时期", "指标编码", "指标")
    assert len(rows) == 1 + 2 * 3 * 2
    nanhe = next(r for r in rows if r[0] == "990103" and r[2] == "2025-03" and r[3] == "start.time")
    assert nanhe[6] == pytest.approx(6.0 - 0.2 * 14) and nanhe[9] == 1  # value, rank


# ---------------------------------------------------------------------------------------------- 自查自评


def test_self_assessment_for_the_office_defaults_to_the_first_county_and_the_latest_month(office):
    html = _page(office, "/self-assessment/")

    assert "自查自评 · 东湖县 2025年12月" in html
    assert "基期 2024-12" in html and "优势：拉动综合得分最多" in html
    bars = _chart(html, "chart-self-change")
    assert bars["xAxis"]["data"] == ["开办企业", "获得电力", "政务服务"]
    assert bars["series"][0]["data"][0]["value"] > 0  # start.time fell by 1.2 days in a year
    assert "开办时间" in html  # the faster start is a strength


def test_self_assessment_pop_and_drill_into_sub_indicators(office):
    html = _page(office, "/self-assessment/", region="990103", year="2025", month="6", kind="pop", node="start")

    assert "开办企业 · 下级指标环比对比" in html and "基期 2025-05" in html
    assert _chart(html, "chart-self-change")["xAxis"]["data"] == ["开办时间", "开办成本"]

    drill = office.get("/self-assessment/", {**SYSTEM, "region": "990103", "node": "power", "part": "drill"},
                       HTTP_HX_REQUEST="true")
    body = drill.content.decode()
    assert body.lstrip().startswith('<div id="self-drill"') and "办电时间" in body
    assert "part=" not in drill["HX-Push-Url"]


def test_self_assessment_forecast_is_loaded_as_a_partial(office):
    lazy = _page(office, "/self-assessment/")
    assert "part=forecast" in lazy and "chart-forecast" not in lazy

    partial = office.get("/self-assessment/", {**SYSTEM, "part": "forecast"}, HTTP_HX_REQUEST="true")
    forecast = _chart(partial.content.decode(), "chart-forecast")
    assert forecast["title"]["text"].startswith("东湖县 综合得分 趋势与预测")
    assert forecast["xAxis"]["data"][-1] == "2026-06"
    assert any(v is not None for v in forecast["series"][0]["data"])


def test_county_self_assessment_is_its_own_county_and_refuses_others(county):
    html = _page(county, "/self-assessment/")
    assert "自查自评 · 东湖县" in html and "在 3 个同级区域中" in html  # ranked among all three counties

    refused = _page(county, "/self-assessment/", region="990102")
    assert "区域 990102 不存在或无权查看" in refused and "chart-self-change" not in refused


@pytest.mark.parametrize(("params", "message"), [
    ({"kind": "mom"}, "yoy（同比）"),
    ({"month": "13"}, "不是有效的月份"),
    ({"node": "nothing"}, "指标编码“nothing”不在指标体系中"),
])
def test_self_assessment_bad_filters_are_explained_in_chinese(office, params, message):
    assert message in _page(office, "/self-assessment/", **params)


def test_pages_need_the_dashboard_permission(city):
    auditor = _client("auditor1", Role.AUDITOR, None)
    for path in ("/compare/", "/compare/export.xlsx", "/self-assessment/"):
        response = auditor.get(path)
        assert response.status_code == 403 and "查看分析页面" in response.content.decode()


def test_compare_with_nothing_ticked_asks_for_a_region_instead_of_showing_everything(office):
    html = _page(office, "/compare/", f="1", indicators="start")
    assert "请至少选择一个区域" in html and "chart-compare" not in html


@pytest.fixture
def empty_office():
    """A fresh install: a city and a county, no evaluation and no observations."""
    city = region_create(actor=None, code="990100", name="示范市", level="city")
    region_create(actor=None, code="990101", name="东湖县", level="county", parent=city)
    return _client("office", Role.OFFICE, city)


def _publish_without_observations():
    indicator_services.indicator_system_import(actor=None, content=SYSTEM_YAML.encode("utf-8"),
                                               filename="ana-test.yaml", publish=True)


@pytest.mark.parametrize("published", [False, True], ids=["no-version", "version-without-observations"])
def test_compare_shows_the_empty_state_when_nothing_can_be_evaluated(empty_office, published):
    if published:
        _publish_without_observations()
    empty_office.raise_request_exception = False
    response = empty_office.get("/compare/", SYSTEM if published else {})
    html = response.content.decode()
    assert response.status_code == 200 and "营商对比分析" in html
    assert "暂无可对比的数据" in html or "没有已发布的版本" in html
    assert "chart-compare" not in html


@pytest.mark.parametrize("published", [False, True], ids=["no-version", "version-without-observations"])
def test_compare_export_with_nothing_to_export_answers_404_with_the_empty_state(empty_office, published):
    if published:
        _publish_without_observations()
    empty_office.raise_request_exception = False
    response = empty_office.get("/compare/export.xlsx", SYSTEM if published else {})
    html = response.content.decode()
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "暂无可对比的数据" in html or "没有已发布的版本" in html
