"""The 开办企业 topic page in Chromium on the full demo: tabs, charts, county drill-down, the Word report, scope."""

import io
import re

import pytest
from docx import Document

from bizenv.demo.regions import DEMO_PASSWORD

pytestmark = pytest.mark.browser

TOPIC = "/topics/starting_business/"
CLICK_FIRST_BAR = """el => {
    const chart = window.echarts.getInstanceByDom(el);
    const option = chart.getOption();
    const categories = option.yAxis[0].data;
    const top = option.series[0].data[categories.length - 1];
    const [x, y] = chart.convertToPixel({seriesIndex: 0}, [top.value / 2, categories[categories.length - 1]]);
    const box = el.getBoundingClientRect();
    return {x: box.left + x, y: box.top + y, key: top.key, name: categories[categories.length - 1]};
}"""



def charts_drawn(s) -> int:
    count = s.wait_for_charts()
    assert s.empty_charts() == []
    return count


def test_topic_page_tabs_drill_down_report_and_county_scope(full_demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    s.page.hover("nav.mainnav >> text=专题分析")
    s.page.click("nav.mainnav .dropdown-menu >> text=开办企业")
    s.page.wait_for_load_state("networkidle")
    heading = s.page.locator("h1").inner_text()
    assert heading.startswith("开办企业") and "示范市" in heading
    period_label = re.search(r"\d{4}年\d{1,2}月", heading).group(0)
    assert charts_drawn(s) >= 4  # county bars, weights, volumes, bottleneck steps

    for tab, path, text in (("对比分析", "/compare/", "与最优地区、最佳实践城市对比"),
                            ("自查自评", "/self-assessment/", "各区县同比、环比"),
                            ("研判报告", "tab=report", "下载 Word 报告")):
        s.page.click(f"nav.tabs >> text={tab}")
        s.page.wait_for_url(re.compile(re.escape(path)))
        s.page.wait_for_load_state("networkidle")
        assert s.page.locator(".tabs .tab.active").inner_text() == tab
        assert text in s.page.content()
        if tab != "研判报告":
            assert charts_drawn(s) >= 2

    with s.page.expect_download() as download_info:
        s.page.click("text=下载 Word 报告")
    document = Document(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "示范市" in text and "开办企业" in text and period_label in text
    assert len(document.inline_shapes) == 3

    # 概览 → click the best county's bar: the same page for that county.
    s.page.click("nav.tabs >> text=概览")
    # (the report tab's own URL has a query too: wait for the overview itself, not just for a "?")
    s.page.locator(".tabs .tab.active", has_text="概览").wait_for()
    s.page.locator('[data-chart="chart-topic-peers"][data-chart-rendered="1"]').wait_for()
    s.page.wait_for_load_state("networkidle")
    charts_drawn(s)
    # the chart may sit below the fold (the 预警 panel comes first): bring it into view before clicking on it
    s.page.locator('[data-chart="chart-topic-peers"]').scroll_into_view_if_needed()
    bar = s.page.locator('[data-chart="chart-topic-peers"]').evaluate(CLICK_FIRST_BAR)
    s.page.mouse.click(bar["x"], bar["y"])
    s.page.wait_for_url(re.compile(f"region={bar['key']}"))
    s.page.wait_for_load_state("networkidle")
    assert bar["name"] in s.page.locator("h1").inner_text()
    assert charts_drawn(s) >= 3
    # … and down to the sub-indicator page and the raw records behind the county's values.
    assert s.page.locator("a[href^='/indicator/starting_business.time.establishment/']").count() == 1
    records = s.page.locator(f"a[href*='/data/records/business_registrations/'][href*='region={bar['key']}']")
    assert records.count() >= 1

    # The month selector reloads the page body through htmx.
    month = int(s.page.locator("select[name=month]").input_value())
    s.page.select_option("select[name=month]", str(month - 1 if month > 1 else 2))
    s.page.wait_for_url(re.compile(r"month="))
    s.page.wait_for_load_state("networkidle")
    assert f"{month - 1 if month > 1 else 2}月" in s.page.locator("h1").inner_text()
    assert s.errors == []

    # The county user (东城区) sees its own county only, here and in the raw records.
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto(TOPIC)
    assert "东城区" in s.page.locator("h1").inner_text()
    assert charts_drawn(s) >= 1
    assert s.errors == []
    # (the refusals below log their 404/403 status in the console, as any refused page does)
    assert s.goto(TOPIC + "?region=990122").status == 404
    s.goto("/data/records/business_registrations/")
    assert "青溪县" not in s.page.locator("table.data").inner_text()
    response = s.goto("/data/records/business_registrations/?region=990122")
    assert response.status == 403 and "不在您的授权范围内" in s.page.content()
