"""Issue 17, found on trial: bad requests are answered in Chinese (JSON under /api/), and the API schema and
its documentation page need a login and load nothing from a CDN."""

import io
import re
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import PASSWORD, make_world

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
TOO_BIG = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)


def _no_english_error(text: str) -> None:
    for phrase in ("Not Found", "Bad Request", "Cannot parse", "CSRF check", "Forbidden", "too short",
                   "Request body exceeded", "This password"):
        assert phrase not in text


# --- a request body over DATA_UPLOAD_MAX_MEMORY_SIZE ---------------------------------------------------

def test_a_page_post_over_the_size_limit_gets_a_chinese_413_page():
    client = make_world().client("office")
    response = client.post("/accounts/login/", {"note": TOO_BIG})
    text = response.content.decode()
    assert response.status_code == 413
    assert "提交的内容过大" in text and "2.5 MB" in text
    _no_english_error(text)


def test_a_page_post_over_the_size_limit_is_chinese_with_csrf_checks_on():
    # in production the CSRF middleware is what reads the oversized form first
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "x", "note": TOO_BIG,
                                                "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_an_api_post_over_the_size_limit_gets_chinese_json(content_type):
    client = make_world().client("office")
    body = '{"note": "' + TOO_BIG + '"}' if content_type == "application/json" else "note=" + TOO_BIG
    response = client.post("/api/v1/analysis/whatif", body, content_type=content_type)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["code"] == "request_too_large" and "2.5 MB" in data["detail"]


# --- malformed JSON and CSRF on the API -----------------------------------------------------------------

@pytest.mark.parametrize("debug", [False, True])
def test_malformed_json_gets_a_chinese_400(debug):
    client = make_world().client("office")
    with override_settings(DEBUG=debug):
        response = client.post("/api/v1/analysis/whatif", '{"region": ', content_type="application/json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid_json" and "JSON" in data["detail"] and CJK.search(data["detail"])
    _no_english_error(response.content.decode())


def test_an_api_post_without_csrf_token_gets_a_chinese_403():
    world = make_world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["office"])
    response = client.post("/api/v1/analysis/whatif", "{}", content_type="application/json")
    assert response.status_code == 403
    data = response.json()
    assert data["code"] == "csrf_failed" and "CSRF" in data["detail"] and CJK.search(data["detail"])
    _no_english_error(response.content.decode())


def test_an_api_post_with_the_csrf_token_passes_the_check():
    world = make_world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["office"])
    client.get("/api/v1/docs")  # the page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/analysis/whatif", "{}", content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code != 403


# --- unknown addresses ------------------------------------------------------------------------------------

@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint", "/api/v1/analysis/nothing/", "/api/v1/"])
def test_an_unknown_api_address_gets_chinese_json(path, debug):
    client = make_world().client("office")
    with override_settings(DEBUG=debug):
        response = client.get(path)
    assert response.status_code == 404
    data = response.json()
    assert data["code"] == "not_found" and CJK.search(data["detail"])
    _no_english_error(response.content.decode())


def test_an_unknown_api_address_is_json_for_anonymous_callers_too():
    response = Client().post("/api/v1/no-such-endpoint", "{}", content_type="application/json")
    assert response.status_code == 404 and CJK.search(response.json()["detail"])


@override_settings(DEBUG=False)
def test_an_unknown_page_is_still_a_chinese_page_with_debug_off():
    response = make_world().client("office").get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "没有找到您要访问的页面或记录" in response.content.decode()


def test_an_api_404_from_an_endpoint_stays_chinese():
    response = make_world().client("office").get("/api/v1/monitoring/warnings/999999")
    assert response.status_code == 404 and CJK.search(response.json()["detail"])


# --- passwords ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password, expected", [
    ("Ab1!", "密码太短，至少需要 8 个字符"),
    ("password", "这个密码太常见"),
    ("1234567890123", "密码不能全部是数字"),
])
def test_the_password_validators_speak_chinese(password, expected):
    from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert any(expected in m for m in caught.value.messages)
    assert all(CJK.search(m) for m in caught.value.messages)
    assert all(CJK.search(t) for t in password_validators_help_texts())


def test_the_password_change_form_refuses_a_short_password_in_chinese():
    client = make_world().client("office")
    response = client.post(reverse("organisations:password_change"), {
        "old_password": PASSWORD, "password": "Ab1!", "password_again": "Ab1!"})
    text = response.content.decode()
    assert response.status_code == 400  # the form again, with the reason
    assert "密码太短，至少需要 8 个字符" in text
    _no_english_error(text)


def test_admins_set_password_refuses_a_short_password_in_chinese(monkeypatch, capsys):
    from bizenv.organisations import commands

    world = make_world()
    monkeypatch.setattr(sys, "stdin", io.StringIO("Ab1!\n"))
    monkeypatch.setattr(commands, "migrate", lambda: None)
    args = type("Args", (), {"username": world.users["office"].username})()
    assert commands.cmd_set_password(args, setup=lambda: None) == 1
    err = capsys.readouterr().err
    assert "密码太短，至少需要 8 个字符" in err
    _no_english_error(err)


# --- the schema and the documentation page ---------------------------------------------------------------

def test_the_openapi_schema_needs_a_login():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert "openapi" not in response.content.decode()


def test_the_docs_page_sends_anonymous_visitors_to_the_login_page():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/v1/docs")


def test_signed_in_users_get_the_schema():
    response = make_world().client("office").get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.")


def test_the_docs_page_loads_swagger_ui_from_the_apps_own_static_files():
    client = make_world().client("office")
    response = client.get("/api/v1/docs")
    text = response.content.decode()
    assert response.status_code == 200
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', text) + re.findall(r'<link[^>]*\bhref="([^"]+)"', text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/vendor/swagger-ui/swagger-ui.css" in sources
    for src in sources:
        assert src.startswith("/static/"), src
        assert "cdn" not in src and "http" not in src
    assert "cdn" not in text.lower() and "https://" not in text and "http://" not in text
    # no inline script: the CSP (script-src 'self') would block it
    assert re.findall(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", text) == []
    assert "/api/v1/openapi.json" in text
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "cdn" not in csp
    for src in sources:
        asset = client.get(src)
        assert asset.status_code == 200, src
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert len(body) > 100
    bundle = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in b"".join(bundle.streaming_content)
