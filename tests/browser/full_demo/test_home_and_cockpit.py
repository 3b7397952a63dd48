"""The home page and the leaders' cockpit in Chromium on the full demo."""

import re

import pytest
from playwright.sync_api import expect

from bizenv.demo.regions import DEMO_PASSWORD

pytestmark = pytest.mark.browser



def test_leader_home_period_drill_down_and_cockpit_then_county_home(full_demo, browser_session):
    s = browser_session()
    s.login("leader", DEMO_PASSWORD)
    heading = s.page.locator("h1").inner_text()
    assert "示范市营商环境总览" in heading
    assert s.wait_for_charts() == 4  # the map, the ranking, the trend and the weight ring
    # The demo's monitoring run leaves warnings open: the warned regions with their highest severity.
    assert s.page.locator("#warning-list li").count() >= 1
    assert s.page.locator("#warning-list .warning-head .severity-tag").first.inner_text() in ("红色", "橙色", "黄色")
    assert "预警（未销号）" in s.page.locator("#warning-stat").inner_text()

    # Another month through the selector: the body is swapped and its charts drawn again.
    options = s.page.locator("#home-month option").all()
    earlier = options[-2].get_attribute("value")
    s.page.select_option("#home-month", earlier)
    s.page.wait_for_function(
        "m => document.querySelector('h1').textContent.includes(m + '月')", arg=str(int(earlier)))
    assert f"month={earlier}" in s.page.url
    assert s.wait_for_charts() == 4
    assert s.errors == []

    # A click on a county of the map opens its region page (the point comes from ECharts' own projection).
    home = s.page.url
    s.page.locator("[data-chart=chart-region-map]").scroll_into_view_if_needed()
    code, x, y = s.page.evaluate("""async () => {
        const el = document.querySelector('[data-chart=chart-region-map]');
        const geo = await (await fetch(el.dataset.mapUrl)).json();
        const props = geo.features[0].properties;
        const point = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, props.cp);
        const box = el.getBoundingClientRect();
        return [props.code, box.left + point[0], box.top + point[1] + 12];
    }""")
    s.page.mouse.click(x, y)
    s.page.wait_for_url(f"**/region/{code}/")
    s.errors.clear()  # the region page has its own tests

    # So does a county in the ranking.
    s.page.goto(home)
    first = s.page.locator("#ranking-table a").first
    first.click()
    s.page.wait_for_load_state("networkidle")
    assert re.search(r"/region/\d{6}/$", s.page.url), s.page.url
    s.errors.clear()

    # The cockpit on a 1920×1080 wall screen: every chart drawn, nothing scrolls, no console error.
    s.page.set_viewport_size({"width": 1920, "height": 1080})
    s.goto("/cockpit/")
    assert "营商环境监测驾驶舱" in s.page.locator("h1").inner_text()
    assert s.wait_for_charts() == 5  # ranking, map, first-level averages, trend, 开办企业 steps
    assert s.page.locator("nav.mainnav").count() == 0
    assert s.page.locator("#ck-warnings .ck-warning-head").count() >= 1  # warned regions, highest severity first
    assert re.search(r"\d{2}:\d{2}:\d{2}", s.page.locator("#ck-clock").inner_text())
    size = s.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size == [1920, 1080]
    s.page.set_viewport_size({"width": 1366, "height": 768})
    # the wall layout fits any screen: wait until the relayout settles on the smaller one
    s.page.wait_for_function("""() => document.documentElement.scrollWidth === 1366
                                      && document.documentElement.scrollHeight === 768""", timeout=10_000)
    # The refresh (the request the five-minute poll makes) swaps the body and draws its charts again.
    s.page.evaluate("""() => { window.oldBody = document.getElementById('cockpit-body');
        htmx.ajax('GET', '/cockpit/', {target: '#cockpit-body', swap: 'outerHTML'}); }""")
    s.page.wait_for_function("() => !window.oldBody.isConnected && document.getElementById('cockpit-body')")
    assert s.wait_for_charts() == 5
    s.page.click("#ck-fullscreen")
    s.page.wait_for_function("() => !!document.fullscreenElement")
    # The caption changes on the fullscreenchange event, which may come after fullscreenElement is set.
    expect(s.page.locator("#ck-fullscreen")).to_have_text("退出全屏")
    assert s.errors == []

    # A county account sees only its own county.
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    assert "东城区营商环境总览" in s.page.locator("h1").inner_text()
    s.wait_for_charts()
    text = s.page.locator("main").inner_text()
    assert "东城区" in text
    for other in ("青溪县", "西城区", "临江市", "示范市营商环境总览"):
        assert other not in text
    assert s.errors == []
