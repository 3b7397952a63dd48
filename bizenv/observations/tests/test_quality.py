"""Outlier flags (robust z-score against own history and peers) and the missing-data report."""

from __future__ import annotations

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
    (6.0, [5, 5, 5, 5], 1 / 0.5),      # flat series: the spread is floored at 10 % of the level
])
def test_robust_z(value, reference, expected):
    z = robust_z(value, reference)
    assert (z is None and expected is None) or z == pytest.approx(expected)


@pytest.mark.parametrize("value,history,direction,flagged", [
    # integer and flat series: MAD 0 must not turn a one-unit change into a flag
    (5, [4, 4, 4, 4, 4, 4], "lower_better", False),
    (5, [4, 4, 4, 5, 4, 4], "", False),
    (8, [4, 4, 4, 4, 4, 4], "lower_better", True),
    (10.5, [10, 10, 10, 10, 10.01, 10], "", False),
    (97.0, [99.0, 99.0, 99.0, 99.0, 99.0], "higher_better", False),
    # a value better than usual is not suspicious for the ranking
    (1.0, [10, 11, 9, 10, 12, 8], "lower_better", False),
    (30.0, [10, 11, 9, 10, 12, 8], "lower_better", True),
    (100.0, [60, 62, 59, 61, 60], "higher_better", False),
    (20.0, [80, 82, 79, 81, 80], "higher_better", True),
    # without a direction both sides count
    (1.0, [10, 11, 9, 10, 12, 8], "", True),
    (60.0, [10, 11, 9, 10, 100, 12], "", True),   # one outlying reference value does not hide another
])
def test_outlier_flags(value, history, direction, flagged):
    assert outlier_check(value, history=history, peers=[], direction=direction).is_outlier is flagged


def test_the_range_floor_keeps_small_moves_near_zero_quiet():
    # a rate near 0 %: 10 % of the level is nothing, 3 % of the 0-100 scoring range is 3 points
    assert not outlier_check(9.0, history=[0, 0, 0, 0.1, 0], peers=[], scale_range=100).is_outlier
    assert outlier_check(12.0, history=[0, 0, 0, 0.1, 0], peers=[], scale_range=100).is_outlier


def test_each_flag_is_explained_in_chinese():
    check = outlier_check(30.0, history=[10, 11, 9, 10, 12, 8], peers=[10, 10, 11, 9], direction="lower_better")
    text = check.explanation(unit="工作日")
    assert text.startswith("数值 30工作日") and "本区域此前 6 期" in text and "通常范围" in text
    assert "高出上限" in text and "越低越好" in text and "同类区域本期 4 个值" in text
    assert outlier_check(10.0, history=[10, 11, 9, 10], peers=[]).explanation() == ""


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

    flags = result.pop("flags")
    assert result == {"period": "2026-09", "checked": 3, "flagged": 1, "changed": 3}
    assert [f["region"] for f in flags] == ["西山县"] and "数值 50工作日" in flags[0]["explanation"]
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
