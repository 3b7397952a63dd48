"""A tour of the full demo in Chromium: collection, reporting, evaluation and the 红黑榜 bulletin."""

import io

import pytest
from docx import Document

from bizenv.demo.regions import DEMO_PASSWORD
from bizenv.evaluation.models import RedBlackList

pytestmark = pytest.mark.browser



def test_office_and_county_tour_the_full_demo(full_demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)

    # 数据填报 → the demo's reporting round with overdue departments and its completeness charts.
    s.page.hover("nav.mainnav >> text=数据填报")
    s.page.click("nav.mainnav >> text=填报与审核")
    s.page.wait_for_load_state("networkidle")
    assert "2026年9月数据填报" in s.page.content()
    s.page.click("text=完成情况")
    s.page.wait_for_load_state("networkidle")
    assert s.wait_for_charts() >= 1
    assert "市住房城乡建设局" in s.page.content()

    # 数据对接 → a batch with quarantined rows, each with a Chinese reason.
    s.goto("/data/")
    s.page.locator("tr", has_text="demo:business_registrations").locator("a").first.click()
    s.page.wait_for_load_state("networkidle")
    body = s.page.content()
    assert "隔离" in body and "business_registrations" in body

    # 评价与红黑榜 → ranking chart, then the published release and its Word bulletin.
    s.page.click("nav.mainnav >> text=评价与红黑榜")
    s.page.wait_for_load_state("networkidle")
    assert s.wait_for_charts() >= 1
    s.page.click("text=营商环境红黑榜")
    s.page.wait_for_load_state("networkidle")
    assert "红榜" in s.page.content() and "黑榜" in s.page.content()
    with s.page.expect_download() as download_info:
        s.page.click("a[href$='bulletin.docx']")
    document = Document(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    # The demo also holds a draft for the previous month; the bulletin is the published one's.
    release = RedBlackList.objects.get(status="published")
    assert release.title in text and "红黑榜" in text
    assert any(entry in cells for entry in ("东城区", "青溪县"))
    assert s.errors == []

    # The full demo takes a minute to build, so the county user's visit shares it.
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto("/data/records/business_registrations/")
    body = s.page.content()
    assert "东城区" in body and "青溪县" not in s.page.locator("table.data").inner_text()
    response = s.goto("/data/records/business_registrations/?region=990122")
    assert response.status == 403
    assert "不在您的授权范围内" in s.page.content()
