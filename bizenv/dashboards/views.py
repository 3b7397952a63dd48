"""Home page and topic pages; they compose other apps' selectors."""

from django.shortcuts import render

from bizenv.core.decorators import permission_required
from bizenv.dashboards import charts
from bizenv.evaluation.models import ReleaseStatus
from bizenv.evaluation.selectors import release_list, run_latest_per_period, run_ranking
from bizenv.indicators.selectors import active_version, topic_list
from bizenv.organisations.models import RegionLevel
from bizenv.organisations.permissions import Permission
from bizenv.organisations.selectors import region_list


def _latest_ranking(user, version, visible_codes: set[str]):
    """The newest evaluation of the active system: its run and the ranking rows the user may see."""
    runs = run_latest_per_period(user=user, system_version=version) if version else []
    if not runs:
        return None, []
    run = runs[0]
    rows = [r for r in run_ranking(run=run).rows if r.member and r.region.code in visible_codes]
    return run, rows


@permission_required(Permission.VIEW_DASHBOARD)
def home(request):
    regions = list(region_list(user=request.user))
    version = active_version()
    topics = topic_list()
    city = next((r for r in regions if r.level == RegionLevel.CITY), None)
    counties = [r for r in regions if city and r.parent_id == city.pk]
    run, ranking = _latest_ranking(request.user, version, {r.code for r in regions})
    pie = charts.weights_pie([(t.name, t.weight) for t in topics if not t.optional])
    region_map = None
    if city is not None and counties:
        if ranking:
            values = [{"name": row.region.name, "key": row.region.code,
                       "value": round(row.total.score, 2) if row.total and row.total.score is not None else None}
                      for row in ranking]
            region_map = charts.region_map(map_name=f"region-{city.code}", values=values,
                                           value_label="综合得分", unit="分")
        else:
            values = [{"name": r.name, "value": round((r.population or 0) / 10000, 1), "key": r.code}
                      for r in counties]
            region_map = charts.region_map(map_name=f"region-{city.code}", values=values,
                                           value_label="常住人口", unit="万人")
    own = ranking[0] if len(ranking) == 1 else None
    latest_release = release_list(user=request.user).filter(status=ReleaseStatus.PUBLISHED).order_by("-id").first()
    context = {
        "nav_active": "home",
        "page_title": "首页",
        "regions": regions,
        "city": city,
        "counties": counties,
        "version": version,
        "topics": topics,
        "run": run,
        "ranking": ranking,
        "own": own,
        "latest_release": latest_release,
        "weights_chart": pie,
        "region_map": region_map,
        "ranking_chart": charts.horizontal_bar(
            [(row.region.name, round(row.total.score, 2)) for row in ranking if row.total and row.total.score is not None],
            value_label="综合得分", unit="分") if len(ranking) > 1 else None,
    }
    return render(request, "dashboards/home.html", context)


@permission_required(Permission.VIEW_DASHBOARD)
def topics(request):
    return render(request, "dashboards/topics.html",
                  {"nav_active": "topics", "page_title": "专题分析", "topics": topic_list(), "version": active_version()})
