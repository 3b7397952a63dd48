"""Log in as demo users in a real Chromium, browse the indicator tree and the region tree."""

import pytest

from bizenv.demo import DEMO_PASSWORD, build_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    return build_demo(scale="small", progress=lambda _msg: None)


def test_office_logs_in_and_browses_the_indicator_tree(demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    assert "营商环境总览" in s.page.content()
    assert s.wait_for_charts() == 2  # the region map and the weight ring

    # A chart option without any value is drawn with an empty-state text, not as bare axes.
    s.page.evaluate("""() => {
        const source = document.createElement('script');
        source.type = 'application/json'; source.id = 'chart-test-empty';
        source.textContent = JSON.stringify({xAxis: {type: 'category', data: ['东城区']}, yAxis: {},
                                             series: [{type: 'bar', data: [null]}]});
        const el = document.createElement('div');
        el.className = 'chart'; el.dataset.chart = 'chart-test-empty'; el.id = 'test-empty';
        document.querySelector('main').append(source, el);
        document.dispatchEvent(new Event('htmx:afterSettle'));
    }""")
    s.page.wait_for_function("() => document.getElementById('test-empty').dataset.chartRendered === '1'")
    graphic = s.page.evaluate(
        "() => JSON.stringify(echarts.getInstanceByDom(document.getElementById('test-empty')).getOption().graphic)")
    assert "暂无数据" in graphic
    drawn = s.page.evaluate("() => JSON.stringify(echarts.getInstanceByDom("
                            "document.querySelector('[data-chart=chart-weights]') || "
                            "document.querySelectorAll('[data-chart]')[1]).getOption().graphic || null)")
    assert "暂无数据" not in drawn

    s.page.click("nav.mainnav >> text=指标体系")
    s.page.wait_for_load_state("networkidle")
    s.page.locator(".card", has_text="BIZENV-CN").locator("a", has_text="查看").first.click()
    s.page.wait_for_load_state("networkidle")
    tree = s.page.locator("ul.tree").first
    assert tree.is_visible()
    for name in ["开办企业", "获得电力", "获得用气", "跨境贸易"]:
        assert tree.locator("a", has_text=name).first.is_visible()

    # The no-gas variant (htmx swap of the tree): 获得用气 drops to 0 %.
    s.page.locator("a[href^='?variant=']").last.click()
    s.page.wait_for_selector("#node-getting_gas span[title$='的有效权重']")
    gas_line = s.page.locator("#node-getting_gas .node").first.inner_text()
    assert "变体 不计入" in gas_line
    assert "变体 7%" in s.page.locator("#node-getting_electricity .node").first.inner_text()

    tree = s.page.locator("ul.tree").first
    tree.locator("a", has_text="开办企业").first.click()
    s.page.wait_for_load_state("networkidle")
    body = s.page.content()
    assert "牵头单位" in body and "市市场监管局" in body
    assert s.errors == []


def test_region_tree_and_county_drill_down(demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    s.goto("/manage/regions/")
    assert s.page.locator(".tree >> text=示范市").first.is_visible()
    counties = s.page.locator("ul.tree ul a").all_inner_texts()
    assert len(counties) >= 10
    assert s.wait_for_charts() >= 1
    first = s.page.locator("ul.tree ul a").first
    name = first.inner_text().strip()
    first.click()
    s.page.wait_for_load_state("networkidle")
    assert name in s.page.locator("h1").inner_text()
    assert "常住人口" in s.page.content()
    assert s.errors == []


def test_county_user_sees_only_its_own_county(demo, browser_session):
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto("/manage/regions/")
    links = [t.strip() for t in s.page.locator(".tree a").all_inner_texts()]
    assert len(links) == 1
    s.goto("/")
    assert "对比分析" in s.page.locator("nav.mainnav").inner_text()
    assert s.errors == []


def test_auditor_sees_only_the_audit_log(demo, browser_session):
    s = browser_session()
    s.login("auditor", DEMO_PASSWORD)
    nav = s.page.locator("nav.mainnav").inner_text()
    assert "系统管理" in nav and "对比分析" not in nav
    s.goto("/")  # the administrators' home is 系统管理
    assert s.page.url.endswith("/manage/") and "系统管理" in s.page.content()
    response = s.goto("/cockpit/")
    assert response.status == 403
    assert "没有访问该页面的权限" in s.page.content() and "返回系统管理" in s.page.content()
