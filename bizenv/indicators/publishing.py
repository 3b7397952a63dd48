"""Steps other apps add to publishing a version (registered from their AppConfig.ready).

Publishing belongs to the indicators app, but what a new version means for data collected under the old
one belongs to the apps holding that data: each registers a preview (shown before publishing) and an
action (run inside the publishing transaction). Both return a report with `.lines()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bizenv.indicators.models import SystemVersion


@dataclass(frozen=True)
class PublishStep:
    name: str
    preview: Callable[[SystemVersion], Any]
    apply: Callable[..., Any]  # apply(actor=..., target=...)
    template: str  # the partial that shows the preview on the publish page (context: `report`)


_steps: dict[str, PublishStep] = {}


def publish_step_register(step: PublishStep) -> None:
    """Add (or replace, by name) a step of publishing."""
    _steps[step.name] = step


def publish_steps() -> list[PublishStep]:
    return list(_steps.values())
