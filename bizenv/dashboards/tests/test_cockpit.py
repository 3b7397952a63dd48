import re

import pytest
from django.urls import reverse

from bizenv.core import charts
from bizenv.dashboards.tests.test_home import chart, evaluated_world, warned
from tests.conftest import make_world

pytestmark = pytest.mark.django_db


def test_cockpit_shows_the_whole_city_to_leaders_and_the_office_and_one_county_to_its_user(db):
    world = evaluated_world()

    for username in ("leader", "office"):
        response = world.client(username).get("/cockpit/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "示范市营商环境监测驾驶舱" in html and "2026年10月" in html
        assert 'class="mainnav"' not in html and "css/cockpit.css" in html  # its own dark page, no navigation
        assert 'id="ck-fullscreen"' in html and 'id="ck-clock"' in html and "js/cockpit.js" in html
        assert 'hx-trigger="every 300s"' in html  # refreshed every five minutes
        kpis = re.findall(r'<div class="ck-kpi-label">([^<]+)</div>\s*<div class="ck-kpi-value">', html)
        assert kpis == ["全市综合得分", "参评县（市、区）", "红榜", "黑榜", "预警", "数据完整度"]
        assert "开办企业瓶颈环节" in html and "设立登记" in html and "最慢 北山县" in html
        for element_id in ("ck-chart-map", "ck-chart-ranking", "ck-chart-trend", "ck-chart-indicators",
                           "ck-chart-bottleneck"):
            assert chart(html, element_id)["backgroundColor"] == charts.DARK_BACKGROUND
        indicators = chart(html, "ck-chart-indicators")
        assert len(indicators["xAxis"]["data"]) == 18  # the optional 跨境贸易 does not count
        assert len(chart(html, "ck-chart-map")["series"]) == 1  # no active warning, no marker
        assert '<li class="ck-none">无未销号的预警</li>' in html

    county = world.client("county").get("/cockpit/").content.decode()
    assert "东城区营商环境监测驾驶舱" in county
    for other in ("北山县", "南湖区", "西山县"):
        assert other not in county

    partial = world.client("leader").get("/cockpit/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<main id="cockpit-body"') and "<html" not in partial


def test_cockpit_counts_the_active_warnings_by_severity_and_lists_the_warned_regions(db):
    world = evaluated_world()
    made = warned()

    html = world.client("leader").get("/cockpit/").content.decode()

    kpi = re.search(r'<div class="ck-kpi-label">预警</div>(.*?)</div></div>', html, re.S).group(1)
    assert '<div class="ck-kpi-value">4</div>' in kpi and "红色 1 · 橙色 1 · 黄色 2" in kpi
    listed = re.search(r'<ul class="ck-warnings" id="ck-warnings">(.*?)</ul>', html, re.S).group(1)
    regions = re.findall(r'<a href="[^"]+\?region=\d+">([^<]+)</a><small>(\d+) 条</small>', listed)
    assert regions == [("北山县", "2"), ("西山县", "1"), ("东城区", "1")]  # the most severe first
    north, west, _east = listed.split('<li class="ck-sev-')[1:]
    assert north.startswith("red") and '<span class="severity-tag severity-red">红色</span>' in north
    assert "企业设立登记耗时 · 超出预警线" in north and "纳税 · 排名末位" in north
    assert f'href="{reverse("monitoring:warning", args=[made["north_red"].pk])}"' in north
    assert west.startswith("orange") and "企业设立登记耗时 · 落后最优地区" in west
    assert {d["key"] for d in chart(html, "ck-chart-map")["series"][1]["data"]} == {"990101", "990102", "990104"}

    county = world.client("county").get("/cockpit/").content.decode()  # 东城区: its own warning only
    kpi = re.search(r'<div class="ck-kpi-label">预警</div>(.*?)</div></div>', county, re.S).group(1)
    assert '<div class="ck-kpi-value">1</div>' in kpi and "黄色 1" in kpi
    august = world.client("county").get("/cockpit/", {"period": "2026-08"}).content.decode()
    assert "东城区</a><small>1 条</small>" in august and "北山县" not in august


def test_cockpit_before_any_evaluation_still_renders(db):
    world = make_world()

    html = world.client("leader").get("/cockpit/").content.decode()

    assert "尚无评价结果" in html and "暂无开办企业环节数据" in html


@pytest.mark.parametrize("username", ["auditor", "nobody", "sysadmin"])
def test_cockpit_needs_the_dashboard_permission(db, username):
    assert make_world().client(username).get("/cockpit/").status_code == 403


# ---------------------------------------------------------------------------------------- chart builders


def test_dark_recolours_a_copy_and_leaves_the_original_alone():
    light = charts.horizontal_bar([("东城区", 90.0), ("北山县", 60.0)], value_label="综合得分", unit="分")

    dark = charts.dark(light)

    assert dark["backgroundColor"] == charts.DARK_BACKGROUND and dark["textStyle"]["color"] == charts.DARK_TEXT
    assert dark["yAxis"]["axisLabel"]["color"] == charts.DARK_TEXT
    assert dark["xAxis"]["splitLine"]["lineStyle"]["color"] != "#ffffff"
    assert dark["series"][0]["label"]["color"] == charts.DARK_TEXT
    assert "backgroundColor" not in light and "color" not in light["yAxis"].get("axisLabel", {})


def test_dark_map_keeps_warning_borders_readable():
    option = charts.region_map(map_name="m", values=[{"name": "东城区", "key": "a", "value": 1.0}], value_label="x",
                               warnings=[{"name": "东城区", "key": "a", "reason": "黑榜"}])

    dark = charts.dark(option)

    item = dark["series"][0]["data"][0]
    assert item["itemStyle"]["borderColor"] == "#ff3b3b" and item["label"]["color"] == "#ffd54f"
    assert dark["visualMap"]["inRange"]["color"] != option["visualMap"]["inRange"]["color"]


def test_category_bars_keep_their_order_and_say_when_a_value_is_missing():
    option = charts.category_bars([("开办企业", 80.0), ("知识产权创造、保护和运用", None)], value_label="平均得分",
                                  highlight={"开办企业"}, label_width=5, vertical=True)

    assert option["xAxis"]["data"] == ["开办企业", "知识产权…"]
    first, missing = option["series"][0]["data"]
    assert first["itemStyle"]["color"] == charts.WARNING_COLOR
    assert missing["value"] == "-" and missing["label"]["formatter"] == "无数据"
    assert missing["name"] == "知识产权创造、保护和运用"  # whole in the tooltip
    horizontal = charts.category_bars([("甲", 1.0), ("乙", 2.0)], value_label="x")
    assert horizontal["yAxis"]["data"] == ["乙", "甲"]  # the first at the top


def test_cockpit_black_list_caption_follows_the_release_rule(db):
    from bizenv.evaluation import services
    from bizenv.evaluation.models import EvaluationRun

    world = evaluated_world()
    assert "综合得分后 1 名" in world.client("leader").get("/cockpit/").content.decode()
    run = EvaluationRun.objects.filter(period="2026-10").latest("id")
    draft = services.red_black_list_create(actor=None, run=run, rules={
        "mode": "threshold", "red_min": 95, "black_below": 62.5, "scopes": "total"})
    services.red_black_list_publish(actor=None, release=services.red_black_list_review(actor=None, release=draft))

    html = world.client("leader").get("/cockpit/").content.decode()
    assert "综合得分低于 62.5 分" in html and "综合得分后" not in html


def test_cockpit_follows_the_month_asked_for_and_says_when_it_was_never_evaluated(db):
    world = evaluated_world()
    leader = world.client("leader")

    september = leader.get("/cockpit/", {"period": "2026-09"}).content.decode()
    assert "评价时期：<strong>2026年9月</strong>" in september
    assert 'hx-get="/cockpit/?period=2026-09"' in september  # the refresh keeps the month
    december = leader.get("/cockpit/", {"year": "2026", "month": "12"}).content.decode()
    assert "评价时期：<strong>2026年10月</strong>" in december and "（2026年12月尚未评价）" in december
    home = leader.get("/", {"period": "2026-09"}).content.decode()
    assert 'href="/cockpit/?period=2026-09"' in home
