"""按期完成率: on-time completion by department, region, kind and month at a chosen day, the charts and the overdue
list. Every number is `stats.ontime_stats` / `ontime_total` / `overdue_list` over the facts of the items the user
may see — the same computation as the cockpit, the ledger and `bizenv workitems stats`."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission
from bizenv.workflows import charts, selectors, stats, workbench
from bizenv.workflows.forms import AsOfForm

GROUPINGS = (("department", "按责任部门", "责任部门"), ("region", "按县（市、区）", "县（市、区）"),
             ("kind", "按任务类型", "任务类型"), ("month", "按到期月份", "到期月份"))


def _rows(by: str, tallies: list[stats.Tally]) -> list[dict]:
    """The table rows of one grouping: months in calendar order, the others by rate (highest first, nothing due
    last), each with its Chinese name."""
    if by == "month":
        ordered = sorted(tallies, key=lambda t: t.key)
    else:
        ordered = charts.rate_order(tallies)
    name = {"kind": workbench.kind_label, "month": charts.month_label}.get(by, lambda key: None)
    return [{"tally": t, "name": name(t.key) or t.name} for t in ordered]


@permission_required(Permission.VIEW_WORK)
def ontime(request):
    form = AsOfForm(request.GET or None)
    as_of = form.day()
    items = selectors.item_list(user=request.user)
    facts = selectors.item_facts(items=items)
    total = stats.ontime_total(facts, as_of=as_of)
    grouped = {by: stats.ontime_stats(facts, as_of=as_of, by=by) for by, _title, _head in GROUPINGS}
    tables = [{"by": by, "title": title, "head": head, "rows": _rows(by, grouped[by]),
               "total": stats.tally_sum(grouped[by]), "any_due": any(t.due for t in grouped[by])}
              for by, title, head in GROUPINGS]
    overdue = stats.overdue_list(facts, as_of=as_of)
    pks = dict(items.filter(code__in=[j.fact.code for j in overdue]).values_list("code", "pk"))
    status_counts = workbench.status_counts(items)
    bars = {by: charts.rate_bars(grouped[by]) for by in ("department", "region")}
    return render(request, "workflows/stats.html", {
        "nav_active": "workflows", "page_title": "按期完成率", "form": form, "as_of": as_of, "total": total,
        "tables": [t for t in tables if t["rows"]],
        "empty_tables": [t["title"] for t in tables if not t["rows"]],
        "has_department": bool(tables[0]["rows"]), "has_region": bool(tables[1]["rows"]),
        "overdue": [{"judged": j, "pk": pks.get(j.fact.code),
                     "approved": j.fact.approved_on if j.fact.approved_on and j.fact.approved_on <= as_of else None}
                    for j in overdue],
        "charts": {
            "department": bars["department"] if tables[0]["any_due"] else None,
            "region": bars["region"] if tables[1]["any_due"] else None,
            "month": charts.monthly_chart(grouped["month"]) if tables[3]["any_due"] else None,
            "status": charts.status_ring(status_counts) if status_counts else None,
        },
        "chart_heights": {by: charts.bars_height(option) for by, option in bars.items()},
        "item_count": sum(n for _s, _l, n in status_counts),
    })


urlpatterns = [
    path("stats/", ontime, name="stats"),
]
