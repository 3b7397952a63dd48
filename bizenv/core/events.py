"""Platform events that other apps follow (registered from their AppConfig.ready), run after commit.

A lower app announces that something happened — a metric run wrote values, an evaluation was saved, reported
values were approved — without knowing who cares; a higher app (monitoring) subscribes. Handlers run only
once the announcing transaction commits (never for a rolled-back change), take plain values, and must be safe
to run twice. Not Django signals: the names are declared here and every subscriber is explicit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from django.db import transaction

log = logging.getLogger(__name__)


class Event(StrEnum):
    METRICS_COMPUTED = "metrics.computed"  # period=…  (observations written by a metric run)
    EVALUATION_SAVED = "evaluation.saved"  # period=…
    OBSERVATIONS_APPROVED = "observations.approved"  # periods=[…]
    WARNINGS_CHECKED = "warnings.checked"  # periods=[…]  (a monitoring run brought the warnings up to date)


_handlers: dict[Event, dict[str, Callable[..., None]]] = {}


def event_subscribe(event: Event, name: str, handler: Callable[..., None]) -> None:
    """Add (or replace, by name) a handler of `event`."""
    _handlers.setdefault(Event(event), {})[name] = handler


def event_emit(event: Event, **payload) -> None:
    """Call every handler of `event` with `payload` after the current transaction commits (at once outside
    one). A failing handler is logged and does not stop the others."""
    for name, handler in list(_handlers.get(Event(event), {}).items()):
        def call(handler=handler, name=name) -> None:
            try:
                handler(**payload)
            except Exception:  # noqa: BLE001 — a follower must not break the announcing action
                log.exception("事件 %s 的处理程序 %s 失败", event, name)

        transaction.on_commit(call)
