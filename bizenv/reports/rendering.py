"""The topic report (专题研判报告): its charts and its Word file, drawn with core.documents."""

from __future__ import annotations

from pathlib import Path

from bizenv.core.documents import bar_chart_png, docx_render, docx_to_pdf, grouped_bar_png, line_chart_png

TEMPLATES = Path(__file__).resolve().parent / "templates"


def topic_report_charts(data) -> dict[str, bytes | None]:
    """The topic report's three charts (trend and forecast, sub-indicators against the best, peers) as PNG."""
    from bizenv.core.periods import Period

    label = Period.parse(data.period).label
    subs = [r for r in data.sub_rows if r.level == 2 and r.score is not None] or \
           [r for r in data.sub_rows if r.level > 1 and r.score is not None][:8]
    own = "各区县平均" if data.aggregate else data.region_name
    forecast = data.forecast
    return {
        "chart_trend": line_chart_png(
            data.history_periods, data.history, title=f"{data.region_name}“{data.topic_name}”"
            f"{'平均' if data.aggregate else ''}得分趋势" + ("与预测" if forecast else ""), ylabel="得分（分）",
            forecast_periods=forecast.periods if forecast else (), forecast=forecast.mean if forecast else (),
            lower=forecast.lower if forecast else (), upper=forecast.upper if forecast else ()),
        "chart_subs": grouped_bar_png(
            [r.name for r in subs],
            [(own, [r.score for r in subs]), ("最优地区", [r.best_region_score for r in subs])],
            title=f"{label}“{data.topic_name}”分项得分与最优地区对比", ylabel="得分（分）"),
        "chart_peers": bar_chart_png(
            [(p.name, p.score) for p in data.peers if p.score is not None],
            title=f"{label}各地区“{data.topic_name}”得分", ylabel="得分（分）", highlight=data.region_name),
    }


def topic_report_word(data) -> bytes:
    """The topic report (专题研判报告) as a Word file rendered from templates/topic_report.docx."""
    from bizenv.reports.topic import topic_report_context

    return docx_render(TEMPLATES / "topic_report.docx", topic_report_context(data),
                       images=topic_report_charts(data))


REPORT_CACHE_SECONDS = 24 * 3600


def _cached(kind: str, data, make) -> bytes:
    """A rendered report from the cache, keyed by everything it says (the frozen report data, issue date
    included): the same region, topic, period and data give the same file without drawing the charts and
    converting to PDF again, and any change of the figures makes a new key."""
    import hashlib

    from django.core.cache import cache

    key = f"bizenv:topic-report:{kind}:{hashlib.sha256(repr(data).encode('utf-8')).hexdigest()}"
    found = cache.get(key)
    if found is None:
        found = make()
        cache.set(key, found, REPORT_CACHE_SECONDS)
    return found


def topic_report_word_cached(data) -> bytes:
    return _cached("docx", data, lambda: topic_report_word(data))


def topic_report_pdf_cached(data) -> bytes:
    """The report as PDF (LibreOffice); a failed conversion raises and is not cached."""
    return _cached("pdf", data, lambda: docx_to_pdf(topic_report_word_cached(data)))
