"""The topic report (专题研判报告) and the topic pages' pure parts: plain data in, text and rows out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bizenv.core import clock
from bizenv.core.periods import Period

ISSUER = "营商环境建设专班办公室"


@dataclass(frozen=True)
class SubRow:
    """One node of the topic (its level-1 node or a sub-indicator) for the region and period."""

    code: str
    name: str
    level: int
    unit: str
    value: float | None
    score: float | None
    rank: int | None
    best_region_name: str | None = None
    best_region_value: float | None = None
    best_region_score: float | None = None
    benchmark_value: float | None = None
    benchmark_cities: str = ""
    reaches_benchmark: bool | None = None

    @property
    def gap_to_best(self) -> float | None:
        """Points behind the best region (0 when this is the best)."""
        if self.score is None or self.best_region_score is None:
            return None
        return max(self.best_region_score - self.score, 0.0)


@dataclass(frozen=True)
class PeerRow:
    code: str
    name: str
    score: float | None
    rank: int | None
    yoy_delta: float | None = None
    pop_delta: float | None = None


@dataclass(frozen=True)
class StepLine:
    name: str
    cases: int
    mean_days: float | None
    share_over_limit: float | None
    slowest_region: str | None


@dataclass(frozen=True)
class ForecastLine:
    periods: tuple[str, ...]
    mean: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    method_label: str


@dataclass(frozen=True)
class TopicReportData:
    """Everything the topic report says, fetched by reports.selectors.topic_report_data."""

    topic_code: str
    topic_name: str
    definition: str
    region_code: str
    region_name: str
    period: str
    aggregate: bool  # a city: the figures are the averages of its counties, which are ranked instead
    score: float | None
    rank: int | None
    rank_count: int
    yoy_delta: float | None
    pop_delta: float | None
    sub_rows: tuple[SubRow, ...]
    peers: tuple[PeerRow, ...]
    history_periods: tuple[str, ...] = ()
    history: tuple[float | None, ...] = ()
    forecast: ForecastLine | None = None
    process_name: str = ""
    steps: tuple[StepLine, ...] = ()
    strengths: tuple[str, ...] = ()
    weaknesses: tuple[str, ...] = ()
    completeness: float | None = None  # the weight share of the topic's sub-indicators that had data
    issued: date = field(default_factory=clock.today)  # local date (BIZENV_TODAY in tests), not UTC


COMPLETENESS_WARNING = 0.8  # a score built from less than 80 % of its weight is flagged as partial


def completeness_partial(completeness: float | None) -> bool:
    """Whether a score rests on too little of its weight to be read as a full one."""
    return completeness is not None and completeness < COMPLETENESS_WARNING


def in_topic(code: str, topic: str) -> bool:
    """The node is the topic's level-1 indicator or one of its descendants."""
    return code == topic or code.startswith(topic + ".")


def period_menu(periods: Sequence[str]) -> list[dict]:
    """Evaluated months grouped by year, newest year first, for the year and month selectors."""
    years: dict[int, list[Period]] = {}
    for text in periods:
        period = Period.parse(text)
        years.setdefault(period.year, []).append(period)
    return [{"year": y, "months": [{"period": str(p), "label": f"{p.index}月"} for p in sorted(years[y])]}
            for y in sorted(years, reverse=True)]


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values present, None when there is none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _num(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def signed_number(value: float | None, digits: int = 2) -> str:
    """A change with its sign: +1.23, −0.50 (a true minus sign), 0.00 for what rounds to zero, — when missing."""
    if value is None:
        return "—"
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return ("+" if value > 0 else "−") + text


def _signed(value: float | None, what: str) -> str:
    if value is None:
        return f"{what}无可比数据"
    if abs(value) < 0.005:
        return f"{what}持平"
    return f"{what}{'上升' if value > 0 else '下降'} {abs(value):.2f} 分"


def summary_text(data: TopicReportData) -> str:
    """The opening paragraph: score, rank, change against last year and last month, forecast."""
    label = Period.parse(data.period).label
    if data.score is None:
        return f"{label}，{data.region_name}“{data.topic_name}”暂无已审核的评价数据，无法计算得分。"
    if data.aggregate:
        head = (f"{label}，{data.region_name}所辖 {data.rank_count} 个县（市、区）“{data.topic_name}”"
                f"平均得分 {data.score:.2f} 分")
        ranked = [p for p in data.peers if p.score is not None]
        if ranked:
            best, worst = ranked[0], ranked[-1]
            head += f"，最高为{best.name}（{best.score:.2f} 分），最低为{worst.name}（{worst.score:.2f} 分）"
    else:
        head = f"{label}，{data.region_name}“{data.topic_name}”得分 {data.score:.2f} 分"
        if data.rank:
            head += f"，在 {data.rank_count} 个参评地区中排名第 {data.rank} 位"
    text = head + "；" + _signed(data.yoy_delta, "同比") + "，" + _signed(data.pop_delta, "环比") + "。"
    if data.completeness is not None:
        share = f"{data.completeness * 100:.0f}%"
        if completeness_partial(data.completeness):
            text += (f"注意：本期数据不完整，只有 {share} 权重的分项指标有数据，缺数的分项未计入，"
                     "得分仅供参考，同比、环比不宜直接比较。")
        else:
            text += f"数据完整度 {share}。"
    if data.forecast and data.forecast.mean:
        f = data.forecast
        text += (f"按{f.method_label}预测，{Period.parse(f.periods[0]).label}得分约 {f.mean[0]:.2f} 分"
                 f"（区间 {f.lower[0]:.2f}～{f.upper[0]:.2f} 分）。")
    if data.strengths:
        text += f"较上年进步较大的指标：{'、'.join(data.strengths)}。"
    if data.weaknesses:
        text += f"较上年退步的指标：{'、'.join(data.weaknesses)}。"
    return text


def topic_report_context(data: TopicReportData) -> dict:
    """Everything the Word template shows, as plain text and rows."""
    label = Period.parse(data.period).label
    subs = []
    for row in data.sub_rows:
        subs.append({
            "name": ("　" * max(row.level - 1, 0)) + row.name, "unit": row.unit or "",
            "value": _num(row.value), "score": _num(row.score), "rank": row.rank or "—",
            "best": (f"{row.best_region_name} {_num(row.best_region_score)}" if row.best_region_name else "—"),
            "benchmark": (f"{_num(row.benchmark_value)}（{row.benchmark_cities}）" if row.benchmark_value is not None
                          else "—"),
        })
    peers = [{"rank": p.rank or "—", "name": p.name, "score": _num(p.score),
              "yoy_delta": signed_number(p.yoy_delta), "pop_delta": signed_number(p.pop_delta)} for p in data.peers]
    steps = [{"name": s.name, "cases": s.cases, "mean": _num(s.mean_days),
              "over": "—" if s.share_over_limit is None else f"{s.share_over_limit * 100:.1f}%",
              "slowest": s.slowest_region or "—"} for s in data.steps]
    weakest = sorted((r for r in data.sub_rows if r.level > 1 and r.score is not None), key=lambda r: r.score)[:3]
    advice = ("建议重点关注：" + "、".join(f"{r.name}（{r.score:.2f} 分）" for r in weakest) +
              "，对照最优地区和最佳实践值查找差距，明确牵头单位和整改时限。") if weakest else "各分项暂无得分数据。"
    return {
        "issuer": ISSUER,
        "title": f"{data.region_name}{label}“{data.topic_name}”专题研判报告",
        "region_name": data.region_name, "topic_name": data.topic_name, "period_label": label,
        "definition": data.definition or "—",
        "summary": summary_text(data),
        "sub_heading": ("各分项指标（各区县平均得分，与最优地区、最佳实践对比）" if data.aggregate
                        else "各分项指标与最优地区、最佳实践对比"),
        "sub_rows": subs,
        "peer_heading": "各区县得分与排名" if data.aggregate else "参评地区得分与排名",
        "peers": peers,
        "has_steps": bool(steps),
        "steps_heading": f"瓶颈环节（{data.process_name}，{label}）" if steps else "",
        "steps": steps,
        "advice": advice,
        "date_text": f"{data.issued.year}年{data.issued.month}月{data.issued.day}日",
    }


def report_filename(data: TopicReportData, extension: str) -> str:
    return f"{data.region_name}{data.period}{data.topic_name}专题研判报告.{extension}"
