"""The analysis API over a city with four counties and 24 months of approved observations, region-scoped."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from bizenv.analysis.models import BenchmarkValue
from bizenv.analysis.services import benchmarks_load_shipped
from bizenv.analysis.tests.conftest import SYSTEM_YAML, months
from bizenv.core.models import AuditLog
from bizenv.indicators import services as indicator_services
from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.services import SHIPPED_SYSTEMS_DIR
from bizenv.indicators.specs import walk
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from bizenv.organisations.models import Role
from bizenv.organisations.services import region_create, role_grant_add, user_create

PASSWORD = "Ceshi-mima-2026!"
MONTHS = months("2024-01", 24)
COUNTIES = [  # code, name, peer group, population, GDP (亿元), how fast start.time falls per month
    ("990101", "东湖县", "平原", 500_000, 300, 0.10),
    ("990102", "西山县", "山区", 200_000, 100, 0.02),
    ("990103", "南河区", "平原", 900_000, 800, 0.20),
    ("990104", "北岭县", "", 520_000, 310, 0.05),
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db):
    return region_create(actor=None, code="990100", name="示范市", level="city")


@pytest.fixture
def counties(city):
    return {code: region_create(actor=None, code=code, name=name, level="county", parent=city, sort_order=i,
                                peer_group=group, population=population, gdp=gdp)
            for i, (code, name, group, population, gdp, _speed) in enumerate(COUNTIES, start=1)}


@pytest.fixture
def version(db):
    return indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="ana-test.yaml", publish=True).version


@pytest.fixture
def observations(version, counties):
    indicators = {i.code: i for i in version.indicators.all()}
    rows = []
    for r, (code, _name, _group, _pop, _gdp, speed) in enumerate(COUNTIES):
        for t, period in enumerate(MONTHS):
            season = 0.3 if t % 12 in (0, 1) else 0.0  # a slower January and February every year
            values = {"start.time": 6.0 - speed * t + season, "start.cost": 200.0 * r,
                      "power.time": 4.0 + r + (0.5 if t % 2 else 0.0), "service.online": 60.0 + r * 5 + t * 0.5}
            rows.extend(Observation(system_version=version, indicator=indicators[c], region=counties[code],
                                    period=period, value=v, source=ObservationSource.REPORT,
                                    status=ObservationStatus.APPROVED) for c, v in values.items())
    # A draft is never analysed.
    rows.append(Observation(system_version=version, indicator=indicators["start.cost"],
                            region=counties["990101"], period="2026-01", value=0, source=ObservationSource.REPORT,
                            status=ObservationStatus.DRAFT))
    Observation.objects.bulk_create(rows)


def _user(username: str, role: str, region):
    user = user_create(actor=None, username=username, password=PASSWORD, full_name=username)
    role_grant_add(actor=None, user=user, role=role, region=region)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office(city, observations):
    return _user("office", Role.OFFICE, city)


@pytest.fixture
def county(counties, observations):
    return _user("donghu", Role.COUNTY, counties["990101"])


def get(client, path, **params):
    return client.get(f"/api/v1/analysis/{path}", {"system": "ANA-TEST", **params})


def test_changes_yoy_with_strengths_and_weaknesses(office):
    response = get(office, "changes", region="990103", period="2025-12", kind="yoy")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind_label"] == "同比" and body["base_period"] == "2024-12" and body["regions_compared"] == 4
    rows = {r["code"]: r for r in body["rows"]}
    assert rows["start.time"]["value_delta"] == pytest.approx(-0.2 * 12)
    assert rows["start.time"]["score_delta"] == pytest.approx(24.0)  # 2.4 days on a 10-day scale
    assert body["strengths"][0]["code"] == "start.time"
    assert body["chart"]["series"][0]["type"] == "bar"


def test_changes_pop(office):
    body = get(office, "changes", region="990101", period="2025-02", kind="pop").json()
    assert body["base_period"] == "2025-01" and body["kind_label"] == "环比"
    power = next(r for r in body["rows"] if r["code"] == "power.time")
    assert power["value_delta"] == pytest.approx(0.5) and power["score_delta"] == pytest.approx(-5.0)
    assert "power.time" in [r["code"] for r in body["weaknesses"]]


def test_a_county_user_sees_only_its_own_county(county):
    refused = get(county, "changes", region="990102", period="2025-12", kind="yoy")
    assert refused.status_code == 404 and "无权查看" in refused.json()["detail"]
    # Ranked among all four counties, as in a published evaluation; only its own rows come back.
    mine = get(county, "changes", region="990101", period="2025-12", kind="yoy").json()
    assert mine["regions_compared"] == 4
    assert {r["code"] for r in get(county, "compare", region="990101", period="2025-12").json()["rows"]} <= \
        {"TOTAL", "start", "start.time", "start.cost", "power", "power.time", "service", "service.online"}
    hidden = get(county, "query", regions="990101,990102", periods="2025-12")
    assert hidden.status_code == 404 and "990102" in hidden.json()["detail"]


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"region": "990101", "period": "2025-13", "kind": "yoy"}, 400, "格式不正确"),
    ({"region": "990101", "period": "2025-12", "kind": "mom"}, 400, "yoy（同比）"),
    ({"region": "990101", "period": "2024-06", "kind": "yoy"}, 200, ""),  # base year without data: no changes
    ({"region": "999999", "period": "2025-12", "kind": "yoy"}, 404, "不存在或无权查看"),
])
def test_changes_errors_are_chinese(office, params, status, message):
    response = get(office, "changes", **params)
    assert response.status_code == status
    if message:
        assert message in response.json()["detail"]


def test_combined_query_ranks_regions(office):
    body = get(office, "query", regions="990101,990102,990103,990104", periods="2025-11,2025-12",
               indicators="TOTAL,start.time").json()
    assert body["count"] == 16
    totals = [r for r in body["rows"] if r["indicator"] == "TOTAL" and r["period"] == "2025-12"]
    assert sorted(r["rank"] for r in totals) == [1, 2, 3, 4]


def test_combined_query_by_range_and_as_excel(office):
    response = get(office, "query", regions="990101", start="2025-01", end="2025-12", indicators="start.time",
                   format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.max_row == 13 and sheet["B2"].value == "东湖县"


@pytest.mark.parametrize(("params", "message"), [
    ({"regions": "990101", "periods": "2025-12", "indicators": "nope"}, "不在指标体系"),
    ({"regions": "990101", "periods": "2025-12,2025-Q4"}, "时期类型必须相同"),
    ({"regions": "", "periods": "2025-12"}, "至少指定一个区域"),
    ({"regions": "990101", "start": "2025-01"}, "start 与 end"),
    ({"regions": "990101", "periods": "2025-12", "format": "csv"}, "json 或 xlsx"),
])
def test_query_errors(office, params, message):
    response = get(office, "query", **params)
    assert response.status_code == 400 and message in response.json()["detail"]


def test_compare_with_best_region_benchmark_and_frontier(office):
    BenchmarkValue.objects.create(indicator_code="start.time", cities="银川、杭州、深圳、西安", value=0.5,
                                  unit="工作日", source="seed 002")
    body = get(office, "compare", region="990102", period="2025-12").json()
    assert body["regions_compared"] == ["990101", "990102", "990103", "990104"]
    row = next(r for r in body["rows"] if r["code"] == "start.time")
    assert row["best_region"] == "990103" and row["gap_to_best_region"] > 0
    assert row["benchmark"]["cities"].startswith("银川") and row["benchmark_score"] == pytest.approx(100)
    assert row["reaches_benchmark"] is False and row["gap_to_frontier"] == pytest.approx(100 - row["score"])
    assert body["chart"]["series"][0]["type"] == "radar"


def test_gaps_add_up_and_rank(office):
    body = get(office, "gaps", region="990102", period="2025-12").json()
    assert body["total_gap"] == pytest.approx(100 - body["composite"])
    gaps = [r["frontier_gap"] for r in body["rows"]]
    assert gaps == sorted(gaps, reverse=True)
    best = get(office, "gaps", region="990102", period="2025-12", target="best_region", level=1).json()
    assert [r["level"] for r in best["rows"]] == [1, 1, 1]


def test_whatif_moves_the_rank(office):
    before = get(office, "query", regions="990101,990102,990103,990104", periods="2025-12",
                 indicators="TOTAL").json()
    rank = {r["region"]: r["rank"] for r in before["rows"]}["990102"]
    response = office.post("/api/v1/analysis/whatif", data=json.dumps({
        "system": "ANA-TEST", "region": "990102", "period": "2025-12",
        "changes": [{"indicator": "start.time", "value": 0.5}, {"indicator": "power.time", "value": 2},
                    {"indicator": "service.online", "value": 100}, {"indicator": "start.cost", "value": 0}],
    }), content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rank_before"] == rank and body["rank_after"] == 1
    assert body["composite_after"] == pytest.approx(100) and body["regions_ranked"] == 4
    bad = office.post("/api/v1/analysis/whatif", data=json.dumps({
        "system": "ANA-TEST", "region": "990102", "period": "2025-12", "changes": [{"indicator": "start"}]}),
        content_type="application/json")
    assert bad.status_code == 400 and "末级指标" in bad.json()["detail"]


@pytest.mark.parametrize(("params", "method", "measure"), [
    ({"indicator": "TOTAL"}, "ets", "score"),
    ({"indicator": "start.time"}, "ets", "value"),
    ({"indicator": "start.time", "history": 6}, "drift", "value"),
    ({"indicator": "start.cost", "measure": "score"}, "constant", "score"),
])
def test_forecast(office, params, method, measure):
    response = get(office, "forecast", region="990101", period="2025-12", horizon=3, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["method"], body["measure"]) == (method, measure)
    assert body["periods"] == ["2026-01", "2026-02", "2026-03"]
    assert all(lo <= m <= hi for lo, m, hi in zip(body["lower"], body["mean"], body["upper"], strict=True))
    assert len(body["chart"]["xAxis"]["data"]) == len(body["history"]) + 3


def test_forecast_of_a_parent_value_is_refused(office):
    response = get(office, "forecast", region="990101", period="2025-12", indicator="start", measure="value")
    assert response.status_code == 400 and "不是末级指标" in response.json()["detail"]


def test_peers(office, county):
    assert [p["code"] for p in get(office, "peers", region="990101").json()["peers"]] == ["990103"]
    nearest = get(office, "peers", region="990104", k=2).json()
    assert nearest["method"] == "nearest" and nearest["peers"][0]["code"] == "990101"
    assert get(county, "peers", region="990101").json()["peers"] == []


def test_anonymous_users_get_401(client, observations):
    assert client.get("/api/v1/analysis/changes?region=990101&period=2025-12").status_code == 401


def test_shipped_benchmarks_load_once_and_map_to_the_default_system(db):
    first = benchmarks_load_shipped(actor=None)
    assert first["created"] == BenchmarkValue.objects.count() == 36
    logged = AuditLog.objects.count()
    assert benchmarks_load_shipped(actor=None) == {"created": 0, "updated": 0, "unchanged": 36}
    assert AuditLog.objects.count() == logged
    start = BenchmarkValue.objects.get(indicator_code="starting_business.time.establishment")
    assert (start.value, start.unit, start.cities) == (0.5, "工作日", "银川、杭州、深圳、西安")
    default = parse_yaml((SHIPPED_SYSTEMS_DIR / "default.yaml").read_bytes()).spec
    leaves = {node.code: node for node, _parent, _level in walk(default.indicators) if node.is_leaf}
    for b in BenchmarkValue.objects.all():
        assert b.indicator_code in leaves and b.unit == leaves[b.indicator_code].unit


def test_a_changed_value_is_seen_at_once_despite_the_cube_cache(office, county):
    before = get(office, "compare", region="990101", period="2025-12").json()
    again = get(office, "compare", region="990101", period="2025-12").json()
    assert again["rows"] == before["rows"]
    from bizenv.observations.services import observation_upsert
    from bizenv.organisations.models import Region

    version = Observation.objects.first().system_version
    indicator = version.indicators.get(code="start.time")
    observation_upsert(actor=None, system_version=version, indicator=indicator,
                       region=Region.objects.get(code="990101"), period="2025-12", value=0.5, source="report")
    Observation.objects.filter(indicator=indicator, region__code="990101", period="2025-12").update(
        status=ObservationStatus.APPROVED)
    after = {r["code"]: r for r in get(office, "compare", region="990101", period="2025-12").json()["rows"]}
    assert after["start.time"]["score"] == pytest.approx(100.0)
