"""A topic page per first-level indicator (专题) with its tabs: 概览, 对比分析, 自查自评, 研判报告.

Every tab takes ?region= and ?period= (or ?year=&month=), and the overview ?segment= (分类: 设立, 低压居民 …:
its bottleneck steps, case volumes and indicator rows of that segment only); the reads are reports.selectors
(region-scoped), which compose analysis.reports. An htmx request gets the page body alone (selectors, tabs and the tab).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode

from bizenv.analysis import charts as analysis_charts
from bizenv.core import charts, documents
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.dashboards.overview import topic_warnings
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission
from bizenv.reports import charts as topic_charts
from bizenv.reports import rendering, selectors
from bizenv.reports.topic import period_menu, report_filename, summary_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TABS = (("overview", "概览", "dashboards:topic"), ("compare", "对比分析", "dashboards:topic_compare"),
        ("assessment", "自查自评", "dashboards:topic_self_assessment"), ("report", "研判报告", "dashboards:topic"))


def _asked_period(request) -> str:
    year, month = request.GET.get("year", ""), request.GET.get("month", "")
    if year.isdigit() and month.isdigit():
        return f"{int(year):04d}-{int(month):02d}"
    return request.GET.get("period", "")


def _scope(request, code: str) -> selectors.TopicScope:
    try:
        return selectors.topic_scope(user=request.user, code=code, region=request.GET.get("region", ""),
                                     period=_asked_period(request), segment=request.GET.get("segment", ""))
    except ApplicationError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            raise Http404(str(exc)) from None
        raise Http404(f"参数有误：{exc}") from None


def _query(scope: selectors.TopicScope, **extra) -> str:
    segment = {"segment": scope.segment} if scope.segment else {}
    return urlencode({"region": scope.region.code, "period": scope.period, **segment, **extra})


def _segment_links(scope: selectors.TopicScope) -> list[dict]:
    """全部 and each segment of the topic as overview links keeping region and period (none without segments)."""
    segments = selectors.topic_segments(scope=scope)
    if not segments:
        return []
    base = reverse("dashboards:topic", args=[scope.code]) + "?"
    keep = {"region": scope.region.code, "period": scope.period}
    return [{"code": "", "label": "全部", "url": base + urlencode(keep), "active": not scope.segment},
            *({"code": s["code"], "label": s["label"], "url": base + urlencode({**keep, "segment": s["code"]}),
               "active": s["code"] == scope.segment} for s in segments)]


def _segment_rows(scope: selectors.TopicScope, rows: list[dict]) -> list[dict]:
    """The indicator rows of the chosen segment: its leaves (marked) and their ancestors; every row when the
    segment has no leaf of its own."""
    leaves = selectors.topic_segment_leaves(scope=scope)
    if not leaves:
        return rows
    by_pk = {n.pk: n for n in scope.nodes}
    keep = set()
    for node in scope.nodes:
        if node.code in leaves:
            while node is not None:
                keep.add(node.code)
                node = by_pk.get(node.parent_id)
    out = [r for r in rows if r["indicator"].code in keep]
    for row in out:
        row["segment_leaf"] = row["indicator"].code in leaves
    return out


def _base_context(request, scope: selectors.TopicScope, tab: str) -> dict:
    query = _query(scope)
    tabs = []
    for key, label, url_name in TABS:
        url = reverse(url_name, args=[scope.code]) + "?" + query + ("&tab=report" if key == "report" else "")
        tabs.append({"key": key, "label": label, "url": url, "active": key == tab})
    period = Period.parse(scope.period) if scope.period else None
    menu = period_menu(scope.periods)
    return {
        "nav_active": "topics", "page_title": scope.indicator.name, "scope": scope, "indicator": scope.indicator,
        "version": scope.version, "tab": tab, "tabs": tabs, "query": query,
        "period_label": period.label if period else "尚无评价结果",
        # A month asked for that was never evaluated is said so on every tab, never replaced by another.
        "period_unevaluated": bool(scope.period) and scope.period not in scope.periods,
        "years": [y["year"] for y in menu], "months": list(range(1, 13)),
        "year": period.year if period else None, "month": period.index if period else None,
        "form_action": next(t["url"].split("?")[0] for t in tabs if t["active"]),
        "can_view_records": has_permission(request.user, Permission.VIEW_RECORDS),
        "segments": _segment_links(scope),
        "segment_field_label": next((s["field_label"] for s in selectors.topic_segments(scope=scope)), ""),
    }


def _render(request, context: dict, tab_template: str) -> HttpResponse:
    context["tab_template"] = tab_template
    if request.htmx:
        return render(request, "dashboards/_topic_body.html", context)
    return render(request, "dashboards/topic.html", context)


def _error(context: dict, exc: ApplicationError) -> dict:
    return {**context, "error": str(exc)}


@permission_required(Permission.VIEW_DASHBOARD)
def topic(request, code: str):
    scope = _scope(request, code)
    if request.GET.get("tab") == "report":
        return _report_tab(request, scope)
    user = request.user
    context = _base_context(request, scope, "overview")
    peers = selectors.topic_peer_changes(user=user, scope=scope)
    headline = selectors.topic_headline(user=user, scope=scope, peers=peers)
    node_scores = selectors.topic_node_scores(user=user, scope=scope)
    rows = _segment_rows(scope, selectors.topic_tree_rows(scope=scope))
    for row in rows:
        row["now"] = node_scores.get(row["indicator"].code)
    volumes = selectors.topic_volumes(user=user, scope=scope)
    processes = selectors.topic_bottlenecks(user=user, scope=scope)
    for proc in processes:
        timed = [(st.step_name[:14], round(st.mean_days, 2)) for st in proc["steps"] if st.mean_days is not None]
        # no finished step with a time in the period: the card says so instead of drawing an empty chart
        proc["chart"] = charts.horizontal_bar(timed, value_label="平均用时", unit="工作日") if timed else None
    second_level = scope.level2
    context.update({
        "peers": peers, "headline": headline,
        "headline_deltas": [("同比变化", headline["yoy"], "较上年同月（分）" + ("，各区县平均" if scope.aggregate else "")),
                            ("环比变化", headline["pop"], "较上月（分）" + ("，各区县平均" if scope.aggregate else ""))],
        "rows": rows, "segment_limited": any(r.get("segment_leaf") for r in rows),
        "weights_chart": charts.weights_pie([(c.name, c.weight) for c in second_level]) if second_level else None,
        "peers_chart": topic_charts.region_bar([(p.code, p.name, p.score) for p in peers],
                                               value_label=f"{scope.indicator.name}得分", unit="分",
                                               highlight=scope.region.code) if peers else None,
        "volumes_chart": topic_charts.line_chart(
            volumes[0]["periods"],
            [(v["dataset"].name + (f" · {scope.segment_label}" if scope.segment else ""), v["counts"]) for v in volumes],
            unit="件"
        ) if volumes else None,
        "volumes": volumes,
        "processes": processes,
        # The processes measured for this topic, whether or not the period has their data: an empty period
        # is said to be empty, not a topic without monitoring.
        "monitored": "、".join(d.name for d in selectors.topic_processes(scope=scope)),
        "warnings": topic_warnings(user=user, code=scope.code, region=scope.region.code, period=scope.period),
        "warnings_since_label": "",
        "warnings_query": urlencode({"indicator": scope.code, "region": scope.region.code}),
    })
    return _render(request, context, "dashboards/_topic_overview.html")


def _report_tab(request, scope: selectors.TopicScope):
    context = _base_context(request, scope, "report")
    try:
        data = selectors.topic_report_data(user=request.user, scope=scope)
        context.update({"summary": summary_text(data), "data": data})
    except ApplicationError as exc:
        context = _error(context, exc)
    context.update({"pdf_available": documents.soffice_path() is not None,
                    "docx_url": reverse("dashboards:topic_report_docx", args=[scope.code]) + "?" + context["query"],
                    "pdf_url": reverse("dashboards:topic_report_pdf", args=[scope.code]) + "?" + context["query"]})
    return _render(request, context, "dashboards/_topic_report.html")


@permission_required(Permission.VIEW_DASHBOARD)
def topic_compare(request, code: str):
    scope = _scope(request, code)
    user = request.user
    context = _base_context(request, scope, "compare")
    try:
        sub_rows = selectors.topic_sub_rows(user=user, scope=scope) if scope.period else []
        columns, matrix = selectors.topic_matrix(user=user, scope=scope)
    except ApplicationError as exc:
        return _render(request, _error(context, exc), "dashboards/_topic_compare.html")
    scored = [r for r in sub_rows if r.level == 2 and r.score is not None]
    if len(scored) < 3:
        scored = [r for r in sub_rows if r.level > 1 and r.score is not None]
    own_name = "各区县平均" if scope.aggregate else scope.region.name
    peers = [(m["region"].code, m["region"].name, m["cells"][0].score if m["cells"][0] else None) for m in matrix]
    context.update({
        "sub_rows": sub_rows, "columns": columns, "matrix": matrix,
        "bench_chart": topic_charts.score_bars(
            [r.name for r in scored],
            [(own_name, [r.score for r in scored]), ("最优地区", [r.best_region_score for r in scored])],
        ) if scored else None,
        "radar_chart": analysis_charts.benchmark_radar(
            [r for r in selectors.topic_comparison(user=user, scope=scope)["comparison_rows"] if r.code in
             {s.code for s in scored}], region_name=scope.region.name,
        ) if scored and not scope.aggregate and len(scored) >= 3 else None,
        "peers_chart": topic_charts.region_bar(peers, value_label=f"{scope.indicator.name}得分", unit="分",
                                               highlight=scope.region.code)
        if len(peers) > 1 and any(p[2] is not None for p in peers) else None,
    })
    return _render(request, context, "dashboards/_topic_compare.html")


@permission_required(Permission.VIEW_DASHBOARD)
def topic_self_assessment(request, code: str):
    scope = _scope(request, code)
    user = request.user
    context = _base_context(request, scope, "assessment")
    if not scope.period:
        return _render(request, context, "dashboards/_topic_assessment.html")
    codes = [scope.code, *(n.code for n in scope.level2)]
    if scope.aggregate:
        peers = selectors.topic_peer_changes(user=user, scope=scope)
        periods, trend = selectors.topic_peer_trend(user=user, scope=scope)
        context.update({
            "peers": peers,
            "trend_chart": topic_charts.line_chart(periods, [(f"各区县平均{scope.indicator.name}得分", trend)],
                                                   unit="分") if any(v is not None for v in trend) else None,
            "yoy_chart": topic_charts.region_bar([(p.code, p.name, p.yoy_delta) for p in peers],
                                                 value_label="同比变化", unit="分", signed=True)
            if any(p.yoy_delta is not None for p in peers) else None,
            "pop_chart": topic_charts.region_bar([(p.code, p.name, p.pop_delta) for p in peers],
                                                 value_label="环比变化", unit="分", signed=True)
            if any(p.pop_delta is not None for p in peers) else None,
        })
        return _render(request, context, "dashboards/_topic_assessment.html")
    changes = []
    for kind in ("yoy", "pop"):
        try:
            report = selectors.topic_changes(user=user, scope=scope, kind=kind)
            report["topic_chart"] = analysis_charts.change_bar(report["report"], codes=codes)
            changes.append(report)
        except ApplicationError as exc:
            changes.append({"kind": kind, "kind_label": "同比" if kind == "yoy" else "环比", "error": str(exc)})
    try:
        forecast = selectors.topic_forecast(user=user, scope=scope)
    except ApplicationError as exc:
        forecast = {"error": str(exc)}
    context.update({"changes": changes, "forecast": forecast})
    return _render(request, context, "dashboards/_topic_assessment.html")


def _report_data(request, code: str):
    scope = _scope(request, code)
    try:
        return selectors.topic_report_data(user=request.user, scope=scope)
    except ApplicationError as exc:
        raise Http404(str(exc)) from None


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@permission_required(Permission.VIEW_DASHBOARD)
def topic_report_docx(request, code: str):
    data = _report_data(request, code)
    return _download(rendering.topic_report_word_cached(data), report_filename(data, "docx"), DOCX)


@permission_required(Permission.VIEW_DASHBOARD)
def topic_report_pdf(request, code: str):
    data = _report_data(request, code)
    try:
        pdf = rendering.topic_report_pdf_cached(data)
    except ApplicationError as exc:
        return render(request, "dashboards/topic_report_unavailable.html",
                      {"nav_active": "topics", "page_title": "研判报告", "message": str(exc), "data": data},
                      status=503)
    return _download(pdf, report_filename(data, "pdf"), "application/pdf")
