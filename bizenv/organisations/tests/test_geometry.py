import json
from collections import Counter

import pytest

from bizenv.organisations.geometry import (
    Place,
    geometry_area,
    geometry_bounds,
    geometry_polygons,
    map_check,
    map_normalise,
    partition_geojson,
    point_in_geometry,
    ring_signed_area,
)

PLACES = [
    Place("990102", "东城区", 186),
    Place("990103", "西城区", 205),
    Place("990104", "南湖区", 313),
    Place("990121", "北山县", 1386),
    Place("990122", "青溪县", 947),
    Place("990123", "云岭县", 1653),
    Place("990124", "白马县", 1218),
    Place("990125", "石桥县", 862),
    Place("990181", "临江市", 736),
    Place("990171", "高新技术产业开发区", 59),
    Place("990172", "经济技术开发区", 72),
    Place("990126", "松林县", 1035),
]


def _rings(feature):
    return [ring for polygon in geometry_polygons(feature["geometry"]) for ring in polygon]


def _segments_cross(a, b, c, d) -> bool:
    def orient(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (orient(a, b, c) * orient(a, b, d) < 0) and (orient(c, d, a) * orient(c, d, b) < 0)


@pytest.mark.parametrize("seed,count", [("990100", 12), ("990200", 5), ("abc", 3), ("x", 1)])
def test_every_ring_is_closed_simple_and_correctly_oriented(seed, count):
    collection = partition_geojson(PLACES[:count], seed=seed)
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in collection["features"]] == [p.code for p in PLACES[:count]]
    for feature in collection["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        for polygon in geometry_polygons(feature["geometry"]):
            assert ring_signed_area(polygon[0]) > 0, "exterior rings run counter-clockwise (RFC 7946)"
            assert all(ring_signed_area(hole) < 0 for hole in polygon[1:])
        for ring in _rings(feature):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            points = ring[:-1]
            assert len(set(map(tuple, points))) == len(points), "a ring never visits a vertex twice"
            edges = list(zip(ring, ring[1:], strict=False))
            for i, (a, b) in enumerate(edges):
                for c, d in edges[i + 2 :]:
                    assert not _segments_cross(a, b, c, d)


def test_features_tile_the_outline_without_gaps_or_overlaps():
    collection = partition_geojson(PLACES, seed="990100")
    features = collection["features"]
    # Every inner border is walked once in each direction; what is left is the outline.
    edges = Counter()
    for feature in features:
        for ring in _rings(feature):
            for a, b in zip(ring, ring[1:], strict=False):
                edges[(tuple(a), tuple(b))] += 1
    outline = {e for e in edges if (e[1], e[0]) not in edges}
    inner = [e for e in edges if (e[1], e[0]) in edges]
    assert all(edges[e] == 1 for e in edges), "no border is drawn twice in the same direction"
    assert inner, "neighbouring regions share borders"
    # The outline edges form exactly one closed ring (no holes, no islands).
    following = dict(outline)
    assert len(following) == len(outline)
    start = next(iter(following))
    ring, current = [start], following[start]
    while current != start:
        ring.append(current)
        current = following[current]
    assert len(ring) == len(outline)
    outline_area = ring_signed_area([*ring, ring[0]])
    total = sum(geometry_area(f["geometry"]) for f in features)
    assert total == pytest.approx(outline_area, rel=1e-9)
    # Sampled points fall into at most one region.
    west, south, east, north = geometry_bounds([f["geometry"] for f in features])
    hits = Counter()
    steps = 60
    for i in range(steps):
        for j in range(steps):
            point = (west + (i + 0.37) * (east - west) / steps, south + (j + 0.61) * (north - south) / steps)
            hits[sum(point_in_geometry(point, f["geometry"]) for f in features)] += 1
    assert set(hits) <= {0, 1}
    covered = hits[1] * (east - west) * (north - south) / steps**2
    assert covered == pytest.approx(total, rel=0.05)


def test_the_partition_is_deterministic_and_depends_on_the_seed():
    first = json.dumps(partition_geojson(PLACES, seed="990100"), sort_keys=True)
    again = json.dumps(partition_geojson(PLACES, seed="990100"), sort_keys=True)
    other = json.dumps(partition_geojson(PLACES, seed="990200"), sort_keys=True)
    assert first == again
    assert first != other


def test_larger_places_get_larger_areas():
    collection = partition_geojson(PLACES, seed="990100")
    area = {f["properties"]["code"]: geometry_area(f["geometry"]) for f in collection["features"]}
    assert area["990123"] > area["990102"] * 3  # 云岭县 is nine times the size of 东城区
    assert area["990121"] > area["990171"] * 5


CHILDREN = [("990102", "东城区"), ("990103", "西城区")]
SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def _feature(properties, geometry=None):
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or {"type": "Polygon", "coordinates": [SQUARE]},
    }


def test_an_upload_matched_by_name_or_code_is_accepted_and_normalised():
    data = {
        "type": "FeatureCollection",
        "features": [_feature({"name": "东城区"}), _feature({"code": 990103, "名称": "西城"})],
    }
    check = map_check(data, children=CHILDREN, parent_name="示范市")
    assert check.ok and check.missing == []
    normalised = map_normalise(data, check, children=CHILDREN)
    assert [f["properties"]["name"] for f in normalised["features"]] == ["东城区", "西城区"]
    assert [f["properties"]["code"] for f in normalised["features"]] == ["990102", "990103"]


@pytest.mark.parametrize(
    "data,expected",
    [
        ({"type": "Feature"}, "顶层 type 应为 FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "没有任何区域要素"),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"name": "东城区"}), _feature({"name": "南山区"})],
            },
            "第 2 个要素（features[1]）的 properties.name“南山区”与示范市的下级区域均不匹配",
        ),
        (
            {"type": "FeatureCollection", "features": [_feature({"name": "东城区"}), _feature({})]},
            "第 2 个要素（features[1]）的 properties 中既没有 name 也没有 code",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"name": "东城区"}, {"type": "Point", "coordinates": [1, 2]})],
            },
            "第 1 个要素（features[0]）的 geometry.type 为“Point”，应为 Polygon 或 MultiPolygon",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"name": "东城区"}, {"type": "Polygon", "coordinates": [SQUARE[:-1]]})],
            },
            "geometry.coordinates[0] 未闭合",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(
                        {"name": "东城区"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}
                    )
                ],
            },
            "至少需要 4 个坐标点",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(
                        {"name": "东城区"},
                        {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
                    )
                ],
            },
            "超出经纬度范围",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"code": "990102"}), _feature({"name": "东城区"})],
            },
            "第 2 个要素（features[1]）与第 1 个要素都对应“东城区”",
        ),
    ],
)
def test_upload_problems_name_the_feature_and_field_in_chinese(data, expected):
    check = map_check(data, children=CHILDREN, parent_name="示范市")
    assert not check.ok
    assert any(expected in problem for problem in check.problems), check.problems
