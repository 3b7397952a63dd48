"""对比分析 and 自查自评 in Chromium over the full demo: htmx filters, charts with data, Excel, county scoping."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bizenv.demo.regions import DEMO_PASSWORD

pytestmark = pytest.mark.browser



def _series_with_data(page, element_id: str) -> int:
    """How many series of a drawn chart hold at least one number (for a radar: how many of its polygons)."""
    return page.evaluate(
        """id => {
             const known = v => v !== null && v !== undefined && (typeof v !== 'object' || known(v.value));
             const series = echarts.getInstanceByDom(document.querySelector(`[data-chart="${id}"]`))
               .getOption().series;
             if (series[0].type === 'radar')
               return series[0].data.filter(d => d.value.some(x => x !== null)).length;
             return series.filter(s => (s.data || []).some(known)).length;
           }""",
        element_id)


def test_office_and_county_use_the_analysis_pages(full_demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    page = s.page

    # 对比分析 from the navigation: every county's line for 开办企业, then the 与先进比 radar.
    page.click("nav.mainnav >> text=对比分析")
    page.wait_for_load_state("networkidle")
    assert s.wait_for_charts() == 2
    assert _series_with_data(page, "chart-compare") >= 10
    assert _series_with_data(page, "chart-advanced") >= 2
    assert "东城区" in page.locator("#compare-results table").inner_text()

    # Unticking a region updates the results in place (htmx) and the address keeps the filters.
    with page.expect_response(lambda r: "part=main" in r.url):
        page.uncheck("#cmp-region-990103")
    page.wait_for_load_state("networkidle")
    assert "西城区" not in page.locator("#compare-results table").inner_text()
    assert "990103" not in page.url and "part=" not in page.url

    # One month across indicators: grouped bars.
    with page.expect_response(lambda r: "part=main" in r.url):
        page.select_option("#cmp-view", "snapshot")
    page.wait_for_load_state("networkidle")
    s.wait_for_charts()
    assert page.evaluate("echarts.getInstanceByDom(document.querySelector('[data-chart=chart-compare]'))"
                         ".getOption().series[0].type") == "bar"
    assert _series_with_data(page, "chart-compare") >= 10

    # The Excel export carries the same filters: 13 regions × 12 months × 19 level-1 indicators.
    with page.expect_download() as download:
        page.click("#compare-export")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("区域代码", "区域", "时期")
    assert len(rows) == 1 + 13 * 12 * 19
    assert "990103" not in {r[0] for r in rows[1:]}

    # 与先进比 for another county.
    with page.expect_response(lambda r: "part=advanced" in r.url):
        page.select_option("#adv-region", "990125")
    page.wait_for_load_state("networkidle")
    s.wait_for_charts()
    assert "石桥县" in page.locator("#compare-advanced").inner_text()
    assert _series_with_data(page, "chart-advanced") >= 2

    # 自查自评: the first county (the city reports no values of its own), change bars and the forecast.
    page.click("nav.mainnav >> text=自查自评")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-chart=chart-forecast]")
    assert s.wait_for_charts() == 2
    assert "东城区" in page.locator("h1").inner_text()
    assert _series_with_data(page, "chart-forecast") >= 2
    assert _series_with_data(page, "chart-self-change") == 1
    assert page.locator(".sw-list li").count() >= 2

    # Drill into 开办企业, then switch to 环比: the drilled level is kept.
    with page.expect_response(lambda r: "part=drill" in r.url):
        page.locator("#self-drill a", has_text="开办企业").first.click()
    # the response may come before htmx has swapped it in: wait for the swapped heading itself
    expect(page.locator("#self-drill h2")).to_contain_text("开办企业 · 下级指标同比对比")
    page.wait_for_url(lambda url: "node=starting_business" in url)  # pushed once htmx has settled
    with page.expect_response(lambda r: "part=body" in r.url):
        page.check("#self-kind-pop")
    page.wait_for_selector("[data-chart=chart-forecast]")
    expect(page.locator("#self-drill h2")).to_contain_text("开办企业 · 下级指标环比对比")
    assert s.wait_for_charts() == 2
    assert _series_with_data(page, "chart-self-change") == 1
    assert s.errors == []

    # A county user: its own district only; another county's data is refused in Chinese.
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto("/compare/")
    assert s.wait_for_charts() == 2
    assert s.page.locator("#compare-form input[name=regions]").count() == 1
    s.goto("/compare/?regions=990122")
    assert "区域 990122 不存在或无权查看" in s.page.locator("#compare-results").inner_text()
    assert s.page.locator("[data-chart=chart-compare]").count() == 0
    s.goto("/self-assessment/")
    s.page.wait_for_selector("[data-chart=chart-forecast]")
    assert s.wait_for_charts() == 2
    assert "东城区" in s.page.locator("h1").inner_text()
    assert "个同级区域中" in s.page.content()  # ranked among all the city's counties, as published
    s.goto("/self-assessment/?region=990122")
    assert "不存在或无权查看" in s.page.content()
    assert s.errors == []
