"""Every page of the platform, opened in Chromium by every demo role on the full demo.

A business role must get each page with no console error and every chart drawn with data; the three
administrators are refused the business pages; a county user is refused another county's data.
"""

import pytest

from bizenv.datasets.catalog import DATASETS
from bizenv.demo.regions import DEMO_PASSWORD
from bizenv.evaluation.models import EvaluationRun, RedBlackList, ReleaseStatus
from bizenv.indicators.selectors import active_version
from bizenv.observations.models import ReportingRound

pytestmark = pytest.mark.browser

OWN_COUNTY = "990102"  # the demo county user's 东城区
OTHER_COUNTY = "990103"



def business_pages() -> list[str]:
    """The pages a city-wide business user reaches from the navigation, one of each kind."""
    version = active_version()
    topics = list(version.indicators.filter(level=1).order_by("sort_order").values_list("code", flat=True))
    sub = version.indicators.filter(level=2).order_by("sort_order").values_list("code", flat=True).first()
    leaf = version.indicators.filter(level=3).order_by("sort_order").values_list("code", flat=True).first()
    run = EvaluationRun.objects.order_by("-period", "-id").first()
    release = RedBlackList.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-id").first()  # drafts are the office's
    round_ = ReportingRound.objects.order_by("-id").first()
    pages = ["/", "/cockpit/", "/topics/", "/compare/", "/self-assessment/",
             f"/region/{OWN_COUNTY}/", f"/indicator/{topics[0]}/", f"/indicator/{sub}/", f"/indicator/{leaf}/",
             "/evaluation/", f"/evaluation/runs/{run.pk}/", "/evaluation/releases/", f"/evaluation/releases/{release.pk}/",
             "/reporting/", f"/reporting/rounds/{round_.pk}/", f"/reporting/rounds/{round_.pk}/completeness/",
             "/indicators/", "/manage/regions/", "/monitoring/", "/monitoring/inbox/", "/workflows/",
             "/workflows/stats/"]
    pages += [f"/topics/{code}/" for code in topics]
    starting = topics[0]
    pages += [f"/topics/{starting}/compare/", f"/topics/{starting}/self-assessment/"]
    pages += [f"/data/records/{code}/" for code in list(DATASETS)[:2]]
    return pages


def visit(s, path: str) -> tuple[int, list[str]]:
    response = s.goto(path)
    if response.status != 200:
        return response.status, []
    s.wait_for_charts(timeout=15_000)
    return 200, s.empty_charts()


def test_every_role_opens_every_page_and_nothing_more(full_demo, browser_session):
    pages = business_pages()
    problems = []
    for username in ("leader", "office", "dept", "county"):
        s = browser_session()
        s.login(username, DEMO_PASSWORD)
        for path in pages:
            status, empty = visit(s, path)
            if status != 200:
                problems.append(f"{username} {path}: HTTP {status}")
            elif empty:
                problems.append(f"{username} {path}: 图表无数据 {empty}")
        if s.errors:
            problems.append(f"{username}: 控制台错误 {s.errors[:3]}")
        s.close()
    assert problems == []

    # The full demo takes a while to build, so the refusals are checked on the same one.
    administrators_are_refused_business_pages(browser_session)
    county_user_is_refused_another_countys_data(browser_session)


def administrators_are_refused_business_pages(browser_session):
    for username in ("sysadmin", "secadmin", "auditor"):
        s = browser_session()
        s.login(username, DEMO_PASSWORD)
        s.goto("/")
        assert s.page.url.endswith("/manage/"), f"{username} / leads to 系统管理"
        for path in ("/cockpit/", "/compare/", "/self-assessment/", f"/region/{OWN_COUNTY}/", "/topics/",
                     "/monitoring/", "/workflows/", "/workflows/stats/"):
            assert s.goto(path).status == 403, f"{username} {path}"
            assert "无权" in s.page.content() or "权限" in s.page.content()
        s.close()


def county_user_is_refused_another_countys_data(browser_session):
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    assert s.goto(f"/region/{OTHER_COUNTY}/").status == 404
    dataset = next(iter(DATASETS))
    response = s.goto(f"/data/records/{dataset}/?region={OTHER_COUNTY}")
    assert response.status == 403
    assert "不在您的授权范围内" in s.page.content()
    # The own county's raw records are listed, and no row names another region.
    s.goto(f"/data/records/{dataset}/")
    body = s.page.locator("table.data").first.inner_text()
    assert OWN_COUNTY in body and OTHER_COUNTY not in body
    api = s.page.request.get(s.base_url + f"/api/v1/analysis/changes?region={OTHER_COUNTY}&period=2026-10")
    assert api.status == 404
    assert "无权查看" in api.json()["detail"]
