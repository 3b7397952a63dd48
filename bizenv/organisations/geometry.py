"""Map geometry as GeoJSON: fictional partitions for demonstrations, and checks of uploaded maps.

Pure functions over plain data; nothing here touches the ORM.

The fictional partition is built on a jittered square mesh: every cell of the mesh inside a rounded,
irregular outline is assigned to one child region (a noisy, area-balanced power diagram), and each
region's boundary is traced along mesh edges. Because neighbouring regions share the very same mesh
vertices, the polygons tile the outline exactly: no gaps, no overlaps, and the same input always gives
the same output.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

OUTSIDE = -1
_NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass(frozen=True)
class Place:
    """One child region to draw; `weight` is its relative area (e.g. km²)."""

    code: str
    name: str
    weight: float = 1.0


# ---------------------------------------------------------------------------------------------
# Generating a fictional partition
# ---------------------------------------------------------------------------------------------


def partition_geojson(
    places: Sequence[Place],
    *,
    seed: str,
    center: tuple[float, float] = (113.0, 28.0),
    radius: float = 0.6,
    resolution: int = 64,
) -> dict:
    """A FeatureCollection of non-overlapping polygons, one per place, tiling a rounded outline."""
    if not places:
        raise ValueError("places must not be empty")
    codes = [p.code for p in places]
    if len(set(codes)) != len(codes):
        raise ValueError("place codes must be unique")
    rng = random.Random(f"bizenv-map:{seed}")
    n = resolution
    labels = _outline_mask(rng, n)
    cells = [(i, j) for j in range(n) for i in range(n) if labels[j][i] != OUTSIDE]
    seeds, power = _balanced_seeds(rng, places, cells, n)
    _assign(rng, labels, cells, seeds, power, n)
    _tidy(labels, len(places), n)
    cells = [(i, j) for j in range(n) for i in range(n) if labels[j][i] != OUTSIDE]
    jitter = [
        [(rng.uniform(-0.28, 0.28), rng.uniform(-0.28, 0.28)) for _ in range(n + 1)] for _ in range(n + 1)
    ]

    def to_lonlat(vertex: tuple[int, int]) -> list[float]:
        i, j = vertex
        dx, dy = jitter[j][i]
        ux = -1.0 + (i + dx) * 2.0 / n
        uy = -1.0 + (j + dy) * 2.0 / n
        return [round(center[0] + ux * radius * 1.15, 6), round(center[1] + uy * radius, 6)]

    features = []
    for index, place in enumerate(places):
        region_cells = [(i, j) for (i, j) in cells if labels[j][i] == index]
        polygons = _trace_polygons(labels, index, n)
        coordinates = [[[to_lonlat(v) for v in ring] for ring in polygon] for polygon in polygons]
        geometry = (
            {"type": "Polygon", "coordinates": coordinates[0]}
            if len(coordinates) == 1
            else {"type": "MultiPolygon", "coordinates": coordinates}
        )
        ci = sum(c[0] for c in region_cells) / len(region_cells)
        cj = sum(c[1] for c in region_cells) / len(region_cells)
        anchor = min(region_cells, key=lambda c: (c[0] - ci) ** 2 + (c[1] - cj) ** 2)
        label_point = to_lonlat((anchor[0], anchor[1]))
        features.append(
            {
                "type": "Feature",
                "properties": {"name": place.name, "code": place.code, "cp": label_point},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _outline_mask(rng: random.Random, n: int) -> list[list[int]]:
    """Cells inside a rounded, irregular outline get 0, the rest OUTSIDE."""
    harmonics = [(k, rng.uniform(0.03, 0.07) / k**0.6, rng.uniform(0, 2 * math.pi)) for k in range(2, 7)]
    stretch = rng.uniform(0.85, 1.0)

    def boundary(theta: float) -> float:
        r = 1.0 + sum(a * math.sin(k * theta + phase) for k, a, phase in harmonics)
        return 0.82 * r

    mask = [[OUTSIDE] * n for _ in range(n)]
    for j in range(n):
        for i in range(n):
            x = -1.0 + (i + 0.5) * 2.0 / n
            y = (-1.0 + (j + 0.5) * 2.0 / n) / stretch
            if math.hypot(x, y) <= boundary(math.atan2(y, x)):
                mask[j][i] = 0
    return mask


def _cell_xy(cell: tuple[int, int], n: int) -> tuple[float, float]:
    return -1.0 + (cell[0] + 0.5) * 2.0 / n, -1.0 + (cell[1] + 0.5) * 2.0 / n


def _balanced_seeds(
    rng: random.Random, places: Sequence[Place], cells: list[tuple[int, int]], n: int
) -> tuple[list[tuple[float, float]], list[float]]:
    """Seed points and power weights whose cells have roughly the places' relative areas."""
    k = len(places)
    total_weight = sum(max(p.weight, 0.0) for p in places) or float(k)
    floor = 0.25 / k  # even a tiny development zone gets a visible share
    shares = [max(max(p.weight, 0.0) / total_weight, floor) for p in places]
    scale = sum(shares)
    targets = [s / scale * len(cells) for s in shares]
    # A sunflower spiral: the smallest places (urban districts, zones) start near the centre.
    order = sorted(range(k), key=lambda idx: (shares[idx], idx))
    golden = math.pi * (3 - math.sqrt(5))
    start_angle = rng.uniform(0, 2 * math.pi)
    seeds: list[tuple[float, float]] = [(0.0, 0.0)] * k
    for rank, idx in enumerate(order):
        r = 0.7 * math.sqrt((rank + 0.5) / k)
        a = start_angle + rank * golden + rng.uniform(-0.2, 0.2)
        seeds[idx] = (r * math.cos(a), r * math.sin(a))
    power = [0.0] * k
    xy = [_cell_xy(c, n) for c in cells]
    cell_area = 4.0 / (n * n)
    for _ in range(18):
        sums = [[0.0, 0.0, 0] for _ in range(k)]
        for x, y in xy:
            best = min(range(k), key=lambda s: (x - seeds[s][0]) ** 2 + (y - seeds[s][1]) ** 2 - power[s])
            acc = sums[best]
            acc[0] += x
            acc[1] += y
            acc[2] += 1
        for s in range(k):
            count = sums[s][2]
            if count:
                seeds[s] = (sums[s][0] / count, sums[s][1] / count)
            power[s] += 0.6 * (targets[s] - count) * cell_area / math.pi
        # Keep every seed inside its own cell, so no place can be swallowed by a neighbour.
        for s in range(k):
            for t in range(k):
                if s != t:
                    gap = (seeds[s][0] - seeds[t][0]) ** 2 + (seeds[s][1] - seeds[t][1]) ** 2
                    power[s] = min(power[s], power[t] + 0.9 * gap)
        low = min(power)
        power = [p - low for p in power]
    return seeds, power


def _assign(
    rng: random.Random,
    labels: list[list[int]],
    cells: list[tuple[int, int]],
    seeds: list[tuple[float, float]],
    power: list[float],
    n: int,
) -> None:
    """Nearest seed in power distance, with smooth noise so borders meander like real ones."""
    k = len(seeds)
    waves = [
        [(rng.uniform(3.0, 9.0), rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)) for _ in range(3)]
        for _ in range(k)
    ]
    amplitude = 0.06 / k**0.5
    for cell in cells:
        x, y = _cell_xy(cell, n)

        def distance(s: int, x=x, y=y) -> float:
            wobble = sum(math.sin(f * (x * math.cos(t) + y * math.sin(t)) + p) for f, t, p in waves[s])
            return (x - seeds[s][0]) ** 2 + (y - seeds[s][1]) ** 2 - power[s] + amplitude * wobble

        labels[cell[1]][cell[0]] = min(range(k), key=distance)
    present = {labels[j][i] for i, j in cells}
    for s in range(k):
        if s not in present:
            # A very small place lost all its cells to the noise: give it the block around its seed.
            ci, cj = min(
                cells,
                key=lambda c: (_cell_xy(c, n)[0] - seeds[s][0]) ** 2 + (_cell_xy(c, n)[1] - seeds[s][1]) ** 2,
            )
            for dj in (-1, 0, 1):
                for di in (-1, 0, 1):
                    if 0 <= ci + di < n and 0 <= cj + dj < n and labels[cj + dj][ci + di] != OUTSIDE:
                        labels[cj + dj][ci + di] = s


def _components(labels: list[list[int]], label: int, n: int) -> list[list[tuple[int, int]]]:
    seen: set[tuple[int, int]] = set()
    parts = []
    for j in range(n):
        for i in range(n):
            if labels[j][i] != label or (i, j) in seen:
                continue
            part = []
            queue = deque([(i, j)])
            seen.add((i, j))
            while queue:
                ci, cj = queue.popleft()
                part.append((ci, cj))
                for di, dj in _NEIGHBOURS:
                    ni, nj = ci + di, cj + dj
                    if 0 <= ni < n and 0 <= nj < n and labels[nj][ni] == label and (ni, nj) not in seen:
                        seen.add((ni, nj))
                        queue.append((ni, nj))
            parts.append(part)
    return parts


def _tidy(labels: list[list[int]], k: int, n: int) -> None:
    """One 4-connected piece per region and no two cells of a region touching only at a corner."""
    for _ in range(50):
        changed = False
        # The outline itself: keep its largest piece and fill anything enclosed.
        outside_parts = _components(labels, OUTSIDE, n)
        for part in outside_parts:
            if not any(i in (0, n - 1) or j in (0, n - 1) for i, j in part):
                for i, j in part:
                    labels[j][i] = _majority_neighbour(labels, i, j, n, exclude=OUTSIDE)
                changed = True
        for label in range(k):
            parts = sorted(_components(labels, label, n), key=len, reverse=True)
            for part in parts[1:]:
                for i, j in part:
                    labels[j][i] = _majority_neighbour(labels, i, j, n, exclude=label)
                changed = True
        for j in range(n - 1):
            for i in range(n - 1):
                bl, br, tl, tr = labels[j][i], labels[j][i + 1], labels[j + 1][i], labels[j + 1][i + 1]
                if bl == tr and br != bl and tl != bl:
                    # Give the corner-touching pair a shared side; never eat into OUTSIDE's diagonal.
                    if bl == OUTSIDE:
                        labels[j][i] = br
                    else:
                        labels[j][i + 1] = bl
                    changed = True
                elif br == tl and bl != br and tr != br:
                    if br == OUTSIDE:
                        labels[j][i + 1] = bl
                    else:
                        labels[j][i] = br
                    changed = True
        if not changed:
            return
    raise RuntimeError("map partition did not settle")  # pragma: no cover - never seen in practice


def _majority_neighbour(labels: list[list[int]], i: int, j: int, n: int, *, exclude: int) -> int:
    votes: Counter[int] = Counter()
    for di, dj in _NEIGHBOURS:
        ni, nj = i + di, j + dj
        if 0 <= ni < n and 0 <= nj < n and labels[nj][ni] != exclude:
            votes[labels[nj][ni]] += 1
    if not votes:
        return labels[j][i]
    return min(votes.items(), key=lambda kv: (-kv[1], kv[0] == OUTSIDE, kv[0]))[0]


def _trace_polygons(labels: list[list[int]], label: int, n: int) -> list[list[list[tuple[int, int]]]]:
    """Boundary rings of one label as polygons [exterior, holes…]; exteriors counter-clockwise."""

    def at(i: int, j: int) -> int:
        return labels[j][i] if 0 <= i < n and 0 <= j < n else OUTSIDE

    outgoing: dict[tuple[int, int], list[tuple[int, int]]] = {}
    owner: dict[tuple[tuple[int, int], tuple[int, int]], tuple[int, int]] = {}
    for j in range(n):
        for i in range(n):
            if labels[j][i] != label:
                continue
            # Counter-clockwise around the cell; an edge is kept where the neighbour differs.
            sides = (
                ((i, j), (i + 1, j), at(i, j - 1)),
                ((i + 1, j), (i + 1, j + 1), at(i + 1, j)),
                ((i + 1, j + 1), (i, j + 1), at(i, j + 1)),
                ((i, j + 1), (i, j), at(i - 1, j)),
            )
            for a, b, other in sides:
                if other != label:
                    outgoing.setdefault(a, []).append(b)
                    owner[(a, b)] = (i, j)
    rings: list[list[tuple[int, int]]] = []
    while outgoing:
        start = min(outgoing)
        ring = [start]
        prev = start
        current = outgoing[start].pop()
        if not outgoing[start]:
            del outgoing[start]
        while current != start:
            ring.append(current)
            choices = outgoing[current]
            heading = (current[0] - prev[0], current[1] - prev[1])
            left = (-heading[1], heading[0])
            nxt = next((c for c in choices if (c[0] - current[0], c[1] - current[1]) == left), choices[0])
            choices.remove(nxt)
            if not choices:
                del outgoing[current]
            prev, current = current, nxt
        ring.append(start)
        rings.append(ring)
    exteriors = [r for r in rings if ring_signed_area(r) > 0]
    holes = [r for r in rings if ring_signed_area(r) < 0]
    polygons = [[r] for r in exteriors]
    for hole in holes:
        probe = _probe_point(hole)
        for polygon in polygons:
            if _point_in_ring(probe, polygon[0]):
                polygon.append(hole)
                break
    return polygons


def _probe_point(hole: list[tuple[int, int]]) -> tuple[float, float]:
    # The midpoint of a hole edge nudged to its left lies in the region that surrounds the hole.
    (x0, y0), (x1, y1) = hole[0], hole[1]
    dx, dy = x1 - x0, y1 - y0
    return (x0 + x1) / 2 - dy * 0.25, (y0 + y1) / 2 + dx * 0.25


# ---------------------------------------------------------------------------------------------
# Measuring polygons
# ---------------------------------------------------------------------------------------------


def ring_signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Shoelace area; positive for counter-clockwise rings."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        total += x0 * y1 - x1 * y0
    if ring and tuple(ring[0]) != tuple(ring[-1]):
        (x0, y0), (x1, y1) = ring[-1], ring[0]
        total += x0 * y1 - x1 * y0
    return total / 2.0


def geometry_polygons(geometry: dict) -> list:
    """The polygons of a Polygon or MultiPolygon geometry as a list of ring lists."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def geometry_area(geometry: dict) -> float:
    """Planar area in coordinate units: exteriors minus holes."""
    area = 0.0
    for polygon in geometry_polygons(geometry):
        area += abs(ring_signed_area(polygon[0]))
        area -= sum(abs(ring_signed_area(hole)) for hole in polygon[1:])
    return area


def _point_in_ring(point: Sequence[float], ring: Sequence[Sequence[float]]) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def point_in_geometry(point: Sequence[float], geometry: dict) -> bool:
    """True when the point lies inside the (Multi)Polygon, outside its holes."""
    for polygon in geometry_polygons(geometry):
        if _point_in_ring(point, polygon[0]) and not any(_point_in_ring(point, h) for h in polygon[1:]):
            return True
    return False


def geometry_bounds(geometries: Sequence[dict]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) over all rings."""
    xs: list[float] = []
    ys: list[float] = []
    for geometry in geometries:
        for polygon in geometry_polygons(geometry):
            for ring in polygon:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
    return min(xs), min(ys), max(xs), max(ys)


# ---------------------------------------------------------------------------------------------
# Checking an uploaded map
# ---------------------------------------------------------------------------------------------


@dataclass
class MapCheck:
    """The outcome of checking an uploaded FeatureCollection against a region's children."""

    problems: list[str] = field(default_factory=list)
    matched: dict[int, str] = field(default_factory=dict)  # feature index -> child code
    missing: list[str] = field(default_factory=list)  # child names without a feature

    @property
    def ok(self) -> bool:
        return not self.problems


def _position_problem(position) -> str:
    if not isinstance(position, list | tuple) or len(position) < 2:
        return "坐标点应为 [经度, 纬度]"
    lon, lat = position[0], position[1]
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)
    ):
        return "坐标值应为数字"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"坐标 [{lon}, {lat}] 超出经纬度范围"
    return ""


def _geometry_problems(geometry) -> list[str]:
    if not isinstance(geometry, dict):
        return ["geometry 缺失或不是对象"]
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return [f"geometry.type 为“{kind}”，应为 Polygon 或 MultiPolygon"]
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return ["geometry.coordinates 缺失或为空"]
    polygons = [coordinates] if kind == "Polygon" else coordinates
    problems = []
    for p_index, polygon in enumerate(polygons):
        where = "geometry.coordinates" + (f"[{p_index}]" if kind == "MultiPolygon" else "")
        if not isinstance(polygon, list) or not polygon:
            problems.append(f"{where} 应为非空的环列表")
            continue
        for r_index, ring in enumerate(polygon):
            ring_where = f"{where}[{r_index}]"
            if not isinstance(ring, list) or len(ring) < 4:
                problems.append(f"{ring_where} 至少需要 4 个坐标点（首尾相同）")
                continue
            bad = next((msg for msg in map(_position_problem, ring) if msg), "")
            if bad:
                problems.append(f"{ring_where}：{bad}")
                continue
            if list(ring[0][:2]) != list(ring[-1][:2]):
                problems.append(f"{ring_where} 未闭合（首尾坐标不同）")
            elif ring_signed_area(ring) == 0:
                problems.append(f"{ring_where} 面积为零")
        if len(problems) >= 5:
            break
    return problems


def map_check(data, *, children: Sequence[tuple[str, str]], parent_name: str = "") -> MapCheck:
    """Check parsed GeoJSON: a FeatureCollection of polygons, each naming one of the (code, name) children."""
    check = MapCheck()
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        check.problems.append(f"GeoJSON 顶层 type 应为 FeatureCollection，实际为“{kind}”。")
        return check
    features = data.get("features")
    if not isinstance(features, list) or not features:
        check.problems.append("features 缺失或为空：文件中没有任何区域要素。")
        return check
    by_code = {code: code for code, _ in children}
    by_name = {name: code for code, name in children}
    names = dict(children)
    claimed: dict[str, int] = {}
    below = f"{parent_name}的下级区域" if parent_name else "下级区域"
    for index, feature in enumerate(features):
        label = f"第 {index + 1} 个要素（features[{index}]）"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            check.problems.append(f"{label}的 type 应为 Feature。")
            continue
        for msg in _geometry_problems(feature.get("geometry")):
            check.problems.append(f"{label}的 {msg}。")
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            check.problems.append(f"{label}缺少 properties，无法确定对应的区域（需要 name 或 code）。")
            continue
        code = str(properties.get("code", "") or "").strip()
        name = str(properties.get("name", "") or "").strip()
        if not code and not name:
            check.problems.append(f"{label}的 properties 中既没有 name 也没有 code。")
            continue
        matched = by_code.get(code) or by_name.get(name)
        if matched is None:
            shown = "、".join(f"properties.{k}“{v}”" for k, v in (("name", name), ("code", code)) if v)
            check.problems.append(f"{label}的 {shown}与{below}均不匹配。")
            continue
        if matched in claimed:
            check.problems.append(
                f"{label}与第 {claimed[matched] + 1} 个要素都对应“{names[matched]}”，同一区域只能出现一次。"
            )
            continue
        claimed[matched] = index
        check.matched[index] = matched
    check.missing = [name for code, name in children if code not in claimed]
    return check


def map_normalise(data: dict, check: MapCheck, *, children: Sequence[tuple[str, str]]) -> dict:
    """The checked document with each feature's properties set to the region's own name and code."""
    names = dict(children)
    features = []
    for index, feature in enumerate(data["features"]):
        code = check.matched[index]
        properties = dict(feature.get("properties") or {})
        properties.update({"name": names[code], "code": code})
        features.append({"type": "Feature", "properties": properties, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "features": features}
