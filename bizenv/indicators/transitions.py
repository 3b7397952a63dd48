"""Version status machine: a draft may change and be published; a published version never changes."""

from __future__ import annotations

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.indicators.models import SystemVersion, VersionStatus

VERSION_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset(),
}


def version_transition_check(version: SystemVersion, target: VersionStatus) -> None:
    """Raise unless `version` may move from its status to `target`."""
    current = VersionStatus(version.status)
    if target not in VERSION_TRANSITIONS[current]:
        raise ApplicationError(
            f"版本 {version.version} 当前为“{current.label}”，不能变为“{VersionStatus(target).label}”。",
            code=ErrorCode.INVALID_TRANSITION,
        )


def version_ensure_editable(version: SystemVersion) -> None:
    """Raise PUBLISHED_IMMUTABLE unless the version is a draft."""
    if version.status != VersionStatus.DRAFT:
        raise ApplicationError(
            f"版本 {version.version} 已发布，已发布的指标体系不能修改；如需调整，请基于它新建版本。",
            code=ErrorCode.PUBLISHED_IMMUTABLE,
        )
