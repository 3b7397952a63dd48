"""Peer groups: the same peer group first, else the nearest by standardised population and GDP."""

from __future__ import annotations

import pytest

from bizenv.analysis.peers import RegionProfile, find_peers
from bizenv.core.errors import ApplicationError

PROFILES = [
    RegionProfile("A", "东湖县", peer_group="平原", population=500_000, gdp=300),
    RegionProfile("B", "西山县", peer_group="山区", population=200_000, gdp=100),
    RegionProfile("C", "南河区", peer_group="平原", population=900_000, gdp=800),
    RegionProfile("D", "北岭县", peer_group="", population=520_000, gdp=310),
    RegionProfile("E", "新区", peer_group="平原", population=None, gdp=None),
    RegionProfile("F", "高新区", peer_group="", population=210_000, gdp=None),
]


@pytest.mark.parametrize(("region", "k", "method", "codes"), [
    ("A", 5, "peer_group", ["C", "E"]),  # same group; E has no attributes and comes last
    ("A", 1, "peer_group", ["C"]),
    ("B", 2, "nearest", ["F", "A"]),  # alone in its group: F is as small (population only), then A
    ("D", 3, "nearest", ["A", "C", "F"]),
])
def test_peers(region, k, method, codes):
    result = find_peers(PROFILES, region=region, k=k)
    assert result.method == method
    assert [p.code for p in result.peers] == codes


def test_nearest_peers_say_why():
    result = find_peers(PROFILES, region="D", k=1)
    assert "规模相近" in result.peers[0].reason and result.peers[0].distance < 0.2


def test_regions_without_attributes_are_never_near():
    result = find_peers(PROFILES, region="D", k=10)
    assert "E" not in [p.code for p in result.peers]


@pytest.mark.parametrize(("region", "k", "message"), [("Z", 3, "不在"), ("A", 0, "至少")])
def test_bad_arguments(region, k, message):
    with pytest.raises(ApplicationError, match=message):
        find_peers(PROFILES, region=region, k=k)
