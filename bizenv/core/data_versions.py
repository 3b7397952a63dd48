"""Change stamps of data (core.DataVersion): bumped by every write, read by caches of computations over it.

A cache keyed by `data_version(key=...)` is refreshed by the next write of that data, whichever process
makes it: the stamp lives in the database, in the writer's transaction. Inside a request the stamp is read
once (`data_version_scope`, opened by core.middleware.DataVersionMiddleware); a bump in the same request
forgets what was read.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bizenv.core.models import DataVersion

OBSERVATIONS = "observations"

_scope: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("data_version_scope", default=None)


def data_version(*, key: str = OBSERVATIONS) -> str:
    """The current stamp of the data `key` ("0:" before its first write); read once per open scope."""
    memo = _scope.get()
    if memo is not None and key in memo:
        return memo[key]
    row = DataVersion.objects.filter(key=key).values_list("value", "token").first()
    stamp = f"{row[0]}:{row[1]}" if row else "0:"
    if memo is not None:
        memo[key] = stamp
    return stamp


def data_version_bump(*, key: str = OBSERVATIONS) -> None:
    """Record that the data `key` changed, in the caller's transaction (call it with every write)."""
    changes = {"value": F("value") + 1, "token": uuid.uuid4().hex, "changed_at": timezone.now()}
    if not DataVersion.objects.filter(key=key).update(**changes):
        try:
            with transaction.atomic():
                DataVersion.objects.create(key=key, value=1, token=changes["token"], changed_at=changes["changed_at"])
        except IntegrityError:  # another transaction created it first
            DataVersion.objects.filter(key=key).update(**changes)
    memo = _scope.get()
    if memo is not None:
        memo.pop(key, None)


@contextlib.contextmanager
def data_version_scope() -> Iterator[None]:
    """Within the block, each stamp is read from the database at most once (until a bump)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)
