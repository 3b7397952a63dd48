import pytest
from django.test import Client

from bizenv.demo import build_demo
from bizenv.organisations.models import User


@pytest.fixture
def fast_passwords(settings):
    # Argon2 is the production hasher; these tests create many accounts and only need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, fast_passwords):
    return build_demo(progress=lambda message: None)


@pytest.fixture
def client_for(db):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make
