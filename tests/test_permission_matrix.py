"""Every role × protected page and API → allowed or denied, as the permission policy designs."""

import pytest
from django.test import Client

from tests.conftest import make_world

pytestmark = pytest.mark.django_db

BUSINESS = {"leader", "office", "dept", "county"}
ADMINS = {"sysadmin", "secadmin", "auditor"}
EVERYONE = BUSINESS | ADMINS | {"nobody"}

# path → the accounts that may open it; everybody else gets 403 (pages) or 403 (API).
PAGES = {
    "/": BUSINESS,
    "/topics/": BUSINESS,
    "/compare/": BUSINESS,
    "/self-assessment/": BUSINESS,
    "/cockpit/": BUSINESS,
    "/region/990101/": BUSINESS,
    "/region/990102/": BUSINESS - {"county"},
    "/monitoring/": BUSINESS,
    "/monitoring/inbox/": BUSINESS,
    "/monitoring/reviews/": {"office"},
    "/monitoring/rules/": {"office"},
    "/workflows/": BUSINESS,
    "/workflows/stats/": BUSINESS,
    "/workflows/items/new/": {"office"},
    "/s/cases/": BUSINESS,
    "/s/policies/": BUSINESS,
    "/s/diagnosis/": BUSINESS,
    "/indicators/": BUSINESS | {"sysadmin"},
    "/manage/": EVERYONE - {"nobody"},
    "/manage/regions/": BUSINESS | {"sysadmin"},
    "/manage/regions/990101/": BUSINESS | {"sysadmin"},
    "/manage/regions/990102/": BUSINESS - {"county"} | {"sysadmin"},
    "/manage/departments/": BUSINESS | {"sysadmin"},
    "/manage/users/": {"sysadmin"},
    "/manage/security/": {"secadmin"},
    "/audit/": {"auditor"},
}
# Pages that answer 404 rather than 403 outside the user's regions, so their existence does not leak.
NOT_FOUND_OUTSIDE_SCOPE = {"/manage/regions/990102/", "/region/990102/"}

APIS = {
    "/api/v1/me": EVERYONE,
    "/api/v1/audit/verify": {"auditor"},
    "/api/v1/organisations/regions": BUSINESS | {"sysadmin"},
    "/api/v1/organisations/regions/990102": BUSINESS - {"county"} | {"sysadmin"},
    "/api/v1/indicators/systems": BUSINESS | {"sysadmin"},
    "/api/v1/monitoring/warnings/": BUSINESS,
    "/api/v1/monitoring/map": BUSINESS,
    "/api/v1/monitoring/notifications/": BUSINESS,
}


@pytest.fixture
def world(db):
    return make_world()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_by_role(world, path):
    for username in sorted(EVERYONE):
        response = world.client(username).get(path)
        if username in PAGES[path]:
            expected = {200}
        elif path == "/" and username in ADMINS:
            expected = {302}  # the administrators' home is 系统管理
        elif path in NOT_FOUND_OUTSIDE_SCOPE:
            expected = {403, 404}
        else:
            expected = {403}
        assert response.status_code in expected, f"{username} → {path}: {response.status_code}"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_send_anonymous_visitors_to_the_login_page(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", sorted(APIS))
def test_api_by_role(world, path):
    for username in sorted(EVERYONE):
        response = world.client(username).get(path)
        expected = {200} if username in APIS[path] else {403, 404}
        assert response.status_code in expected, f"{username} → {path}: {response.status_code}"
    anonymous = Client().get(path)
    assert anonymous.status_code == 401
    assert "未登录" in anonymous.json()["detail"]


def test_work_item_pages_files_and_actions_by_role(world, settings, tmp_path):
    """A 东城区 item: the office, the leader and 东城区 open it and its attachment; the department it does not
    concern gets the same 404 as for a missing item; the administrators are refused. Only the office may
    督办 (the others who see it are told why, in Chinese); an action on an item one cannot see is a 404."""
    import io
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile
    from matplotlib.figure import Figure

    from bizenv.workflows.models import ItemFile, WorkItem
    from bizenv.workflows.services import ItemSpec, item_create

    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = io.BytesIO()
    Figure(figsize=(2, 2)).savefig(pdf, format="pdf")
    item = item_create(actor=world.users["office"], issue=True, spec=ItemSpec(
        title="东城区压缩开办时间", assignee_region=world.county_a, deadline=date(2026, 12, 31),
        files=[SimpleUploadedFile("方案.pdf", pdf.getvalue(), content_type="application/pdf")]))
    attachment = ItemFile.objects.get(item=item)
    sees = {"office", "leader", "county"}
    for username in sorted(EVERYONE):
        client = world.client(username)
        for path in (f"/workflows/items/{item.pk}/", f"/workflows/files/{attachment.pk}/",
                     f"/workflows/files/{attachment.pk}/download/"):
            expected = 200 if username in sees else 404 if username in BUSINESS else 403
            assert client.get(path).status_code == expected, f"{username} → {path}"
        supervised = client.post(f"/workflows/items/{item.pk}/act/supervise/", {"supervise-reason": "请加快办理"})
        expected = {"office": 302, "leader": 403, "county": 403, "dept": 404}.get(username, 403)
        assert supervised.status_code == expected, f"{username} → 督办: {supervised.status_code}"
        if expected == 403 and username in BUSINESS:
            assert "只有营商办可以督办" in supervised.content.decode()
    assert WorkItem.objects.get(pk=item.pk).supervise_count == 1
    assert Client().get(f"/workflows/items/{item.pk}/").status_code == 302  # to the login page
    # The navigation's 任务督办 section leads to the workbench.
    assert world.client("county").get("/s/workflows/")["Location"] == "/workflows/"


def test_openapi_document_is_served(world):
    # to signed-in users only (issue 17); anonymous callers get 401, see bizenv/site/tests/test_chinese_errors.py
    response = world.client("office").get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"].startswith("营商环境")


def test_navigation_shows_what_the_role_may_open(world):
    office_page = world.client("office").get("/").content.decode()
    for label in ["首页", "专题分析", "对比分析", "自查自评", "监测预警", "任务督办", "案例库", "政策库", "研判", "数据填报"]:
        assert label in office_page
    auditor_page = world.client("auditor").get("/manage/").content.decode()
    assert "对比分析" not in auditor_page
    assert "系统管理" in auditor_page


def test_every_page_has_its_own_title(world):
    """The browser tab names the page (only the home page is 首页); a page without a title shows the platform's."""
    import re

    extra = {"/data/": "office", "/data/metrics/": "office", "/data/batches/": "office", "/data/schema/": "office",
             "/evaluation/": "office", "/evaluation/releases/": "office", "/reporting/": "office"}
    pages = {path: sorted(users)[0] for path, users in PAGES.items()} | extra
    for path, username in sorted(pages.items()):
        response = world.client(username).get(path)
        if response.status_code != 200:
            continue
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()
        assert title.endswith("营商环境数字化治理平台"), (path, title)
        if path != "/":
            assert not title.startswith("首页"), (path, title)
        assert not title.startswith("·"), (path, title)
