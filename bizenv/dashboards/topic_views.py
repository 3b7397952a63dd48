"""A topic page per first-level indicator (专题): measured process, bottlenecks, drill-down and its tabs."""

from django.http import Http404
from django.shortcuts import render

from bizenv.core.decorators import permission_required
from bizenv.dashboards import charts
from bizenv.datasets.bottlenecks import summarise_regions, summarise_steps
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.selectors import step_statistics
from bizenv.indicators.selectors import active_version
from bizenv.organisations.permissions import Permission


@permission_required(Permission.VIEW_DASHBOARD)
def topic(request, code: str):
    version = active_version()
    if version is None:
        raise Http404("尚未发布指标体系")
    indicator = (
        version.indicators.filter(level=1, code=code)
        .prefetch_related("lead_departments", "responsible_departments", "weight_variants")
        .first()
    )
    if indicator is None:
        raise Http404("没有这个专题")
    children = list(
        version.indicators.filter(code__startswith=indicator.code + ".")
        .prefetch_related("lead_departments")
        .order_by("level", "sort_order")
    )
    by_parent: dict[int, list] = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append(child)
    rows = []

    def walk(node, depth):
        for child in by_parent.get(node.pk, []):
            rows.append({"indicator": child, "depth": depth, "is_leaf": child.pk not in by_parent})
            walk(child, depth + 1)

    walk(indicator, 1)
    second_level = by_parent.get(indicator.pk, [])
    processes = []
    for dataset in (d for d in DATASETS.values() if d.topic == indicator.code):
        period, step_rows = step_statistics(user=request.user, process=dataset.code)
        if not step_rows:
            continue
        steps = summarise_steps(step_rows)
        processes.append({
            "dataset": dataset, "period": period, "steps": steps, "regions": summarise_regions(step_rows),
            "chart": charts.horizontal_bar([(st.step_name[:14], round(st.mean_days, 2)) for st in steps
                                            if st.mean_days is not None], value_label="平均用时", unit="工作日"),
        })
    context = {
        "nav_active": "topics",
        "page_title": indicator.name,
        "version": version,
        "indicator": indicator,
        "rows": rows,
        "weights_chart": charts.weights_pie([(c.name, c.weight) for c in second_level]) if second_level else None,
        "processes": processes,
    }
    return render(request, "dashboards/topic.html", context)


def topic_compare(request, code: str):
    raise Http404("建设中")


def topic_self_assessment(request, code: str):
    raise Http404("建设中")


def topic_report_docx(request, code: str):
    raise Http404("建设中")


def topic_report_pdf(request, code: str):
    raise Http404("建设中")
