"""The evaluation part of `bizenv demo`: every month with data evaluated, the latest month's 红黑榜 published,
and the previous month's drawn up by `office` and waiting for `reviewer`."""

from __future__ import annotations

from collections.abc import Callable

from bizenv.core.periods import Period
from bizenv.evaluation import selectors
from bizenv.evaluation.models import EvaluationRun, RedBlackList
from bizenv.evaluation.models import ReleaseStatus as S
from bizenv.evaluation.services import (
    evaluation_run_create,
    red_black_list_create,
    red_black_list_publish,
    red_black_list_review,
)


def demo_evaluations_build(*, progress: Callable[[str], object] = print,
                           system_code: str | None = None) -> dict[str, int]:
    """Evaluate every month with data for the active default system; publish a 红黑榜 for the latest. Idempotent."""
    from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, active_version

    version = active_version(system_code=system_code or DEFAULT_SYSTEM_CODE)
    if version is None:
        progress("没有已发布的默认指标体系，跳过评价")
        return {"评价计算": 0, "红黑榜": 0}
    periods = [p for p in selectors.evaluation_periods(system_version=version)
               if Period.parse(p).kind == "month"]
    runs = [evaluation_run_create(actor=None, system_version=version, period=p) for p in periods]
    progress(f"评价计算：{len(runs)} 个月")
    if not runs:
        return {"评价计算": 0, "红黑榜": 0}
    latest = runs[-1]
    release = RedBlackList.objects.filter(run=latest).order_by("-id").first()
    if release is None:
        release = red_black_list_create(actor=None, run=latest)
    if release.status == S.DRAFT:
        release = red_black_list_review(actor=None, release=release)
    if release.status == S.REVIEWED:
        release = red_black_list_publish(actor=None, release=release)
    progress(f"红黑榜：已发布“{release.title}”")
    waiting = _demo_draft_for_review(runs[-2]) if len(runs) > 1 else None
    if waiting is not None:
        progress(f"红黑榜：“{waiting.title}”由 office 编制，待 reviewer 审核")
    return {"评价计算": len(runs), "红黑榜": 1 + (waiting is not None)}


def _demo_draft_for_review(run: EvaluationRun) -> RedBlackList | None:
    """A draft drawn up by the demo's `office` account for the previous month, left for `reviewer` to review
    (a creator may not review their own release). None without that account."""
    from bizenv.organisations.models import User

    office = User.objects.filter(username="office").first()
    if office is None:
        return None
    release = RedBlackList.objects.filter(run=run).order_by("-id").first()
    if release is None:
        release = red_black_list_create(actor=office, run=run,
                                        note="演示：由营商办 office 编制，请以 reviewer 账号登录审核后发布。")
    return release


def demo_step(*, scale: str, progress) -> dict[str, int]:
    return demo_evaluations_build(progress=progress)
