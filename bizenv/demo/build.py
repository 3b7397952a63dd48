"""The whole demo of 示范市, step by step, each step idempotent: `bizenv demo` runs `demo_build`.

The foundation (`build_demo`: regions, departments, map layers, accounts, the shipped indicator systems) is
what most tests need; `demo_build` adds each app's steps. A new app writes `bizenv/demo/<app>.py` with a
`demo_step(*, scale, progress) -> dict` and names it in its AppConfig's `demo_steps`.
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
    """The foundation, then every app's demo steps (the `demo_steps` of its AppConfig, in the order of
    bizenv.PLATFORM_APPS): raw records, metrics and reporting; evaluations and a published 红黑榜; benchmarks.
    Each step takes (scale=, progress=) and returns counts for the summary. Running it again changes nothing."""
    import importlib

    from django.apps import apps

    summary = build_demo(scale=scale, progress=progress)
    for config in apps.get_app_configs():
        for step in getattr(config, "demo_steps", ()):
            module, _, name = step.rpartition(".")
            summary.counts.update(getattr(importlib.import_module(module), name)(scale=scale, progress=progress))
    return summary
