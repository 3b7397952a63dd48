"""红黑榜 release status machine: draft → reviewed → published → superseded (when a newer release of the same
system and period is published); a reviewed release may go back to draft."""

from __future__ import annotations

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.transitions import transition_check
from bizenv.evaluation.models import RedBlackList, ReleaseStatus

S = ReleaseStatus

RELEASE_TRANSITIONS: dict[ReleaseStatus, frozenset[ReleaseStatus]] = {
    S.DRAFT: frozenset({S.REVIEWED}),
    S.REVIEWED: frozenset({S.PUBLISHED, S.DRAFT}),
    S.PUBLISHED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}


def release_transition_check(release: RedBlackList, target: ReleaseStatus) -> None:
    """Raise unless the release may move from its status to `target`; a published release only gets superseded."""
    current = ReleaseStatus(release.status)
    if current == S.SUPERSEDED:
        raise ApplicationError(f"“{release.title}”已被替代（有新的发布），不能再变更。", code=ErrorCode.PUBLISHED_IMMUTABLE)
    if current == S.PUBLISHED and target != S.SUPERSEDED:
        raise ApplicationError(f"“{release.title}”已发布，已发布的红黑榜不能再变更。",
                               code=ErrorCode.PUBLISHED_IMMUTABLE)
    transition_check(table=RELEASE_TRANSITIONS, current=current, target=target, what=f"“{release.title}”")
