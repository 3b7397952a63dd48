import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD, make_world

pytestmark = pytest.mark.django_db


def test_login_page_speaks_chinese_and_logs_in():
    make_world()
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert "营商环境数字化治理平台" in page and "账号" in page and "密码" in page
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "营商环境总览" in response.content.decode()


def test_wrong_password_gives_a_chinese_error():
    make_world()
    response = Client().post("/accounts/login/", {"username": "office", "password": "wrong-password"})
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password():
    make_world()
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "county", "password": "nope-nope"})
    response = client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "锁定 15 分钟" in response.content.decode()
    # Another account is not affected.
    ok = Client().post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert ok.status_code == 302


def test_passwords_are_hashed_with_argon2_and_sessions_expire_after_30_idle_minutes():
    world = make_world()
    assert world.users["office"].password.startswith("argon2")
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.django_db
def test_an_htmx_request_after_the_session_expired_sends_the_whole_page_to_the_login():
    # e.g. the cockpit's periodic refresh: the login page must not be swapped into the screen.
    response = Client().get("/cockpit/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/cockpit/")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/cockpit/"
