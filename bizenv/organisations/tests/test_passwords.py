"""三员分立 for passwords: no administrator sets another administrator's password; the security
administrator resets business users' passwords, and a reset forces a change at the next login."""

import pytest
from django.test import Client

from bizenv.core.errors import PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.demo.regions import DEMO_PASSWORD
from bizenv.organisations import services
from bizenv.organisations.models import User

pytestmark = pytest.mark.django_db
NEW = "Qingxi#2026x"


def login(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not log in"
    return client


@pytest.mark.parametrize("target", ["secadmin", "auditor", "county"])
def test_the_system_administrator_sets_no_password(demo, client_for, target):
    user = User.objects.get(username=target)
    sysadmin = User.objects.get(username="sysadmin")

    with pytest.raises(PermissionDenied) as refused:
        services.user_set_password(actor=sysadmin, user=user, password=NEW)
    page = client_for("sysadmin").get(f"/manage/users/{user.pk}/").content.decode()

    assert "用户密码由安全管理员重置" in refused.value.message
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD) and not user.check_password(NEW)
    assert not AuditLog.objects.filter(action="user.password_reset").exists()
    assert "由安全管理员在“安全管理”页面重置" in page and 'name="password"' not in page
    assert client_for("sysadmin").post("/manage/security/password/", {
        "username": target, "password": NEW}).status_code == 403


@pytest.mark.parametrize("target", ["sysadmin", "auditor"])
def test_the_security_administrator_cannot_reset_an_administrator(demo, client_for, target):
    page = client_for("secadmin").post("/manage/security/password/", {
        "username": target, "password": NEW}, follow=True).content.decode()

    assert "管理员账号的密码只能由本人修改" in page
    assert User.objects.get(username=target).check_password(DEMO_PASSWORD)
    assert not AuditLog.objects.filter(action="user.password_reset").exists()


def test_a_reset_by_the_security_administrator_forces_a_change_at_next_login(demo, client_for):
    page = client_for("secadmin").post("/manage/security/password/", {
        "username": "county", "password": NEW}, follow=True).content.decode()
    assert "已重置账号“county”的密码" in page
    reset = AuditLog.objects.get(action="user.password_reset")
    assert reset.actor_username == "secadmin" and reset.new_values == {"must_change_password": True}

    county = login("county", NEW)
    for url in ("/", "/evaluation/", "/api/v1/evaluation/runs"):
        response = county.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/manage/password/"), url
    assert "首次登录或密码被重置后，须先修改密码" in county.get("/manage/password/").content.decode()

    wrong = county.post("/manage/password/", {"old_password": "nope", "password": "Bizenv#2027a",
                                              "password_again": "Bizenv#2027a"}).content.decode()
    assert "原密码不正确" in wrong
    done = county.post("/manage/password/", {"old_password": NEW, "password": "Bizenv#2027a",
                                             "password_again": "Bizenv#2027a"})
    assert done.status_code == 302
    assert county.get("/").status_code == 200
    user = User.objects.get(username="county")
    assert user.check_password("Bizenv#2027a") and not user.must_change_password
    change = AuditLog.objects.get(action="user.password_change")
    assert change.actor_username == "county" and change.old_values == {"must_change_password": True}


def test_an_administrator_changes_their_own_password(demo):
    client = login("auditor", DEMO_PASSWORD)

    response = client.post("/manage/password/", {"old_password": DEMO_PASSWORD, "password": NEW,
                                                 "password_again": NEW})

    assert response.status_code == 302 and User.objects.get(username="auditor").check_password(NEW)
