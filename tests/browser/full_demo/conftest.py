"""One full demo (``demo_build(scale="small")``) for every browser test in this package.

Building it takes about a minute, so it is built once, served by its own live server and flushed when the
package is done. The tests here only read (or compute without saving), so they can share it; they do not
use the ``django_db`` mark, whose flush after each test would empty the shared database.
"""

from dataclasses import dataclass

import pytest

from tests.browser.conftest import page_sessions


@dataclass(frozen=True)
class DemoSite:
    url: str
    summary: object


def _test_database_ensure() -> list:
    """Creates the test database when pytest-django set up none.

    pytest-django creates it only for sessions that hold a test marked ``django_db`` (or asking for ``db``);
    a run of these files alone holds none, and the demo would otherwise be built in the configured database.
    Returns what `teardown_databases` needs, or an empty list when the database was already there.
    """
    from django.db import connection
    from django.test.utils import setup_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        return []
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})


@pytest.fixture(scope="package")
def full_demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.core.management import call_command
    from django.test.utils import override_settings, teardown_databases
    from pytest_django.live_server_helper import LiveServer

    from bizenv.demo import demo_build

    with django_db_blocker.unblock(), override_settings(BIZENV_LAKE_DIR=tmp_path_factory.mktemp("lake")):
        created = _test_database_ensure()
        summary = demo_build(scale="small", progress=lambda _msg: None)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield DemoSite(url=server.url, summary=summary)
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            if created:
                teardown_databases(created, verbosity=0)


@pytest.fixture
def full_demo(full_demo_site, django_db_blocker):
    """The demo's summary; the test may read the database (the package's demo stays unblocked)."""
    return full_demo_site.summary


@pytest.fixture
def browser_session(chromium, full_demo_site):
    yield from page_sessions(chromium, full_demo_site.url)
