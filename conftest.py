"""Suite-wide test settings and fixtures."""

import pytest
from django.test import Client


def pytest_configure(config):
    from django.conf import settings

    # Real argon2 hashes, at a cost that lets every test create its own accounts.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher",
                                 *[h for h in settings.PASSWORD_HASHERS if "Argon2" not in h]]


@pytest.fixture
def client_for(db):
    """A logged-in test client for a given user (apps may override with their own flavour)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
