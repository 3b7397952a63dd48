"""Data stamps: each bump gives a new stamp, a rolled-back bump is never reused, a scope reads once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bizenv.core.data_versions import data_version, data_version_bump, data_version_scope
from bizenv.core.models import DataVersion

pytestmark = pytest.mark.django_db


def test_each_bump_gives_a_new_stamp_per_key():
    first = data_version(key="a")
    data_version_bump(key="a")
    second = data_version(key="a")
    data_version_bump(key="a")
    assert len({first, second, data_version(key="a")}) == 3
    assert data_version(key="b") == first  # other data untouched


def test_a_rolled_back_bump_is_not_given_again():
    data_version_bump(key="a")
    with pytest.raises(RuntimeError), transaction.atomic():
        data_version_bump(key="a")
        rolled_back = data_version(key="a")
        raise RuntimeError
    data_version_bump(key="a")
    assert data_version(key="a") != rolled_back


def test_a_scope_reads_each_stamp_once_and_forgets_it_on_a_bump():
    data_version_bump(key="a")
    with data_version_scope():
        with CaptureQueriesContext(connection) as reads:
            first = data_version(key="a")
            assert data_version(key="a") == first
        assert len([q for q in reads.captured_queries if "core_dataversion" in q["sql"]]) == 1
        DataVersion.objects.filter(key="a").update(token="elsewhere")  # another process's write
        assert data_version(key="a") == first
        data_version_bump(key="a")  # this request's write
        assert data_version(key="a") != first
    assert data_version(key="a") == data_version(key="a") != first


def test_the_middleware_gives_each_request_its_own_scope(rf):
    from bizenv.core.middleware import DataVersionMiddleware

    data_version_bump(key="a")
    seen = []

    def view(request):
        with CaptureQueriesContext(connection) as reads:
            seen.append((data_version(key="a"), data_version(key="a")))
        seen.append(len(reads.captured_queries))
        return None

    middleware = DataVersionMiddleware(view)
    middleware(rf.get("/"))
    data_version_bump(key="a")
    middleware(rf.get("/"))
    (first, first_again), one_read, (second, _), _ = seen
    assert first == first_again != second and one_read == 1
