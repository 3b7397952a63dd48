"""The whole demo of 示范市, built step by step from each app's own idempotent demo builder."""

from __future__ import annotations

from collections.abc import Callable

from bizenv.organisations.demo import DemoSummary, build_demo


def demo_build(*, scale: str = "small", progress: Callable[[str], object] = print) -> DemoSummary:
    """Regions, accounts and indicator systems; raw records, metrics and a reporting round; benchmarks;
    an evaluation for every month and a published 红黑榜. Running it again changes nothing."""
    from bizenv.analysis.services import benchmarks_load_shipped
    from bizenv.datasets.demo_records import demo_collection_build
    from bizenv.evaluation.services import demo_evaluations_build

    summary = build_demo(scale=scale, progress=progress)
    summary.counts.update(demo_collection_build(scale=scale, progress=progress))
    progress("载入标杆城市最佳指标")
    benchmarks = benchmarks_load_shipped(actor=None)
    summary.counts["标杆值"] = sum(benchmarks.values())
    summary.counts.update(demo_evaluations_build(progress=progress))
    return summary
