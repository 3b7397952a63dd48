import json
import re

import pytest

from bizenv.core import charts
from bizenv.datasets.models import StepStatistic
from bizenv.demo.evaluations import demo_evaluations_build
from bizenv.indicators.selectors import active_version
from bizenv.indicators.services import SHIPPED_SYSTEMS_DIR, indicator_system_import
from bizenv.observations.models import Observation
from bizenv.organisations.services import department_upsert, map_layer_generate, region_create
from tests.conftest import make_world

pytestmark = pytest.mark.django_db

# How far from the best value each region is (0 best, 1 worst), per month: 北山县 collapses in October and
# 西山县 ends last (the black list of the published 红黑榜).
SHARES = {
    "2026-08": {"990101": 0.1, "990102": 0.3, "990103": 0.5, "990104": 0.7},
    "2026-09": {"990101": 0.1, "990102": 0.3, "990103": 0.5, "990104": 0.7},
    "2026-10": {"990101": 0.1, "990102": 0.6, "990103": 0.5, "990104": 0.9},
}


def load_systems():
    import yaml

    from bizenv.demo.regions import DEPARTMENTS_FILE

    for item in yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8")):
        department_upsert(actor=None, code=item["code"], name=item["name"], kind=item.get("kind", "bureau"))
    # Only the active system (BIZENV-CN): the pages read nothing else.
    indicator_system_import(actor=None, content=(SHIPPED_SYSTEMS_DIR / "default.yaml").read_bytes(),
                            filename="default.yaml", publish=True)


def evaluated_world():
    """Four counties of 示范市 scored for three months with the shipped system, and a published 红黑榜."""
    world = make_world()
    region_create(actor=None, code="990103", name="南湖区", level="district", parent=world.city)
    region_create(actor=None, code="990104", name="西山县", level="county", parent=world.city)
    map_layer_generate(actor=None, region=world.city)
    load_systems()
    version = active_version()
    leaves = [i for i in version.indicators.prefetch_related("children") if not i.children.all()]
    from bizenv.organisations.models import Region

    regions = {r.code: r for r in Region.objects.filter(code__in=SHARES["2026-08"])}
    Observation.objects.bulk_create([
        Observation(system_version=version, indicator=leaf, region=regions[code], period=period,
                    value=round(leaf.best + (leaf.worst - leaf.best) * share, 4), source="report",
                    status="approved", unit=leaf.unit)
        for period, shares in SHARES.items() for code, share in shares.items() for leaf in leaves
    ])
    demo_evaluations_build(progress=lambda _m: None)
    for region, mean in ((world.county_a, 0.6), (world.county_b, 2.4)):
        StepStatistic.objects.create(process="business_registrations", region=region, period="2026-10",
                                     step_no=1, step_name="设立登记", cases=100, mean_days=mean, p90_days=mean * 2,
                                     share_over_limit=0.1)
    return world


def chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart {element_id}"
    return json.loads(found.group(1))


@pytest.fixture
def evaluated(db):
    return evaluated_world()


def test_home_shows_the_ranking_warnings_and_red_black_list_of_the_selected_period(evaluated):
    client = evaluated.client("office")

    html = client.get("/").content.decode()

    assert "示范市营商环境总览 · 2026年10月" in html  # the latest evaluated period by default
    assert '<option value="10" selected>10月</option>' in html
    ranking = re.search(r'<table class="data" id="ranking-table">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'/region/\d+/">([^<]+)</a>', ranking) == ["东城区", "南湖区", "北山县", "西山县"]
    warnings = re.search(r'<ul class="warning-list" id="warning-list">(.*?)</ul>', html, re.S).group(1)
    assert "北山县" in warnings and "较2026年9月下降" in warnings
    assert "西山县" in warnings and "综合得分黑榜第 1 名" in warnings
    assert "东城区" not in warnings
    assert "2026年10月营商环境红黑榜" in html and "红榜（综合得分）" in html
    # Drill-down: the map and the ranking bars open the region page; entries to every topic and indicator.
    assert 'data-click-url="/region/__KEY__/"' in html
    for topic in ("starting_business", "paying_taxes"):
        assert f'href="/topics/{topic}/"' in html and f'href="/indicator/{topic}/"' in html
    assert 'href="/cockpit/"' in html and "领导驾驶舱（大屏）" in html
    region_map = chart(html, "chart-region-map")
    assert {d["key"] for d in region_map["series"][0]["data"] if "itemStyle" in d} == {"990102", "990104"}
    assert {d["key"] for d in region_map["series"][1]["data"]} == {"990102", "990104"}  # markers
    assert [line["name"] for line in chart(html, "chart-trend")["series"]] == ["全市平均", "最高", "最低"]
    assert chart(html, "chart-ranking")["series"][0]["data"][-1]["key"] == "990101"  # best at the top

    # Another month, by ?period= or by the two selectors (what the form sends).
    september = client.get("/?period=2026-09").content.decode()
    assert "营商环境总览 · 2026年9月" in september and '<option value="09" selected>9月</option>' in september
    assert "营商环境总览 · 2026年9月" in client.get("/?year=2026&month=9").content.decode()
    december = client.get("/?year=2026&month=12").content.decode()  # not evaluated: said so, not silently
    assert "营商环境总览 · 2026年10月" in december
    assert "2026年12月尚未评价，下面显示最近已评价的2026年10月。" in december
    assert "尚未评价" not in html
    assert "数据完整度 100%" in html and "数据不完整" not in html
    # In September nobody fell, but the published black list still marks 西山县.
    warnings = re.search(r'id="warning-list">(.*?)</ul>', september, re.S).group(1)
    assert "西山县" in warnings and "北山县" not in warnings
    assert chart(september, "chart-trend")["xAxis"]["data"] == ["2026-08", "2026-09"]

    # The selectors swap the body alone (htmx).
    response = client.get("/?year=2026&month=8", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="home-body">') and "<html" not in body
    assert "营商环境总览 · 2026年8月" in body


def test_county_user_sees_only_its_own_county_on_the_home_page(evaluated):
    html = evaluated.client("county").get("/").content.decode()

    assert "东城区营商环境总览" in html and "第 1 名" in html and "共 4 个县（市、区）参评" in html
    for other in ("北山县", "南湖区", "西山县", "示范市营商环境"):
        assert other not in html
    assert "chart-region-map" not in html  # no city map for a county account
    assert [line["name"] for line in chart(html, "chart-trend")["series"]] == ["东城区"]
    assert "本区未上黑榜" in html


def test_home_before_any_evaluation_shows_population_and_asks_to_wait(db):
    world = make_world()
    load_systems()

    html = world.client("office").get("/").content.decode()

    assert "待评价" in html and "chart-trend" not in html and 'id="home-year"' not in html


def test_home_sends_administrators_to_system_management_and_refuses_the_rest(db):
    world = make_world()
    for admin in ("sysadmin", "secadmin", "auditor"):
        response = world.client(admin).get("/")
        assert response.status_code == 302 and response["Location"] == "/manage/", admin
    assert world.client("nobody").get("/").status_code == 403


# ---------------------------------------------------------------------------------------- chart builders


def test_region_map_marks_warned_regions_with_a_border_and_a_marker():
    values = [{"name": "东城区", "key": "a", "value": 90.0}, {"name": "北山县", "key": "b", "value": 60.0}]
    option = charts.region_map(map_name="m", values=values, value_label="综合得分", unit="分",
                               warnings=[{"name": "北山县", "key": "b", "reason": "黑榜", "coord": [113.0, 28.0]}])

    plain, warned = option["series"][0]["data"]
    assert "itemStyle" not in plain and warned["itemStyle"]["borderColor"] == charts.WARNING_COLOR
    assert option["geo"]["map"] == "m" and option["geo"]["silent"] is True
    marker = option["series"][1]
    assert marker["type"] == "effectScatter" and marker["coordinateSystem"] == "geo"
    assert marker["data"] == [{"name": "⚠ 北山县：黑榜", "key": "b", "value": [113.0, 28.0]}]
    assert option["visualMap"]["seriesIndex"] == 0
    assert option["series"][0]["labelLayout"] == {"hideOverlap": True}  # crowded city-centre names


def test_region_map_without_warnings_is_unchanged():
    option = charts.region_map(map_name="m", values=[{"name": "东城区", "key": "a", "value": 1.0}], value_label="x")

    assert len(option["series"]) == 1 and "geo" not in option
    assert option["series"][0]["data"] == [{"name": "东城区", "key": "a", "value": 1.0}]


def test_horizontal_bar_keys_and_marks_are_optional():
    old = charts.horizontal_bar([("东城区", 90.0), ("北山县", 60.0)], value_label="综合得分")
    keyed = charts.horizontal_bar([("东城区", 90.0, "a"), ("北山县", 60.0, "b")], value_label="综合得分", marked={"b"})

    assert old["series"][0]["data"] == [60.0, 90.0] and old["yAxis"]["data"] == ["北山县", "东城区"]
    assert keyed["series"][0]["data"] == [{"value": 60.0, "key": "b", "itemStyle": {"color": charts.WARNING_COLOR}},
                                          {"value": 90.0, "key": "a"}]


def test_trend_line_shows_gaps_for_missing_periods():
    option = charts.trend_line(["2026-01", "2026-02"], [("东城区", (80.0, None))])

    assert option["series"][0]["data"] == [80.0, "-"] and option["legend"]["data"] == ["东城区"]
    assert option["yAxis"]["max"] == 100 and option["yAxis"]["min"] == 70


def test_topic_list_links_each_topic_and_its_indicator_page(db):
    world = make_world()
    load_systems()

    html = world.client("leader").get("/topics/").content.decode()

    assert 'href="/topics/starting_business/"' in html and 'href="/indicator/starting_business/"' in html


def test_a_composite_on_partial_data_says_so_on_the_home_page_and_the_cockpit(evaluated):
    from bizenv.evaluation.models import EvaluationResult, EvaluationRun

    run = EvaluationRun.objects.filter(period="2026-10").latest("id")
    EvaluationResult.objects.filter(run=run, indicator_code="TOTAL").update(completeness=0.5)

    html = evaluated.client("office").get("/").content.decode()
    assert "2026年10月综合得分数据不完整：各县区平均只有 50% 权重的指标有数据" in html
    county = evaluated.client("county").get("/").content.decode()
    assert "东城区只有 50% 权重的指标有数据" in county
    cockpit = evaluated.client("office").get("/cockpit/").content.decode()
    assert "低于 80%，得分仅供参考" in cockpit
