"""Suite-wide test settings and fixtures."""

import os

import pytest
from django.test import Client

# The suite's "today": the demo's 36 months end with 2026-11 and reporting deadlines are judged on this
# date, whatever day the suite runs (subprocesses read the same date from the environment).
SUITE_TODAY = "2026-12-03"
os.environ["BIZENV_TODAY"] = SUITE_TODAY


def pytest_configure(config):
    from django.conf import settings

    settings.BIZENV_TODAY = SUITE_TODAY

    # Real argon2 hashes, at a cost that lets every test create its own accounts.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher",
                                 *[h for h in settings.PASSWORD_HASHERS if "Argon2" not in h]]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached reports and computations of one test's data never reach
    another test that happens to build equal data."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def client_for(db):
    """A logged-in test client for a given user (apps may override with their own flavour)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
