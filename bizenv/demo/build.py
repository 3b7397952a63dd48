"""The whole demo of 示范市, step by step, each step idempotent: `bizenv demo` runs `demo_build`.

The foundation (`build_demo`: regions, departments, map layers, accounts, the shipped indicator systems) is
what most tests need; `demo_build` adds the collection (raw records, metrics, reporting), the benchmarks and
the evaluations. A new app adds its own module here and one step below.
"""

from __future__ import annotations

from collections.abc import Callable

from bizenv.demo.regions import DemoSummary, regions_build


def build_demo(*, scale: str = "small", progress: Callable[[str], object] = print) -> DemoSummary:
    """Regions, departments, map layers and accounts, then the shipped indicator systems. Safe to rerun."""
    from bizenv.indicators.models import IndicatorSystem
    from bizenv.indicators.services import indicator_systems_load_shipped

    summary = regions_build(scale=scale, progress=progress)
    progress("导入并发布内置指标体系")
    versions = indicator_systems_load_shipped(actor=None)
    progress(f"指标体系已就绪：{len(versions)} 个版本")
    summary.counts["指标体系"] = IndicatorSystem.objects.count()
    return summary


def demo_build(*, scale: str = "small", progress: Callable[[str], object] = print) -> DemoSummary:
    """The foundation; raw records, metrics and a reporting round; benchmarks; an evaluation for every month
    and a published 红黑榜. Running it again changes nothing."""
    from bizenv.analysis.services import benchmarks_load_shipped
    from bizenv.demo.evaluations import demo_evaluations_build
    from bizenv.demo.records import demo_collection_build

    summary = build_demo(scale=scale, progress=progress)
    summary.counts.update(demo_collection_build(scale=scale, progress=progress))
    progress("载入标杆城市最佳指标")
    benchmarks = benchmarks_load_shipped(actor=None)
    summary.counts["标杆值"] = sum(benchmarks.values())
    summary.counts.update(demo_evaluations_build(progress=progress))
    return summary
