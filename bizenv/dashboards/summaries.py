"""Pure summaries behind the home page, the cockpit and the topic pages: the period menu, trend lines,
averages, KPI figures, score changes, and the active warnings of the monitoring app grouped per region."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.monitoring.specs import RULE_KIND_LABELS, SEVERITY_LABELS, SEVERITY_ORDER


@dataclass(frozen=True)
class ScorePoint:
    """One region's composite in one period, as an evaluation run stored it."""

    period: str
    region_code: str
    region_name: str
    score: float | None
    rank: int | None = None
    completeness: float | None = None


@dataclass(frozen=True)
class MenuYear:
    year: int
    periods: tuple[tuple[str, str], ...]  # (period, short label such as "10月"), oldest first


def _short_label(period: Period) -> str:
    return period.label.removeprefix(f"{period.year}年") or "全年"


def period_menu(available: Sequence[str]) -> list[MenuYear]:
    """The evaluated periods grouped by year, newest year first (for the year and month selectors)."""
    by_year: dict[int, list[Period]] = {}
    for text in available:
        period = Period.parse(text)
        by_year.setdefault(period.year, []).append(period)
    return [MenuYear(year=y, periods=tuple((str(p), _short_label(p)) for p in sorted(by_year[y])))
            for y in sorted(by_year, reverse=True)]


def period_asked(*, period: str = "", year: str = "", month: str = "") -> str:
    """The period a request asks for (?period= or ?year=&month=), normalised; "" when none or unreadable."""
    try:
        if period:
            return str(Period.parse(period))
        if year and month:
            return str(Period.parse(f"{int(year):04d}-{int(month):02d}"))
    except (ValueError, ApplicationError):
        pass
    return ""


def period_choice(available: Sequence[str], *, period: str = "", year: str = "", month: str = "") -> str | None:
    """The period to show: the one asked for if it was evaluated, else the latest of the asked year, else the
    latest evaluated period (None when nothing was evaluated). `year`/`month` come from the two selectors."""
    if not available:
        return None
    ordered = sorted(available, key=Period.parse)
    wanted = period_asked(period=period, year=year, month=month)
    if wanted in ordered:
        return wanted
    asked_year = year or (wanted[:4] if wanted else "")
    same_year = [p for p in ordered if asked_year and p.startswith(str(asked_year))]
    return (same_year or ordered)[-1]


def previous_of(period: str, available: Sequence[str]) -> str | None:
    """The period just before `period` if it was evaluated (the comparison for 环比 warnings)."""
    before = str(Period.parse(period).previous())
    return before if before in set(available) else None


def history_periods(period: str, available: Sequence[str], count: int = 24) -> list[str]:
    """Up to `count` evaluated periods of the same kind ending with `period`, oldest first."""
    end = Period.parse(period)
    same = sorted(p for p in map(Period.parse, available) if p.kind == end.kind and p <= end)
    return [str(p) for p in same[-count:]]


def mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


@dataclass(frozen=True)
class TrendLine:
    name: str
    values: tuple[float | None, ...]


def trend_lines(points: Sequence[ScorePoint], periods: Sequence[str], *, own: str | None = None,
                own_name: str = "") -> list[TrendLine]:
    """Composite over the periods: the own region's line, or for a city the mean, the best and the worst."""
    by_period: dict[str, dict[str, float]] = {p: {} for p in periods}
    for point in points:
        if point.period in by_period and point.score is not None:
            by_period[point.period][point.region_code] = point.score

    def line(name, pick) -> TrendLine:
        return TrendLine(name, tuple(None if pick(by_period[p]) is None else round(pick(by_period[p]), 2)
                                     for p in periods))

    if own is not None:
        return [line(own_name or own, lambda scores: scores.get(own))]
    return [line("全市平均", lambda s: mean(list(s.values()))),
            line("最高", lambda s: max(s.values()) if s else None),
            line("最低", lambda s: min(s.values()) if s else None)]


@dataclass(frozen=True)
class IndicatorAverage:
    code: str
    name: str
    score: float | None  # mean over the regions that have a score
    regions: int  # how many regions have a score


def indicator_averages(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[float | None]],
                       *, skip: Sequence[str] = ()) -> list[IndicatorAverage]:
    """The mean score of each column (first-level indicator) over the rows (regions), in column order."""
    out = []
    for index, (code, name) in enumerate(columns):
        if code in skip:
            continue
        values = [row[index] for row in rows if index < len(row) and row[index] is not None]
        out.append(IndicatorAverage(code=code, name=name, score=round(mean(values), 2) if values else None,
                                    regions=len(values)))
    return out


@dataclass(frozen=True)
class CityFigures:
    composite: float | None  # the city's own score when it was evaluated, else the mean of its regions
    composite_is_mean: bool
    regions_evaluated: int
    completeness: float | None  # mean data completeness (0–1) of the composite over the regions
    best: ScorePoint | None
    worst: ScorePoint | None


def city_figures(members: Sequence[ScorePoint], *, city_score: float | None = None) -> CityFigures:
    """KPI figures of one period from the ranked regions' composite scores."""
    scored = [m for m in members if m.score is not None]
    composite = city_score if city_score is not None else mean([m.score for m in scored])
    return CityFigures(
        composite=round(composite, 2) if composite is not None else None,
        composite_is_mean=city_score is None,
        regions_evaluated=len(scored),
        completeness=mean([m.completeness for m in members]),
        best=max(scored, key=lambda m: m.score) if scored else None,
        worst=min(scored, key=lambda m: m.score) if scored else None,
    )


def score_changes(current: Mapping[str, float | None], previous: Mapping[str, float | None]) -> dict[str, float]:
    """{region code: current − previous} for regions scored in both periods."""
    return {code: now - previous[code] for code, now in current.items()
            if now is not None and previous.get(code) is not None}


def list_counts(entries: Sequence[Mapping], *, indicator: str = "TOTAL") -> dict[str, int]:
    """How many regions a release puts on its red and its black list for one scope."""
    counts = {"red": 0, "black": 0}
    for entry in entries:
        if entry.get("indicator") == indicator and entry.get("list") in counts:
            counts[entry["list"]] += 1
    return counts


def _rings(geometry: Mapping) -> list[list]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]] if geometry.get("coordinates") else []
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry.get("coordinates", []) if polygon]
    return []


def feature_centres(geojson: Mapping) -> dict[str, list[float]]:
    """{region code: [lng, lat]} where a marker goes: the feature's `cp` if given, else the middle of the
    bounding box of its outer ring with the largest box."""
    out = {}
    for feature in geojson.get("features", []):
        props = feature.get("properties") or {}
        code = props.get("code")
        if not code:
            continue
        if props.get("cp"):
            out[code] = [float(props["cp"][0]), float(props["cp"][1])]
            continue
        rings = _rings(feature.get("geometry") or {})
        if not rings:
            continue
        boxes = [(min(p[0] for p in r), min(p[1] for p in r), max(p[0] for p in r), max(p[1] for p in r))
                 for r in rings if r]
        x0, y0, x1, y1 = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        out[code] = [round((x0 + x1) / 2, 6), round((y0 + y1) / 2, 6)]
    return out


# ---------------------------------------------------------------------------------------------- warnings


def first_month(period: str) -> str:
    """The first month of a period (the month itself for a month): warnings are kept per month."""
    return str(Period.parse(period).months()[0])


@dataclass(frozen=True)
class WarningLine:
    """One active warning of the monitoring app, as the dashboards list it."""

    pk: int
    region_code: str
    region_name: str
    indicator_name: str
    kind: str
    severity: str
    first_period: str
    last_period: str
    explanation: str
    status_label: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, "预警")

    @property
    def kind_label(self) -> str:
        return RULE_KIND_LABELS.get(self.kind, "预警")

    @property
    def periods_label(self) -> str:
        """2026年10月, or 2026年8月至2026年10月 when the warning has lasted several months."""
        first, last = Period.parse(self.first_period).label, Period.parse(self.last_period).label
        return first if first == last else f"{first}至{last}"


def warnings_sorted(lines: Sequence[WarningLine]) -> list[WarningLine]:
    """The most severe first, then the most recently warned, then the newest."""
    return sorted(lines, key=lambda w: (SEVERITY_ORDER.get(w.severity, 0), w.last_period, w.pk), reverse=True)


@dataclass(frozen=True)
class WarnedRegion:
    """A region's active warnings: how many, the highest severity and the most severe few."""

    region_code: str
    region_name: str
    count: int
    severity: str
    top: tuple[WarningLine, ...]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, "预警")

    @property
    def more(self) -> int:
        """Warnings not among `top`."""
        return self.count - len(self.top)

    @property
    def summary(self) -> str:
        """One line for a map marker: 红色预警 3 条：开办企业时间、办电时间等."""
        names = "、".join(dict.fromkeys(w.indicator_name for w in self.top))
        return f"{self.severity_label}预警 {self.count} 条" + (f"：{names}{'等' if self.more else ''}" if names else "")


class RegionCount(Protocol):
    region_name: str
    count: int
    severity: str


def warned_regions(summary: Mapping[str, RegionCount], lines: Sequence[WarningLine], *, top: int = 2) -> list[WarnedRegion]:
    """The regions of `summary` ({code: RegionWarnings with region_name, count, severity}, the monitoring
    app's per-region count and highest severity) with their `top` most severe warnings of `lines`; the most
    severe region first, then the one with more warnings."""
    by_region: dict[str, list[WarningLine]] = {}
    for line in warnings_sorted(lines):
        by_region.setdefault(line.region_code, []).append(line)
    out = [WarnedRegion(region_code=code, region_name=s.region_name, count=s.count, severity=s.severity,
                        top=tuple(by_region.get(code, ())[:top])) for code, s in summary.items()]
    out.sort(key=lambda r: (-SEVERITY_ORDER.get(r.severity, 0), -r.count, r.region_code))
    return out


def severity_counts(lines: Sequence[WarningLine]) -> list[tuple[str, str, int]]:
    """(severity, label, count) of the severities present, the most severe first."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.severity] = counts.get(line.severity, 0) + 1
    return [(severity, SEVERITY_LABELS.get(severity, "预警"), counts[severity])
            for severity in sorted(counts, key=lambda s: -SEVERITY_ORDER.get(s, 0))]
