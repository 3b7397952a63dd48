import pytest
from django.test import Client

from bizenv.core.models import AuditLog
from bizenv.demo import DEMO_PASSWORD, build_demo
from bizenv.organisations.models import MapLayer, Region, RegionLevel, Role, RoleGrant, User

pytestmark = pytest.mark.django_db

ROLES = {
    "leader": Role.LEADER,
    "office": Role.OFFICE,
    "reviewer": Role.OFFICE,
    "dept": Role.DEPARTMENT,
    "county": Role.COUNTY,
    "sysadmin": Role.SYSADMIN,
    "secadmin": Role.SECADMIN,
    "auditor": Role.AUDITOR,
}


def test_running_the_demo_twice_changes_nothing_and_writes_no_audit_entries(fast_passwords):
    first = build_demo(progress=lambda m: None)
    entries = AuditLog.objects.count()
    grants = sorted(RoleGrant.objects.values_list("user__username", "role", "region__code"))
    second = build_demo(progress=lambda m: None)
    assert second.counts == first.counts
    assert AuditLog.objects.count() == entries
    assert sorted(RoleGrant.objects.values_list("user__username", "role", "region__code")) == grants
    assert first.counts["区域"] == Region.objects.count() >= 14
    assert first.counts["指标体系"] >= 1
    assert [username for username, _ in first.accounts] == list(ROLES)


def test_the_demo_city_has_varied_children_and_one_account_per_role(demo):
    city = Region.objects.get(code="990100", name="示范市")
    children = list(city.children.order_by("sort_order"))
    assert len(children) >= 12
    assert {c.level for c in children} == {RegionLevel.DISTRICT, RegionLevel.COUNTY, RegionLevel.ZONE}
    assert {c.peer_group for c in children} >= {"中心城区", "县域", "开发区"}
    assert len([c for c in children if not c.has_pipeline_gas]) >= 2
    assert all(c.code.startswith("9901") and c.population and c.gdp and c.area_km2 for c in children)
    for username, role in ROLES.items():
        user = User.objects.get(username=username)
        assert user.full_name and user.check_password(DEMO_PASSWORD)
        assert set(user.grants.values_list("role", flat=True)) == {role.value}
    assert User.objects.get(username="county").grants.get().region == children[0]
    assert User.objects.get(username="dept").department.code == "samr"
    assert MapLayer.objects.get(region=city).feature_count == len(children)


@pytest.mark.parametrize("username", list(ROLES))
def test_every_demo_account_logs_in_and_lands_on_a_page(demo, username):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain, "login should redirect to the start page"
    page = response.content.decode()
    assert "退出登录" in page and "没有访问该页面的权限" not in page


def test_the_province_scale_adds_cities_with_their_own_maps(fast_passwords):
    summary = build_demo(scale="province", progress=lambda m: None)
    cities = Region.objects.filter(level=RegionLevel.CITY)
    assert cities.count() >= 10
    assert summary.counts["区域"] >= 150
    assert MapLayer.objects.filter(region__level=RegionLevel.CITY).count() == cities.count()
    entries = AuditLog.objects.count()
    build_demo(scale="province", progress=lambda m: None)
    assert AuditLog.objects.count() == entries


def test_the_demo_has_a_second_office_account_to_review_what_office_draws_up(fast_passwords):
    build_demo(progress=lambda m: None)
    reviewer = User.objects.get(username="reviewer")
    assert reviewer.check_password(DEMO_PASSWORD)
    assert set(RoleGrant.objects.filter(user=reviewer).values_list("role", "region__code")) == {
        (Role.OFFICE, "990100")}
