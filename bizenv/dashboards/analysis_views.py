"""对比分析 and 自查自评 pages: parse the filters, call analysis.reports, render; rule errors shown in Chinese."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django_htmx.http import push_url

from bizenv.analysis import charts, reports, selectors
from bizenv.analysis.query import MEASURE_LABELS, query_xlsx, snapshot_table, trend_table
from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.dashboards.forms_analysis import SPAN_LABELS, VIEW_LABELS, compare_filters, self_filters
from bizenv.evaluation.selectors import evaluation_periods, run_list, run_ranking
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.models import Region, RegionLevel
from bizenv.organisations.permissions import Permission, regions_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTHING_TO_COMPARE = "暂无可对比的数据：还没有任何已审核的指标值或评价结果。请先录入并审核指标值，或在“评价与红黑榜”中运行评价。"


@dataclass
class Setting:
    """What the filters are chosen from: the analysed system, months with data, regions the user may see."""

    version: object
    tree: object  # the compiled indicator tree
    months: list[str]
    visible: list[Region]
    ranked: list[str]  # codes of the visible regions of the latest evaluation, in its order
    own: str  # the user's own (top) region

    @property
    def default_region(self) -> str:
        return self.own if self.own in self.ranked or not self.ranked else self.ranked[0]


def _setting(request) -> Setting:
    version = selectors.analysis_version(system_code=request.GET.get("system", "").strip())
    runs = run_list(user=request.user, system_version=version)
    # Periods only: a run's stored inputs are large, so they are read for the newest run alone.
    months = set(runs.order_by().values_list("period", flat=True).distinct())
    months = months or set(evaluation_periods(system_version=version))
    months = sorted((m for m in months if Period.parse(m).kind == "month"), key=Period.parse)
    latest = runs.filter(period=months[-1]).first() if months else None
    visible = list(regions_for(request.user, Permission.VIEW_DASHBOARD).order_by("path"))
    codes = {r.code for r in visible}
    ranked = [r["code"] for r in latest.inputs.get("regions", []) if r.get("member", True) and r["code"] in codes
              ] if latest else []
    if not ranked:
        ranked = [r.code for r in visible if r.level not in (RegionLevel.PROVINCE, RegionLevel.CITY)]
    return Setting(version=version, tree=selectors.version_compiled(version=version), months=months,
                   visible=visible, ranked=ranked, own=visible[0].code if visible else "")


def _indicator_tree(tree) -> list[dict]:
    """Level-1 indicators, each with its sub-indicators in tree order (for the indicator picker)."""
    out: list[dict] = []
    for node, code in enumerate(tree.codes):
        level = int(tree.level[node])
        if level == 1:
            out.append({"code": code, "name": tree.names[node], "children": []})
        elif level > 1 and out:
            out[-1]["children"].append({"code": code, "name": tree.names[node], "indent": level - 1})
    return out


def _level1(tree) -> list[str]:
    return [code for node, code in enumerate(tree.codes) if int(tree.level[node]) == 1]


def _directions(tree) -> dict[str, str]:
    return {code: (spec.direction if spec else "higher_better") for code, spec in zip(tree.codes, tree.specs,
                                                                                       strict=True)}


# ---------------------------------------------------------------------------------------------- 对比分析


def _compare_filters(request, setting: Setting):
    kwargs = {"months": setting.months, "default_regions": setting.ranked,
              "default_indicators": _level1(setting.tree), "default_region": setting.default_region}
    try:
        return compare_filters(request.GET, **kwargs), ""
    except ApplicationError as exc:
        return compare_filters(QueryDict(), **kwargs), exc.message


def _compare_results(request, setting: Setting, f) -> dict:
    out: dict = {"error": ""}
    if not f.regions or not f.indicators:
        return {"error": "请至少选择一个区域。" if not f.regions else "请至少选择一个指标。"}
    try:
        periods = reports.query_periods(periods=f.periods)
        rows = reports.combined_query(user=request.user, regions=f.regions, periods=periods,
                                      indicators=f.indicators, system=f.system)
    except ApplicationError as exc:
        return {"error": exc.message}
    directions = _directions(setting.tree)
    if f.view == "trend":
        table = trend_table(rows, indicator=f.focus, field=f.measure, directions=directions)
        chart = charts.query_trend(table)
    else:
        table = snapshot_table(rows, period=f.at, field=f.measure, directions=directions)
        chart = charts.query_snapshot(table)
    out.update(table=table, chart=None if table.empty else chart, row_count=len(rows),
               leaf_selected=any(c in set(setting.tree.leaf_codes) for c in f.indicators))
    return out


def _compare_advanced(request, f) -> dict:
    try:
        report = reports.comparison_report(user=request.user, region=f.adv_region, period=f.adv_period,
                                           system=f.system)
    except ApplicationError as exc:
        return {"adv_error": exc.message}
    rows = report["comparison_rows"]
    level1 = [r for r in rows if r.level == 1]
    topics, topic = {}, None
    for r in rows:  # depth-first: a level-1 row comes before its sub-indicators
        if r.level == 1:
            topic = r.name
        topics[r.code] = topic
    benchmarks = [{"row": r, "topic": topics.get(r.code)} for r in rows if r.benchmark is not None]
    return {"adv": report, "adv_level1": level1, "adv_total": rows[0] if rows else None,
            "adv_chart": report["chart"] if any(r.score is not None for r in level1) else None,
            "adv_benchmarks": benchmarks,
            "adv_reached": sum(1 for b in benchmarks if b["row"].reaches_benchmark)}


def _compare_context(request, *, error: str = "") -> dict:
    context: dict = {"nav_active": "compare", "page_title": "对比分析"}
    try:
        setting = _setting(request)
    except ApplicationError as exc:
        return {**context, "setup_error": exc.message}
    if not setting.months:
        return {**context, "empty": NOTHING_TO_COMPARE}
    f, filter_error = _compare_filters(request, setting)
    part = request.GET.get("part", "") if request.htmx else ""
    names = dict(zip(setting.tree.codes, setting.tree.names, strict=True))
    context.update(f=f, setting=setting, months=setting.months, visible=setting.visible,
                   years=sorted({m[:4] for m in setting.months}, reverse=True),
                   indicator_tree=_indicator_tree(setting.tree), measures=MEASURE_LABELS, views=VIEW_LABELS,
                   spans=SPAN_LABELS, focus_choices=[(c, names.get(c, c)) for c in f.indicators],
                   filter_error=filter_error or error)
    if part != "advanced":
        context.update(_compare_results(request, setting, f) if not filter_error else {"error": filter_error})
    if part != "main":
        context.update(_compare_advanced(request, f))
    return context


def _pushed(request, response):
    """An htmx partial answer puts the page's own address (without `part`) in the browser's history."""
    if request.htmx and request.GET.get("part") in ("main", "advanced", "body", "drill"):
        params = request.GET.copy()
        params.pop("part")
        push_url(response, f"{request.path}?{params.urlencode()}" if params else request.path)
    return response


@permission_required(Permission.VIEW_DASHBOARD)
def compare(request):
    part = request.GET.get("part", "") if request.htmx else ""
    template = {"main": "dashboards/_compare_main.html",
                "advanced": "dashboards/_compare_advanced.html"}.get(part, "dashboards/compare.html")
    return _pushed(request, render(request, template, _compare_context(request)))


@permission_required(Permission.VIEW_DASHBOARD)
def compare_export(request):
    try:
        setting = _setting(request)
    except ApplicationError:  # no published version: nothing to export
        return render(request, "dashboards/compare.html", _compare_context(request), status=404)
    if not setting.months:
        return render(request, "dashboards/compare.html", _compare_context(request), status=404)
    try:
        f, filter_error = _compare_filters(request, setting)
        if filter_error:
            raise ApplicationError(filter_error)
        # Regions outside the user's scope are refused as such (absent codes alike, so nothing leaks).
        outside = [c for c in f.regions if c not in {r.code for r in setting.visible}]
        if outside:
            return render(request, "site/forbidden.html", {
                "message": f"区域 {'、'.join(outside)} 不在您的授权范围内，不能导出其数据。"}, status=403)
        periods = reports.query_periods(periods=f.periods)
        rows = reports.combined_query(user=request.user, regions=f.regions, periods=periods,
                                      indicators=f.indicators, system=f.system)
    except ApplicationError as exc:
        context = _compare_context(request, error=exc.message)
        return render(request, "dashboards/compare.html", context, status=400)
    response = HttpResponse(query_xlsx(rows, title="对比分析"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="compare-{periods[0]}-{periods[-1]}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------- 自查自评


def _path(report, code: str) -> list:
    """The rows from the first level down to `code` (for the drill breadcrumb)."""
    by_code = {r.code: r for r in report.rows}
    path, row = [], by_code.get(code)
    while row is not None and row.parent is not None:
        path.append(row)
        row = by_code.get(row.parent)
    return path[::-1]


def _topic_names(report) -> dict[str, str]:
    topics, topic = {}, ""
    for r in report.rows:
        if r.level == 1:
            topic = r.name
        topics[r.code] = topic
    return topics


def _self_drill(report, node: str) -> dict:
    by_code = {r.code: r for r in report.rows}
    if node not in by_code:
        raise ApplicationError(f"指标编码“{node}”不在指标体系中。")
    parents = {r.parent for r in report.rows}
    children = [r for r in report.rows if r.parent == node]
    codes = [r.code for r in children]
    chart = charts.change_bar(report, codes=codes) if codes else None
    if chart is not None and all(r.score_delta is None for r in children):
        chart = None
    return {"node": by_code[node], "drill_rows": children, "parents": parents, "drill_path": _path(report, node),
            "drill_chart": chart}


def _self_forecast(request, f) -> dict:
    try:
        forecast = reports.forecast_report(user=request.user, region=f.region, period=f.period,
                                           indicator="TOTAL", system=f.system)
    except ApplicationError as exc:
        return {"forecast_error": exc.message}
    # The composite is already a score: name it once ("综合得分", not "综合得分得分").
    chart = charts.trend_with_forecast(forecast["forecast"], name=f"{forecast['region_name']} 综合得分", unit="分")
    return {"forecast": forecast, "forecast_chart": chart}


def _official_rank(request, setting: Setting, region: str, period: str) -> dict | None:
    """The region's place in the published evaluation of the period (rankings are visible to every
    dashboard user, while the analysis only compares the regions the user may see)."""
    run = run_list(user=request.user, system_version=setting.version, period=period).first()
    if run is None:
        return None
    rows = [r for r in run_ranking(run=run).rows if r.member]
    mine = next((r for r in rows if r.region.code == region), None)
    if mine is None or mine.total is None or not mine.total.rank:
        return None
    return {"rank": mine.total.rank, "of": len(rows), "run": run}


def _self_context(request) -> tuple[dict, str]:
    context: dict = {"nav_active": "self-assessment", "page_title": "自查自评"}
    part = request.GET.get("part", "") if request.htmx else ""
    try:
        setting = _setting(request)
        if not setting.months:
            raise ApplicationError("还没有任何已审核的指标值或评价结果，暂无可自评的数据。")
    except ApplicationError as exc:
        return {**context, "setup_error": exc.message}, ""
    try:
        f = self_filters(request.GET, latest=setting.months[-1], default_region=setting.default_region)
    except ApplicationError as exc:
        context["filter_error"] = exc.message
        f = self_filters(QueryDict(), latest=setting.months[-1], default_region=setting.default_region)
    context.update(f=f, visible=setting.visible, years=sorted({int(m[:4]) for m in setting.months}, reverse=True),
                   month_choices=range(1, 13), kinds={"yoy": "同比（与去年同月）", "pop": "环比（与上月）"},
                   has_data=f.period in setting.months)
    if part == "forecast" or request.GET.get("forecast"):
        context.update(_self_forecast(request, f))
    if part == "forecast":
        return context, part
    try:
        data = reports.changes_report(user=request.user, region=f.region, period=f.period, kind=f.kind,
                                      system=f.system, top=6)
        report = data["report"]
        context.update(_self_drill(report, f.node))
    except ApplicationError as exc:
        context["error"] = exc.message
        return context, part
    leaves = [r for r in report.rows if r.code not in context["parents"]]
    topics = _topic_names(report)
    context.update(
        data=data, report=report, total=report.total, kind_label=data["kind_label"],
        strengths=[{"row": r, "topic": topics.get(r.code, "")} for r in report.strengths],
        weaknesses=[{"row": r, "topic": topics.get(r.code, "")} for r in report.weaknesses],
        improved=sum(1 for r in leaves if (r.score_delta or 0) > 0),
        declined=sum(1 for r in leaves if (r.score_delta or 0) < 0),
        compared_leaves=sum(1 for r in leaves if r.score_delta is not None),
        official=_official_rank(request, setting, report.region, report.period) if data["regions_compared"] <= 1
        else None,
    )
    return context, part


@permission_required(Permission.VIEW_DASHBOARD)
def self_assessment(request):
    context, part = _self_context(request)
    template = {"forecast": "dashboards/_self_forecast.html", "drill": "dashboards/_self_drill.html",
                "body": "dashboards/_self_body.html"}.get(part, "dashboards/self_assessment.html")
    return _pushed(request, render(request, template, context))
