"""Warnings of the monitoring app as the dashboards read them, made directly (the rules that would raise them
are tested in bizenv/monitoring)."""

from __future__ import annotations

from bizenv.indicators.selectors import active_version
from bizenv.monitoring.models import Warning, WarningRule, WarningStatus


def make_warning(region, *, indicator_code: str = "starting_business.time.establishment",
                 indicator_name: str = "企业设立登记耗时", level1_code: str = "starting_business",
                 severity: str = "red", kind: str = "threshold", first_period: str = "2026-10",
                 last_period: str = "2026-10", explanation: str = "", status: str = WarningStatus.OPEN) -> Warning:
    """One warning of the published system for a region, with a rule of its kind and severity."""
    version = active_version()
    rule, _ = WarningRule.objects.get_or_create(
        system_version=version, code=f"{kind}-{severity}", defaults={"kind": kind, "severity": severity})
    return Warning.objects.create(
        rule=rule, system_version=version, region=region, indicator_code=indicator_code,
        indicator_name=indicator_name, level1_code=level1_code, kind=kind, severity=severity, status=status,
        first_period=first_period, last_period=last_period, value=12.0, reference=10.0,
        explanation=explanation or f"{region.name}“{indicator_name}”{last_period}超出预警线。")
