"""Reads of indicator systems and their trees."""

from __future__ import annotations

from django.conf import settings

from bizenv.indicators.models import Indicator, SystemVersion, VersionStatus

DEFAULT_SYSTEM_CODE = getattr(settings, "BIZENV_DEFAULT_SYSTEM", "BIZENV-CN")


def active_version(*, system_code: str = DEFAULT_SYSTEM_CODE) -> SystemVersion | None:
    """The most recently published version of a system (what pages and evaluations use)."""
    return (
        SystemVersion.objects.filter(system__code=system_code, status=VersionStatus.PUBLISHED)
        .select_related("system")
        .order_by("-published_at", "-id")
        .first()
    )


def topic_list(*, system_code: str = DEFAULT_SYSTEM_CODE) -> list[Indicator]:
    """First-level indicators of the active system, in order: one topic page each."""
    version = active_version(system_code=system_code)
    if version is None:
        return []
    return list(version.indicators.filter(level=1).order_by("sort_order", "id"))
