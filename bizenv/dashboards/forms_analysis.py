"""Filters of the 对比分析 and 自查自评 pages: read from the query string, with defaults, and written back.

Shape errors are Chinese ApplicationErrors; whether the user may see a region is decided by analysis.reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict

from bizenv.analysis.changes import change_kind
from bizenv.analysis.query import MEASURE_LABELS
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period

VIEW_LABELS = {"trend": "按时间（一个指标，各区域一条线）", "snapshot": "按指标（一个时期，各区域分组柱）"}
SPAN_LABELS = {"range": "月份区间", "year": "年度"}


def _codes(data: QueryDict, key: str) -> list[str]:
    """Repeated parameters (?regions=a&regions=b) or one comma-separated value, without repeats."""
    out: list[str] = []
    for item in data.getlist(key):
        out.extend(part.strip() for part in item.replace("，", ",").split(",") if part.strip())
    return list(dict.fromkeys(out))


def _choice(data: QueryDict, key: str, choices, default: str, label: str) -> str:
    value = data.get(key, "").strip() or default
    if value not in choices:
        raise ApplicationError(f"{label}“{value}”无效，可选：{'、'.join(choices)}。")
    return value


def _month(data: QueryDict, key: str, default: str, label: str) -> str:
    text = data.get(key, "").strip()
    if not text:
        return default
    period = Period.parse(text)
    if period.kind != "month":
        raise ApplicationError(f"{label}应为月份，例如 2026-03。")
    return str(period)


@dataclass
class CompareFilters:
    regions: list[str]
    span: str
    start: str
    end: str
    year: str
    periods: list[str]
    indicators: list[str]
    measure: str
    view: str
    focus: str
    at: str
    adv_region: str
    adv_period: str
    system: str = ""
    errors: list[str] = field(default_factory=list)

    def query(self, **override) -> str:
        """The filters as a query string (for the Excel link and the plain-GET fallback)."""
        pairs = [("f", "1")] + [("regions", c) for c in self.regions] + [("indicators", c) for c in self.indicators]
        pairs += [("span", self.span), ("start", self.start), ("end", self.end), ("year", self.year),
                  ("measure", self.measure), ("view", self.view), ("focus", self.focus), ("at", self.at),
                  ("adv_region", self.adv_region), ("adv_period", self.adv_period)]
        if self.system:
            pairs.append(("system", self.system))
        pairs = [(k, v) for k, v in pairs if k not in override] + list(override.items())
        return urlencode([(k, v) for k, v in pairs if v])


def compare_filters(data: QueryDict, *, months: Sequence[str], default_regions: Sequence[str],
                    default_indicators: Sequence[str], default_region: str) -> CompareFilters:
    """The 对比分析 filters. `months` are the months with data (oldest first); the newest is the default."""
    if not months:
        raise ApplicationError("还没有任何已审核的指标值或评价结果，暂无可对比的数据。")
    latest = months[-1]
    span = _choice(data, "span", SPAN_LABELS, "range", "时期方式")
    start = _month(data, "start", months[max(len(months) - 12, 0)], "开始月份")
    end = _month(data, "end", latest, "结束月份")
    year = data.get("year", "").strip() or latest[:4]
    if span == "year":
        if not (len(year) == 4 and year.isdigit()):
            raise ApplicationError(f"年度“{year}”格式不正确，应为 4 位数字，例如 2026。")
        periods = [m for m in months if m.startswith(year + "-")]
        if not periods:
            raise ApplicationError(f"{year}年没有可对比的数据。")
    else:
        if Period.parse(start) > Period.parse(end):
            raise ApplicationError("开始月份不能晚于结束月份。")
        periods = [str(p) for p in _range(start, end)]
    # A submitted form with nothing ticked means nothing, not the defaults (a first visit has no `f`).
    submitted = bool(data.get("f"))
    indicators = _codes(data, "indicators") or ([] if submitted else list(default_indicators))
    measure = _choice(data, "measure", MEASURE_LABELS, "score", "对比口径")
    default_view = "snapshot" if len(periods) == 1 else "trend"
    view = _choice(data, "view", VIEW_LABELS, default_view, "展示方式")
    focus = data.get("focus", "").strip()
    if focus not in indicators:
        focus = indicators[0] if indicators else ""
    at = data.get("at", "").strip()
    if at not in periods:
        at = periods[-1]
    return CompareFilters(
        regions=_codes(data, "regions") or ([] if submitted else list(default_regions)), span=span, start=start, end=end, year=year,
        periods=periods, indicators=indicators, measure=measure, view=view, focus=focus, at=at,
        adv_region=data.get("adv_region", "").strip() or default_region,
        adv_period=_month(data, "adv_period", latest, "对标月份"), system=data.get("system", "").strip())


def _range(start: str, end: str) -> list[Period]:
    first, last = Period.parse(start), Period.parse(end)
    count = (last.year - first.year) * 12 + last.index - first.index + 1
    if count > 240:
        raise ApplicationError("一次最多对比 240 个月。")
    return [first.shift(i) for i in range(count)]


@dataclass
class SelfFilters:
    region: str
    year: int
    month: int
    kind: str
    node: str
    system: str = ""

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def query(self, **override) -> str:
        pairs = {"region": self.region, "year": self.year, "month": self.month, "kind": self.kind,
                 "node": self.node if self.node != "TOTAL" else "", "system": self.system}
        pairs.update(override)
        return urlencode([(k, v) for k, v in pairs.items() if v not in ("", None)])

    @property
    def query_without_node(self) -> str:
        return self.query(node="")


def self_filters(data: QueryDict, *, latest: str, default_region: str) -> SelfFilters:
    """The 自查自评 filters; the default month is the latest evaluated one."""
    default = Period.parse(latest)
    try:
        year = int(data.get("year") or default.year)
        month = int(data.get("month") or default.index)
    except ValueError:
        raise ApplicationError("年份和月份应为数字。") from None
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ApplicationError(f"{year}年{month}月不是有效的月份。")
    kind = str(change_kind(data.get("kind", "").strip() or "yoy"))
    return SelfFilters(region=data.get("region", "").strip() or default_region, year=year, month=month, kind=kind,
                       node=data.get("node", "").strip() or "TOTAL", system=data.get("system", "").strip())
