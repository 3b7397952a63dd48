import json
import re

import pytest
from django.urls import reverse

from bizenv.core import charts
from bizenv.dashboards.tests.factories import make_warning
from bizenv.datasets.models import StepStatistic
from bizenv.demo.evaluations import demo_evaluations_build
from bizenv.indicators.selectors import active_version
from bizenv.indicators.services import SHIPPED_SYSTEMS_DIR, indicator_system_import
from bizenv.monitoring.models import WarningStatus
from bizenv.observations.models import Observation
from bizenv.organisations.models import Region
from bizenv.organisations.services import department_upsert, map_layer_generate, region_create
from tests.conftest import make_world

pytestmark = pytest.mark.django_db

# How far from the best value each region is (0 best, 1 worst), per month: 北山县 collapses in October and
# 西山县 ends last (the black list of the published 红黑榜); the warnings are the monitoring app's (see warned()).
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


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def warned():
    """北山县: a red and a yellow warning of October; 西山县: an orange one lasting since September; 东城区: one
    last raised in August; 南湖区: one already resolved (销号)."""
    return {
        "north_red": make_warning(region("990102"), severity="red",
                                  explanation="“企业设立登记耗时”2026年10月北山县为12个工作日，高于预警线10个工作日。"),
        "north_yellow": make_warning(region("990102"), severity="yellow", kind="bottom_rank",
                                     indicator_code="paying_taxes", indicator_name="纳税", level1_code="paying_taxes",
                                     explanation="“纳税”2026年10月北山县得分全市排名倒数第1位。"),
        "west": make_warning(region("990104"), severity="orange", kind="lag_best", first_period="2026-09",
                             explanation="“企业设立登记耗时”西山县落后最优地区。"),
        "east": make_warning(region("990101"), severity="yellow", first_period="2026-08", last_period="2026-08",
                             explanation="“企业设立登记耗时”2026年8月东城区异常波动。"),
        "south": make_warning(region("990103"), severity="red", status=WarningStatus.RESOLVED,
                              explanation="南湖区已销号的预警。"),
    }


def warning_list_html(html: str) -> str:
    found = re.search(r'<ul class="warning-list" id="warning-list">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_home_shows_the_ranking_warnings_and_red_black_list_of_the_selected_period(evaluated):
    client = evaluated.client("office")
    made = warned()
    index = reverse("monitoring:index")

    html = client.get("/").content.decode()

    assert "示范市营商环境总览 · 2026年10月" in html  # the latest evaluated period by default
    assert '<option value="10" selected>10月</option>' in html
    ranking = re.search(r'<table class="data" id="ranking-table">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'/region/\d+/">([^<]+)</a>', ranking) == ["东城区", "南湖区", "北山县", "西山县"]
    assert re.search(r'北山县</a> <a href="[^"]+\?region=990102" title="红色预警 2 条[^"]*">'
                     r'<span class="severity-tag severity-red">红色预警</span>', ranking)
    # The active warnings (what 监测预警 lists by default, so the counts agree): 北山县's two, 西山县's and
    # 东城区's, per region, the most severe region first, each with its highest severity, count and explanations.
    stat = re.search(r'id="warning-stat">(.*?)</div></div>', html, re.S).group(1)
    assert ">4</div>" in stat and "红色 1 · 橙色 1 · 黄色 2，涉及 3 个区域" in stat
    assert f'<a href="{index}">全部预警</a>' in stat
    warnings = warning_list_html(html)
    assert re.findall(r"<strong>([^<]+)</strong>", warnings) == ["北山县", "西山县", "东城区"]
    north, west, _east = re.split(r'<li class="warning-', warnings)[1:]
    assert '<span class="severity-tag severity-red">红色</span>' in north and "2 条预警" in north
    assert "“企业设立登记耗时”2026年10月北山县为12个工作日，高于预警线10个工作日。" in north
    assert "纳税 · 排名末位" in north and "“纳税”2026年10月北山县得分全市排名倒数第1位。" in north
    assert f'href="{index}?region=990102"' in north
    assert f'href="{reverse("monitoring:warning", args=[made["north_red"].pk])}"' in north
    assert '<span class="severity-tag severity-orange">橙色</span>' in west and "西山县落后最优地区" in west
    assert "南湖区" not in warnings  # resolved
    assert "2026年10月营商环境红黑榜" in html and "红榜（综合得分）" in html
    # Drill-down: the map and the ranking bars open the region page; entries to every topic and indicator.
    assert 'data-click-url="/region/__KEY__/"' in html
    for topic in ("starting_business", "paying_taxes"):
        assert f'href="/topics/{topic}/"' in html and f'href="/indicator/{topic}/"' in html
    assert 'href="/cockpit/"' in html and "领导驾驶舱（大屏）" in html
    region_map = chart(html, "chart-region-map")
    assert {d["key"] for d in region_map["series"][0]["data"] if "itemStyle" in d} == {"990101", "990102", "990104"}
    markers = {d["key"]: d["name"] for d in region_map["series"][1]["data"]}
    assert markers == {"990102": "⚠ 北山县：红色预警 2 条：企业设立登记耗时、纳税",
                       "990104": "⚠ 西山县：橙色预警 1 条：企业设立登记耗时",
                       "990101": "⚠ 东城区：黄色预警 1 条：企业设立登记耗时"}
    assert [line["name"] for line in chart(html, "chart-trend")["series"]] == ["全市平均", "最高", "最低"]
    ranking_bars = chart(html, "chart-ranking")["series"][0]["data"]
    assert ranking_bars[-1]["key"] == "990101"  # best at the top
    assert {d["key"] for d in ranking_bars if "itemStyle" in d} == {"990101", "990102", "990104"}

    # Another month, by ?period= or by the two selectors (what the form sends).
    september = client.get("/?period=2026-09").content.decode()
    assert "营商环境总览 · 2026年9月" in september and '<option value="09" selected>9月</option>' in september
    assert "营商环境总览 · 2026年9月" in client.get("/?year=2026&month=9").content.decode()
    december = client.get("/?year=2026&month=12").content.decode()  # not evaluated: said so, not silently
    assert "营商环境总览 · 2026年10月" in december
    assert "2026年12月尚未评价，下面显示最近已评价的2026年10月。" in december
    assert "尚未评价" not in html
    assert "数据完整度 100%" in html and "数据不完整" not in html
    # The warnings are today's: the same whichever month the page shows.
    assert re.findall(r"<strong>([^<]+)</strong>", warning_list_html(september)) == ["北山县", "西山县", "东城区"]
    august = client.get("/?period=2026-08").content.decode()
    assert re.findall(r"<strong>([^<]+)</strong>", warning_list_html(august)) == ["北山县", "西山县", "东城区"]
    assert chart(september, "chart-trend")["xAxis"]["data"] == ["2026-08", "2026-09"]

    # The selectors swap the body alone (htmx).
    response = client.get("/?year=2026&month=8", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="home-body">') and "<html" not in body
    assert "营商环境总览 · 2026年8月" in body


def test_home_without_active_warnings_says_so(evaluated):
    make_warning(region("990102"), status=WarningStatus.CLOSED)

    html = evaluated.client("office").get("/").content.decode()

    assert 'id="warning-list"' not in html and "您可查看的区域没有未销号的预警。" in html
    stat = re.search(r'id="warning-stat">(.*?)</div></div>', html, re.S).group(1)
    assert ">0</div>" in stat and "没有未销号的预警" in stat
    assert not [d for d in chart(html, "chart-region-map")["series"][0]["data"] if "itemStyle" in d]


def test_county_user_sees_only_its_own_county_on_the_home_page(evaluated):
    own = make_warning(region("990101"), severity="orange", explanation="“企业设立登记耗时”东城区落后最优地区。")
    make_warning(region("990102"), severity="red", explanation="“企业设立登记耗时”北山县高于预警线。")

    html = evaluated.client("county").get("/").content.decode()

    assert "东城区营商环境总览" in html and "第 1 名" in html and "共 4 个县（市、区）参评" in html
    for other in ("北山县", "南湖区", "西山县", "示范市营商环境"):
        assert other not in html
    assert "chart-region-map" not in html  # no city map for a county account
    assert [line["name"] for line in chart(html, "chart-trend")["series"]] == ["东城区"]
    assert "本区未上黑榜" in html
    warnings = warning_list_html(html)
    assert re.findall(r"<strong>([^<]+)</strong>", warnings) == ["东城区"]
    assert "橙色" in warnings and "“企业设立登记耗时”东城区落后最优地区。" in warnings
    assert f'href="{reverse("monitoring:warning", args=[own.pk])}"' in warnings
    assert "高于预警线" not in html and "红色" not in html


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
