"""Outlier flags (robust z-score against own history and peers) and the missing-data report."""

from __future__ import annotations

import math

import pytest

from bizenv.core.models import AuditLog
from bizenv.observations import services
from bizenv.observations.models import Observation
from bizenv.observations.quality import outlier_check, robust_z
from bizenv.organisations.services import region_create


@pytest.mark.parametrize("value,reference,expected", [
    (10.0, [10, 11, 9, 10, 12, 8], 0.0),
    (30.0, [10, 11, 9, 10, 12, 8], 0.6745 * 20 / 1.0),
    (5.0, [1, 2, 3], None),            # too few to judge
    (5.0, [5, 5, 5, 5], 0.0),
])
def test_robust_z(value, reference, expected):
    z = robust_z(value, reference)
    assert (z is None and expected is None) or z == pytest.approx(expected)


def test_robust_z_with_a_constant_reference_flags_any_difference():
    assert robust_z(6.0, [5, 5, 5, 5]) == math.inf
    assert outlier_check(6.0, history=[5, 5, 5, 5], peers=[]).is_outlier


def test_robust_z_falls_back_to_mean_deviation_when_mad_is_zero():
    z = robust_z(10.0, [5, 5, 5, 5, 9])
    assert z is not None and math.isfinite(z) and z > 3.5


def test_one_outlying_reference_value_does_not_hide_another():
    # a mean/SD z-score would be dragged by the 100 in the reference; the median/MAD one is not
    assert outlier_check(60.0, history=[10, 11, 9, 10, 100, 12], peers=[]).is_outlier


def test_flags_a_value_far_from_its_history_and_not_the_normal_ones(version, ind, counties, office):
    indicator = ind["starting.time"]
    for month, value in zip(range(3, 9), [5, 5.5, 4.8, 5.2, 5.1, 4.9], strict=True):
        for region in counties:
            services.observation_upsert(actor=office, system_version=version, indicator=indicator, region=region,
                                        period=f"2026-{month:02d}", value=value, source="report")
    for region, value in zip(counties, [5.0, 50.0, 5.3], strict=True):
        services.observation_upsert(actor=office, system_version=version, indicator=indicator, region=region,
                                    period="2026-09", value=value, source="report")

    result = services.observation_flag_outliers(actor=office, system_version=version, period="2026-09")

    assert result == {"period": "2026-09", "checked": 3, "flagged": 1, "changed": 3}
    flagged = Observation.objects.get(period="2026-09", is_outlier=True)
    assert flagged.region == counties[1] and flagged.outlier_score > 3.5
    audits = AuditLog.objects.count()
    again = services.observation_flag_outliers(actor=office, system_version=version, period="2026-09")
    assert again["changed"] == 0 and AuditLog.objects.count() == audits


def test_peers_are_the_peer_group_else_the_siblings(version, ind, city, office):
    indicator = ind["starting.online"]
    regions = [region_create(actor=None, code=f"99012{i}", name=f"县{i}", level="county", parent=city,
                             peer_group="平原" if i < 6 else "山区") for i in range(8)]
    values = [80, 82, 79, 81, 20, 80, 20, 22]
    for region, value in zip(regions, values, strict=True):
        services.observation_upsert(actor=office, system_version=version, indicator=indicator, region=region,
                                    period="2026-09", value=value, source="report")
    services.observation_flag_outliers(actor=office, system_version=version, period="2026-09")
    flagged = set(Observation.objects.filter(is_outlier=True).values_list("region__code", flat=True))
    # 县4 (20) is far from its plain peers; 县6 and 县7 have too few mountain peers to be judged
    assert flagged == {"990124"}


def test_only_the_office_flags(version, samr):
    from bizenv.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.observation_flag_outliers(actor=samr, system_version=version, period="2026-09")
