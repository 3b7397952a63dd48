"""一指标一页面: one indicator of the active system — definition, scoring, trend with forecast for a region,
its distribution across regions for a period, and best-practice references."""

from __future__ import annotations

from django.shortcuts import render

from bizenv.analysis import reports
from bizenv.analysis import selectors as analysis_selectors
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.dashboards import profile_charts
from bizenv.evaluation.selectors import evaluation_periods, run_latest_per_period
from bizenv.indicators.selectors import active_version, indicator_get, indicator_path, version_spec
from bizenv.indicators.weights import (
    composite_weights,
    conditions_text,
    describe_conditions,
    effective_weights,
)
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, regions_for

HISTORY = 24
HORIZON = 6


def not_found(request, message: str, *, title: str = "未找到", status: int = 404):
    """A Chinese 404 page that says why (the region is outside the user's scope, the code is unknown, …);
    with status=200, a page that exists but has nothing to show yet (no published indicator system)."""
    return render(request, "dashboards/_indicator_not_found.html",
                  {"page_title": title, "message": message}, status=status)


def evaluated_periods(*, user, version) -> list[str]:
    """Periods to choose from, newest first: those with an evaluation run, else those with reviewed data."""
    periods = [run.period for run in run_latest_per_period(user=user, system_version=version)]
    if not periods:
        periods = list(reversed(evaluation_periods(system_version=version)))
    return periods


def period_choice(text: str, periods: list[str]) -> tuple[str | None, str]:
    """The requested period (normalised) or the latest evaluated one, and a Chinese error for a bad request."""
    if text:
        try:
            return str(Period.parse(text)), ""
        except ApplicationError as exc:
            return (periods[0] if periods else None), exc.message
    return (periods[0] if periods else None), ""


def visible_regions(user) -> list[Region]:
    """The regions the user may analyse, in tree order (the user's own region first)."""
    return list(regions_for(user, Permission.VIEW_DASHBOARD).select_related("parent").order_by("path"))


def _peer_group(user, region: Region, visible: list[Region]) -> list[Region]:
    """The regions the distribution shows: the visible part of the region's comparison group, or for a city
    its counties."""
    children = [r for r in visible if r.parent_id == region.pk]
    codes = {r.code for r in visible}
    group = analysis_selectors.comparison_regions(user=user, region=children[0] if children else region)
    return [r for r in group if r.code in codes]


def _forecast(user, *, region: Region, period: str, code: str) -> tuple[dict | None, str]:
    try:
        result = reports.forecast_report(user=user, region=region, period=period, indicator=code,
                                         history=HISTORY, horizon=HORIZON)
    except ApplicationError as exc:
        return None, exc.message
    if not any(v is not None for v in result["history"]):
        return None, f"{region.name}近 {HISTORY} 个月没有该指标的数据。"
    return result, ""


@permission_required(Permission.VIEW_DASHBOARD)
def indicator(request, code: str):
    version = active_version()
    if version is None:
        return not_found(request, "尚未发布指标体系。")
    item = indicator_get(version=version, code=code)
    if item is None:
        return not_found(request, f"现行指标体系 {version.system.name}（{version.version}）中没有编码为“{code}”的指标。")
    user = request.user
    children = sorted(item.children.all(), key=lambda c: (c.sort_order, c.id))
    is_leaf = not children
    path = indicator_path(indicator=item)
    spec = version_spec(version=version)
    variants = [{"label": describe_conditions(v.conditions), "conditions": conditions_text(v.conditions),
                 "weight": v.weight} for v in item.weight_variants.all()]
    sibling_share = effective_weights(spec).get(item.code)
    composite_share = composite_weights(spec).get(item.code)
    compiled = analysis_selectors.version_compiled(version=version)
    names = dict(zip(compiled.codes, compiled.names, strict=True))
    refs = analysis_selectors.benchmark_refs()
    benchmarks = [{"code": c, "name": names.get(c, c), "ref": refs[c]} for c in sorted(refs)
                  if c == item.code or c.startswith(item.code + ".")]

    periods = evaluated_periods(user=user, version=version)
    period, error = period_choice(request.GET.get("period", "").strip(), periods)
    visible = visible_regions(user)
    context = {
        "nav_active": "topics", "page_title": item.name, "version": version, "indicator": item,
        "path": path, "topic": path[0], "children": children, "is_leaf": is_leaf,
        "variants": variants, "benchmarks": benchmarks,
        "sibling_share": None if sibling_share is None else sibling_share * 100,
        "composite_share": None if composite_share is None else composite_share * 100,
        "periods": periods, "period": period, "regions": visible, "error": error,
        "children_rows": [(c, None) for c in children],
    }
    if period is None or not visible:
        context["no_data"] = "还没有已审核的指标值，暂无走势与分布。"
        return render(request, "dashboards/indicator.html", context)

    wanted = request.GET.get("region", "").strip()
    try:
        region = analysis_selectors.region_visible(user=user, code=wanted or visible[0].code)
    except ApplicationError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            return not_found(request, exc.message, title="区域不存在或无权查看")
        raise
    group = _peer_group(user, region, visible)
    measure = "value" if is_leaf else "score"
    unit = (item.unit if is_leaf else "分") or ""
    try:
        rows = reports.combined_query(user=user, regions=[r.code for r in group], periods=[period],
                                      indicators=[item.code])
    except ApplicationError as exc:
        rows, error = [], error or exc.message
    note = ""
    if not wanted and not any(r.code == region.code for r in group):
        # A city-wide user: the city itself usually has no values, so show its first county that has one.
        own = reports.combined_query(user=user, regions=[region.code], periods=[period], indicators=[item.code])
        if getattr(own[0], measure) is None:
            first = next((r for r in rows if getattr(r, measure) is not None), None)
            if first is not None:
                note = f"{region.name}本级没有该指标 {period} 的数据，默认显示{first.region_name}；可在上方切换区域。"
                region = next(r for r in group if r.code == first.region)
    items = [profile_charts.DistributionItem(code=r.region, name=r.region_name, value=getattr(r, measure),
                                             rank=r.rank) for r in rows]
    ref = refs.get(item.code)
    same_unit = ref is not None and is_leaf and (ref.unit or "") == (item.unit or "")
    distribution = profile_charts.distribution_bar(
        items, highlight=region.code, measure="指标值" if is_leaf else "得分", unit=unit,
        benchmark=ref.value if same_unit else None,
        benchmark_label=f"最佳实践 {ref.value:g}" if same_unit else "") if any(i.value is not None for i in items) \
        else None
    by_region = {r.region: r for r in rows}
    own_row = by_region.get(region.code)
    node_rows = reports.combined_query(user=user, regions=[region.code], periods=[period],
                                       indicators=[item.code, *(c.code for c in children)])
    forecast, forecast_error = _forecast(user, region=region, period=period, code=item.code)
    # Rank and best region among all peers, as published evaluations show them (only aggregates of peers).
    comparison = reports.comparison_report(user=user, region=region, period=period)
    peer_row = next((r for r in comparison["comparison_rows"] if r.code == item.code), None)
    context.update({
        "region": region, "note": note, "measure": measure, "unit": unit,
        "distribution_rows": [by_region[i.code] for i in profile_charts.distribution_order(items)],
        "distribution_chart": distribution,
        "regions_compared": len(group), "own_row": own_row,
        "peer_row": peer_row, "peers": len(comparison["regions_compared"]),
        "missing_regions": [i.name for i in items if i.value is None],
        "current": next((r for r in node_rows if r.indicator == item.code), None),
        "children_rows": [(c, next((r for r in node_rows if r.indicator == c.code), None)) for c in children],
        "forecast": forecast, "forecast_error": forecast_error,
    })
    return render(request, "dashboards/indicator.html", context)
