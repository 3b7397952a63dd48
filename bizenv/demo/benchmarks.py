"""The benchmark part of `bizenv demo`: the shipped best values of advanced cities (seed 002)."""

from __future__ import annotations


def demo_step(*, scale: str, progress) -> dict[str, int]:
    from bizenv.analysis.services import benchmarks_load_shipped

    progress("载入标杆城市最佳指标")
    return {"标杆值": sum(benchmarks_load_shipped(actor=None).values())}
