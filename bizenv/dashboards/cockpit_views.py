"""The leaders' cockpit (大屏): one dark full-screen page of the whole picture, refreshed every five minutes."""

from django.shortcuts import render

from bizenv.core import charts, clock
from bizenv.dashboards.overview import dashboard_overview, process_bottleneck
from bizenv.dashboards.views import map_chart, ranking_chart, trend_chart
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission

REFRESH_SECONDS = 300


@permission_required(Permission.VIEW_DASHBOARD)
def cockpit(request):
    # The latest evaluated month unless one is asked for (the home page passes its month); the 5-minute
    # refresh keeps the query, and a month never evaluated is said so.
    ov = dashboard_overview(user=request.user, period=request.GET.get("period", ""),
                            year=request.GET.get("year", ""), month=request.GET.get("month", ""))
    bottleneck = process_bottleneck(user=request.user)
    averages = ov.averages
    work = None
    if has_permission(request.user, Permission.VIEW_WORK):
        from bizenv.workflows.workbench import ontime_overview

        work = ontime_overview(user=request.user, as_of=clock.today(), top=4)
    context = {
        "page_title": "领导驾驶舱",
        "ov": ov,
        "refresh_seconds": REFRESH_SECONDS,
        "bottleneck": bottleneck,
        "work": work,
        "region_map": map_chart(ov, dark=True),
        "ranking_chart": ranking_chart(ov, dark=True),
        "trend_chart": trend_chart(ov, dark=True),
        "indicator_chart": charts.dark(charts.category_bars(
            [(a.name, round(a.score, 1) if a.score is not None else None) for a in averages], value_label="平均得分", unit="分", vertical=True,
            label_width=5)) if averages else None,
        "bottleneck_chart": charts.dark(charts.category_bars(
            [(s.step_name, round(s.mean_days, 2) if s.mean_days is not None else None) for s in bottleneck.steps],
            value_label="平均用时", unit="工作日", highlight={bottleneck.slowest.step_name} if bottleneck.slowest
            else ())) if bottleneck else None,
    }
    template = "dashboards/_cockpit_body.html" if request.htmx else "dashboards/cockpit.html"
    return render(request, template, context)
