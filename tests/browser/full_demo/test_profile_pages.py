"""一指标一页面 and 区域画像 in Chromium over the full demo: charts, the gap toggle and a what-if run."""

import pytest

from bizenv.demo.regions import DEMO_PASSWORD
from bizenv.indicators.selectors import active_version

pytestmark = pytest.mark.browser



def test_office_and_county_use_the_indicator_page_and_the_region_profile(full_demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)

    # 一指标一页面: definition, trend with forecast and the distribution across counties.
    s.goto("/indicator/getting_water.time/")
    assert s.wait_for_charts() == 2
    body = s.page.content()
    assert "获得用水耗时" in body and "趋势与预测" in body and "各区域分布" in body and "最佳实践" in body
    s.page.click("text=获得用水专题")
    s.page.wait_for_load_state("networkidle")
    assert "/topics/getting_water/" in s.page.url

    # 区域画像: trend with rank, level-1 scores, gap waterfall; switch the gap target over htmx.
    s.goto("/region/990102/")
    assert s.wait_for_charts() == 3
    with s.page.expect_response(lambda r: "part=gaps" in r.url):
        s.page.click("#region-gaps >> text=对比最优地区")
    s.page.wait_for_selector("#region-gaps a.active:has-text('对比最优地区')")
    assert s.wait_for_charts() == 3

    # What-if: raise the weakest leaf (the first prefilled row) to its best value.
    first = s.page.locator(".whatif-form select[name=indicator]").first
    code = first.input_value()
    best = active_version().indicators.get(code=code).best
    s.page.locator(".whatif-form input[name=value]").first.fill(f"{best:g}")
    with s.page.expect_response(lambda r: r.url.endswith("/region/990102/whatif/")):
        s.page.click(".whatif-form button[type=submit]")
    s.page.wait_for_selector("#whatif-result .stat-value")
    result = s.page.locator("#whatif-result").inner_text()
    assert "测算后综合得分" in result and "测算后排名" in result
    assert s.page.locator("#whatif-result .stat-value .delta-up").count() == 1  # the composite went up

    # Changing a row's indicator refreshes that row with the new indicator's current value.
    second = s.page.locator(".whatif-form select[name=indicator]").nth(1)
    with s.page.expect_response(lambda r: "part=whatif_row" in r.url):
        second.select_option("getting_water.time")
    s.page.wait_for_selector(".whatif-form tbody tr:nth-child(2) option[value='getting_water.time'][selected]",
                             state="attached")
    assert s.errors == []

    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto("/region/990102/")
    assert s.wait_for_charts() == 3
    assert "东城区营商环境画像" in s.page.content()
    assert s.page.locator(".profile-kpis .stat-value small").first.inner_text().strip() == "/ 14"  # ranked among all
    assert s.goto("/region/990121/").status == 404
    assert "不存在或无权查看" in s.page.content()
    s.errors.clear()  # the browser logs the 404 response itself as a console error
    s.goto("/indicator/getting_water.time/")
    assert s.wait_for_charts() == 2
    assert s.errors == []
