"""Error pages read Chinese, in the platform's layout, whatever raised them."""

import pytest
from django.test import Client

from tests.conftest import make_world

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_a_chinese_page_not_djangos_english_one():
    world = make_world()
    response = world.client("office").get("/no-such-page/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "没有找到您要访问的页面或记录" in text and "返回首页" in text
    assert "Not Found" not in text and "The requested resource" not in text


def test_a_views_chinese_reason_is_shown_and_an_english_one_is_not():
    world = make_world()
    # the monitoring page of a warning that does not exist says so in its own words
    text = world.client("county").get("/monitoring/warnings/999999/").content.decode()
    assert "没有这条预警，或它不在您的查看范围内" in text


def test_an_expired_form_gets_a_chinese_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    text = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in text and "Forbidden" not in text
