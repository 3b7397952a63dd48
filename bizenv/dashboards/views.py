"""Home page and the topic list; they compose other apps' selectors (see overview.py)."""

from django.shortcuts import redirect, render

from bizenv.core import charts
from bizenv.dashboards.overview import Overview, dashboard_overview, map_centres
from bizenv.indicators.selectors import active_version, topic_list
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission, user_roles


def map_chart(ov: Overview, *, dark: bool = False) -> dict | None:
    """The city's regions coloured by composite score (by population before any evaluation), warnings marked."""
    if ov.city is None or not ov.counties:
        return None
    if ov.ranking:
        values = [{"name": row.region.name, "key": row.region.code,
                   "value": round(row.total.score, 2) if row.total and row.total.score is not None else None}
                  for row in ov.ranking]
        centres = map_centres(region=ov.city) if ov.warned_regions else {}
        warnings = [{"name": w.region_name, "key": w.region_code, "reason": w.summary,
                     "coord": centres.get(w.region_code)} for w in ov.warned_regions]
        option = charts.region_map(map_name=f"region-{ov.city.code}", values=values, value_label="综合得分",
                                   unit="分", warnings=warnings)
    else:
        values = [{"name": r.name, "value": round((r.population or 0) / 10000, 1), "key": r.code}
                  for r in ov.counties]
        option = charts.region_map(map_name=f"region-{ov.city.code}", values=values, value_label="常住人口",
                                   unit="万人")
    return charts.dark(option) if dark else option


def ranking_chart(ov: Overview, *, dark: bool = False) -> dict | None:
    items = [(row.region.name, round(row.total.score, 2), row.region.code) for row in ov.ranking
             if row.total and row.total.score is not None]
    if len(items) < 2:
        return None
    option = charts.horizontal_bar(items, value_label="综合得分", unit="分", marked=ov.warned)
    return charts.dark(option) if dark else option


def trend_chart(ov: Overview, *, dark: bool = False) -> dict | None:
    if not ov.trend_periods:
        return None
    option = charts.trend_line(ov.trend_periods, [(line.name, line.values) for line in ov.trend])
    return charts.dark(option) if dark else option


def home(request):
    # 三员分立: the administrators see no business pages; their home is 系统管理 (the logo leads there too).
    if request.user.is_authenticated and not has_permission(request.user, Permission.VIEW_DASHBOARD) \
            and user_roles(request.user):
        return redirect("organisations:admin_home")
    return _home(request)


@permission_required(Permission.VIEW_DASHBOARD)
def _home(request):
    ov = dashboard_overview(user=request.user, period=request.GET.get("period", ""),
                            year=request.GET.get("year", ""), month=request.GET.get("month", ""))
    context = {
        "nav_active": "home",
        "page_title": "首页",
        "ov": ov,
        "region_map": map_chart(ov),
        "ranking_chart": ranking_chart(ov),
        "trend_chart": trend_chart(ov),
        "weights_chart": charts.weights_pie([(t.name, t.weight) for t in ov.topics if not t.optional]),
    }
    template = "dashboards/_home_body.html" if request.htmx else "dashboards/home.html"
    return render(request, template, context)


@permission_required(Permission.VIEW_DASHBOARD)
def topics(request):
    return render(request, "dashboards/topics.html",
                  {"nav_active": "topics", "page_title": "专题分析", "topics": topic_list(), "version": active_version()})
