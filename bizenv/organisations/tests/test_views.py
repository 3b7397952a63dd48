import json

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizenv.core.models import AuditLog
from bizenv.demo.regions import DEMO_PASSWORD
from bizenv.organisations.models import MapLayer, Region, Role, RoleGrant, User

pytestmark = pytest.mark.django_db

ROLES = ["leader", "office", "dept", "county", "sysadmin", "secadmin", "auditor"]
VIEWERS = {"leader", "office", "dept", "county", "sysadmin"}
CITY_VIEWERS = VIEWERS - {"county"}

# path → who gets 200; everybody else gets 403. "{user}" is the office account's id.
PAGES = {
    "/manage/": set(ROLES),
    "/manage/regions/": VIEWERS,
    "/manage/regions/990100/": CITY_VIEWERS,
    "/manage/regions/990102/": VIEWERS,
    "/manage/regions/990100/geojson": CITY_VIEWERS,
    "/manage/regions/990100/edit/": {"sysadmin"},
    "/manage/regions/990100/map/": {"sysadmin"},
    "/manage/departments/": VIEWERS,
    "/manage/users/": {"sysadmin"},
    "/manage/users/{user}/": {"sysadmin"},
    "/manage/security/": {"secadmin"},
    "/audit/": {"auditor"},
}


@pytest.mark.parametrize("path", list(PAGES))
def test_pages_answer_each_role_as_designed(demo, client_for, path):
    url = path.replace("{user}", str(User.objects.get(username="office").pk))
    for username in ROLES:
        response = client_for(username).get(url)
        expected = 200 if username in PAGES[path] else 403
        assert response.status_code == expected, f"{username} → {url}: {response.status_code}"


def test_the_landing_page_offers_only_what_the_roles_allow(demo, client_for):
    def cards(username):
        page = client_for(username).get("/manage/").content.decode()
        links = ["/manage/regions/", "/manage/departments/", "/manage/users/", "/manage/security/", "/audit/"]
        return {link for link in links if f'class="card" href="{link}"' in page}

    assert cards("sysadmin") == {"/manage/regions/", "/manage/departments/", "/manage/users/"}
    assert cards("secadmin") == {"/manage/security/"}
    assert cards("auditor") == {"/audit/"}
    assert cards("county") == {"/manage/regions/", "/manage/departments/"}


def test_the_region_tree_is_scoped_to_the_grants(demo, client_for):
    county = client_for("county").get("/manage/regions/").content.decode()
    assert "共 1 个区域" in county and "东城区" in county and "西城区" not in county
    office = client_for("office").get("/manage/regions/").content.decode()
    children = Region.objects.get(code="990100").children.count()
    assert f"共 {children + 1} 个区域" in office
    assert (
        "云岭县" in office
        and "无管道燃气" in office
        and 'data-map-url="/manage/regions/990100/geojson"' in office
    )


def test_the_geojson_of_a_region_without_a_map_is_a_chinese_404(demo, client_for):
    response = client_for("county").get("/manage/regions/990102/geojson")
    assert response.status_code == 404
    assert "尚未配置地图边界数据" in response.json()["detail"]
    served = client_for("leader").get("/manage/regions/990100/geojson").json()
    assert served["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in served["features"]} == set(
        Region.objects.get(code="990100").children.values_list("name", flat=True)
    )


def test_the_system_administrator_edits_region_attributes(demo, client_for):
    client = client_for("sysadmin")
    region = Region.objects.get(code="990121")
    form = {
        "name": "北山县",
        "sort_order": 5,
        "population": 190000,
        "gdp": "95.5",
        "area_km2": "1386.5",
        "peer_group": "县域",
        "attributes": '{"terrain": "山区"}',
    }
    response = client.post("/manage/regions/990121/edit/", form)
    assert response.status_code == 302
    region.refresh_from_db()
    assert region.population == 190000 and str(region.gdp) == "95.50" and not region.has_pipeline_gas
    entry = AuditLog.objects.filter(action="region.update").latest("id")
    assert entry.actor_username == "sysadmin"
    assert entry.new_values == {"population": 190000, "gdp": "95.50"}
    before = AuditLog.objects.count()
    client.post("/manage/regions/990121/edit/", form)
    assert AuditLog.objects.count() == before, "saving unchanged values writes no audit entry"


def test_region_edit_errors_are_shown_in_chinese(demo, client_for):
    response = client_for("sysadmin").post(
        "/manage/regions/990121/edit/",
        {"name": "", "sort_order": 1, "population": -5, "attributes": "[1, 2]"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个字段是必填项" in page
    assert "大于或等于 0" in page or "大于等于0" in page or "0" in page
    assert "其他属性应为 JSON 对象" in page


def _upload(client, code, content: bytes, name="map.geojson"):
    return client.post(f"/manage/regions/{code}/map/", {"file": SimpleUploadedFile(name, content)})


def test_a_geojson_upload_is_checked_and_stored(demo, client_for):
    client = client_for("sysadmin")
    assert _upload(client, "990100", b"{not json").status_code == 400
    assert "不是有效的 JSON" in _upload(client, "990100", b"{not json").content.decode()
    square = [[[113, 28], [113.1, 28], [113.1, 28.1], [113, 28.1], [113, 28]]]
    wrong = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "东城区"},
                "geometry": {"type": "Polygon", "coordinates": square},
            },
            {
                "type": "Feature",
                "properties": {"name": "南山区"},
                "geometry": {"type": "Polygon", "coordinates": square},
            },
        ],
    }
    response = _upload(client, "990100", json.dumps(wrong, ensure_ascii=False).encode())
    assert response.status_code == 400
    page = response.content.decode()
    assert "地图文件未通过校验" in page
    assert "第 2 个要素（features[1]）的 properties.name“南山区”与示范市的下级区域均不匹配" in page
    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "990102"},
                "geometry": {"type": "Polygon", "coordinates": square},
            },
        ],
    }
    response = _upload(client, "990100", json.dumps(good).encode(), name="示范市.geojson")
    assert response.status_code == 302
    layer = MapLayer.objects.get(region__code="990100")
    assert layer.source == "uploaded" and layer.filename == "示范市.geojson" and layer.feature_count == 1
    assert layer.geojson["features"][0]["properties"] == {"code": "990102", "name": "东城区"}
    page = client.get("/manage/regions/990100/map/").content.decode()
    assert "没有对应要素" in page or "缺少" in page
    assert AuditLog.objects.filter(action="map_layer.save", actor_username="sysadmin").exists()
    # The schematic map can be regenerated from the page.
    assert client.post("/manage/regions/990100/map/generate/").status_code == 302
    assert MapLayer.objects.get(region__code="990100").source == "generated"


def test_users_page_creates_an_account_and_grants_a_role(demo, client_for):
    client = client_for("sysadmin")
    response = client.post(
        "/manage/users/",
        {
            "username": "wang.li",
            "full_name": "王丽",
            "password": "Qingxi#2026",
            "password_again": "Qingxi#2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="wang.li")
    county = Region.objects.get(code="990122")
    response = client.post(
        f"/manage/users/{user.pk}/grants/", {"role": Role.COUNTY, "region": county.pk}, follow=True
    )
    assert "已授予" in response.content.decode()
    assert RoleGrant.objects.filter(user=user, role=Role.COUNTY, region=county).exists()
    assert AuditLog.objects.filter(
        action="role.grant", actor_username="sysadmin", object_id=str(user.pk)
    ).exists()


@pytest.mark.parametrize(
    "username,role",
    [
        ("leader", Role.SYSADMIN),
        ("secadmin", Role.AUDITOR),
        ("auditor", Role.OFFICE),
    ],
)
def test_separation_of_administrators_is_enforced_on_the_users_page(demo, client_for, username, role):
    subject = User.objects.get(username=username)
    city = Region.objects.get(code="990100")
    region = "" if role in (Role.SYSADMIN, Role.AUDITOR) else city.pk
    before = set(subject.grants.values_list("role", flat=True))
    response = client_for("sysadmin").post(
        f"/manage/users/{subject.pk}/grants/", {"role": role, "region": region}, follow=True
    )
    page = response.content.decode()
    assert "三员分立" in page
    assert set(subject.grants.values_list("role", flat=True)) == before


def test_a_department_user_needs_a_department_and_admins_cannot_grant_themselves(demo, client_for):
    client = client_for("sysadmin")
    leader = User.objects.get(username="leader")
    page = client.post(
        f"/manage/users/{leader.pk}/grants/",
        {"role": Role.DEPARTMENT, "region": Region.objects.get(code="990100").pk},
        follow=True,
    ).content.decode()
    assert "部门用户必须先设置所属部门" in page
    me = User.objects.get(username="sysadmin")
    page = client.post(
        f"/manage/users/{me.pk}/grants/", {"role": Role.LEADER, "region": Region.objects.get(code="990100").pk},
        follow=True,
    ).content.decode()
    assert "不能给自己授权" in page


def test_administrator_roles_are_granted_by_the_operator_only(demo, client_for, capsys):
    """三员分立: an account the system administrator creates (and whose first password it knows) never
    becomes the auditor or the security administrator from a page; the operator grants those on the server."""
    from bizenv.cli import main
    from bizenv.core.errors import PermissionDenied
    from bizenv.organisations import services
    from bizenv.organisations.models import RoleGrant

    sysadmin = User.objects.get(username="sysadmin")
    spare = services.user_create(actor=sysadmin, username="spare", password="Spare@20261204")
    assert spare.must_change_password  # the first password is changed at the first login
    form = client_for("sysadmin").get(f"/manage/users/{spare.pk}/").content.decode()
    assert "审计管理员" not in form.split('name="role"', 1)[1].split("</select>", 1)[0]
    response = client_for("sysadmin").post(f"/manage/users/{spare.pk}/grants/", {"role": Role.AUDITOR, "region": ""})
    assert response.status_code == 400 and not RoleGrant.objects.filter(user=spare).exists()
    with pytest.raises(PermissionDenied, match="运维人员"):
        services.role_grant_add(actor=sysadmin, user=spare, role=Role.AUDITOR, region=None)
    with pytest.raises(PermissionDenied, match="运维人员"):
        services.role_grant_remove(actor=sysadmin, grant=RoleGrant.objects.get(user__username="auditor"))

    assert main(["admins", "grant", "spare", "auditor"]) == 0
    assert "已授予“spare”审计管理员角色" in capsys.readouterr().out
    assert RoleGrant.objects.filter(user=spare, role=Role.AUDITOR).exists()
    assert main(["admins", "revoke", "spare", "auditor"]) == 0
    assert not RoleGrant.objects.filter(user=spare).exists()


def test_a_deactivated_account_can_no_longer_log_in(demo, client_for):
    county = User.objects.get(username="county")
    response = client_for("sysadmin").post(f"/manage/users/{county.pk}/deactivate/", follow=True)
    assert "已停用" in response.content.decode()
    login = Client().post("/accounts/login/", {"username": "county", "password": DEMO_PASSWORD})
    assert login.status_code == 200 and "账号或密码错误" in login.content.decode()
    assert AuditLog.objects.filter(action="user.deactivate", object_id=str(county.pk)).exists()


def test_the_security_administrator_sees_and_clears_a_lockout(demo, client_for):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "county", "password": "wrong-password"})
    assert (
        Client().post("/accounts/login/", {"username": "county", "password": DEMO_PASSWORD}).status_code
        != 302
    )
    client = client_for("secadmin")
    page = client.get("/manage/security/").content.decode()
    assert "county" in page and "已锁定" in page
    response = client.post("/manage/security/unlock/", {"username": "county"}, follow=True)
    assert "已解锁账号“county”" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="county").exists()
    entry = AuditLog.objects.get(action="account.unlock")
    assert entry.actor_username == "secadmin" and entry.old_values["failures"] >= 5
    assert (
        Client().post("/accounts/login/", {"username": "county", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    # Nothing to unlock: a warning, and no audit entry.
    response = client.post("/manage/security/unlock/", {"username": "county"}, follow=True)
    assert "无需解锁" in response.content.decode()
    assert AuditLog.objects.filter(action="account.unlock").count() == 1


def test_state_changes_need_post(demo, client_for):
    office = User.objects.get(username="office")
    assert client_for("sysadmin").get(f"/manage/users/{office.pk}/deactivate/").status_code == 405
    assert client_for("secadmin").get("/manage/security/unlock/").status_code == 405
