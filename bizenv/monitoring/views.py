"""监测预警 pages: the warning map and list with filters and the 整改成效 summary, a warning's page (预警说明, its
figures, timeline, trend, peers, drill-down, measures, actions, 整改成效), and the office's review list.
Actions (POST) are in action_views, rules in rule_views, the inbox in inbox_views."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from bizenv.core.errors import ApplicationError
from bizenv.core.uploads import FileKind
from bizenv.monitoring import charts, effects, labels, pages, selectors
from bizenv.monitoring.effect import effect_chart
from bizenv.monitoring.forms import CloseForm, MeasureForm, ReviewForm, WarningFilterForm
from bizenv.monitoring.models import MeasureStatus, Warning
from bizenv.monitoring.specs import RuleKind
from bizenv.monitoring.timeline import warning_timeline
from bizenv.observations.quality import LOWER_BETTER
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission

NAV = {"nav_active": "monitoring"}
FILE_KIND_LABELS = {kind.value: str(kind.label) for kind in FileKind}
PAGE_SIZE = 20


def _version(request):
    try:
        return pages.page_version(system_code=request.GET.get("system", ""))
    except ApplicationError as exc:
        raise Http404(exc.message) from None


def warning_or_404(request, pk: int) -> Warning:
    """The warning if the user may see it; another region's warning is a 404 like a missing one."""
    warning = selectors.warning_get(user=request.user, pk=pk)
    if warning is None:
        raise Http404("没有这条预警，或它不在您的查看范围内。")
    return warning


def _row(warning: Warning, parent: str) -> dict:
    return {"warning": warning, "parent": parent, "kind": labels.kind_label(warning.kind),
            "severity": labels.severity_label(warning.severity), "severity_css": labels.severity_css(warning.severity),
            "periods": labels.periods_text(warning.first_period, warning.last_period),
            "figure": labels.key_figure(warning)}


def _map(request, form: WarningFilterForm, filters: dict) -> dict | None:
    scope = pages.map_scope(user=request.user)
    if scope is None:
        return None
    around = {k: v for k, v in filters.items() if k not in ("region", "status", "active")}
    counts = selectors.warning_map(warnings=selectors.warning_list(user=request.user, **around))
    warned = pages.map_counts(scope=scope, counts=counts)
    option = charts.warning_map(map_name=f"region-{scope.region.code}",
                                regions=[(code, name) for code, name, _path in scope.children], warned=warned)
    keep = form.query(region="__KEY__", page="")
    return {"region": scope.region, "option": option,
            "click_url": reverse("monitoring:index") + "?" + keep,
            "total": sum(count for count, _severity in warned.values()),
            "regions": [(name, *warned.get(code, (0, ""))) for code, name, _path in scope.children]}


@permission_required(Permission.VIEW_WARNINGS)
def index(request):
    version = _version(request)
    choices = pages.filter_choices(user=request.user, version=version)
    form = WarningFilterForm(request.GET or None, choices=choices)
    filters = form.filters()
    warnings = selectors.warning_list(user=request.user, **filters)
    listed = warnings.select_related("system_version").annotate(measure_count=Count("measures"))
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    parents = pages.parent_names(warnings=page)
    overview = effects.effects_overview(
        warnings=warnings.exclude(first_measure_period="").select_related("system_version", "region"))
    context = {
        **NAV, "page_title": "监测预警", "form": form, "page": page,
        "rows": [_row(w, parents.get(w.pk, "")) for w in page],
        "query": form.query(page=""), "map": _map(request, form, filters), "effects": overview,
        "can_manage": has_permission(request.user, Permission.MANAGE_WARNINGS),
    }
    if request.htmx:
        return render(request, "monitoring/_results.html", context)
    return render(request, "monitoring/index.html", context)


# --------------------------------------------------------------------------------------------- one warning


def _trend_marks(warning: Warning, series: effects.WarningSeries) -> list[tuple[float, str]]:
    facts = warning.facts or {}
    if warning.kind == RuleKind.THRESHOLD and series.measure == effects.VALUE:
        return [((warning.rule.params or {}).get("line", warning.reference), "预警线")]
    if warning.kind == RuleKind.LAG_BENCHMARK and series.measure == effects.VALUE:
        return [(facts.get("benchmark"), "标杆值"), (warning.reference, "预警界限")]
    return []


def _charts(warning: Warning, series: effects.WarningSeries | None) -> dict:
    if series is None:
        return {}
    what = "得分" if series.measure == effects.SCORE else "指标值"
    best = series.best if warning.kind == RuleKind.LAG_BEST else None
    trend = charts.trend(periods=series.periods, own=series.own, own_name=warning.region.name, unit=series.unit,
                         average=series.average, best=best, best_name="最优地区得分",
                         marks=_trend_marks(warning, series),
                         warned=[h.get("period") for h in warning.history or []])
    period = warning.last_period if warning.last_period in series.periods else series.last_period
    items = [(name, value) for _code, name, value in series.at(period)]
    peers = charts.peers(items=items, own_name=warning.region.name, unit=series.unit,
                         lower_better=series.direction == LOWER_BETTER, value_label=what) if items else None
    return {"trend": trend, "peers": peers, "peer_period": period, "what": what,
            "direction": labels.DIRECTION_LABELS.get(series.direction, ""),
            "first_period": series.periods[0] if series.periods else "", "periods": len(series.periods)}


def detail_context(request, warning: Warning, *, measure_form: MeasureForm | None = None,
                   close_form: CloseForm | None = None, review_forms: dict | None = None) -> dict:
    """Everything the warning page shows; bound forms with errors are passed in to be shown again."""
    user = request.user
    can_act = selectors.warning_can_act(user=user, warning=warning)
    can_manage = selectors.warning_can_manage(user=user, warning=warning)
    measures = selectors.warning_measures(warning=warning)
    for measure in measures:
        for evidence in measure.evidence.all():
            evidence.kind_label = FILE_KIND_LABELS.get(evidence.kind, "文件")
    series = effects.warning_series(warning=warning)
    effect = effects.warning_effect(warning=warning, series=series) if warning.first_measure_period else None
    needed = warning.rule.clear_periods
    review_forms = review_forms or {}
    parent = pages.parent_names(warnings=[warning]).get(warning.pk, "")
    context = {
        **NAV, "page_title": f"预警详情 · {warning.region.name} · {warning.indicator_name}",
        "warning": warning, "row": _row(warning, parent), "facts": labels.facts_rows(warning.facts, kind=warning.kind),
        "status_css": {"open": "badge-red", "acknowledged": "badge-amber", "rectifying": "badge-blue",
                       "resolved": "badge-green", "closed": ""}.get(warning.status, ""),
        "timeline": warning_timeline(warning=warning, measures=measures),
        "history": labels.history_rows(warning), "history_label": labels.history_reference_label(warning),
        "charts": _charts(warning, series),
        "records": pages.records_link(user=user, warning=warning),
        "overdue": pages.overdue_cases_of(warning=warning) if warning.kind == RuleKind.OVERDUE else None,
        "measures": [{"measure": m, "review_form": review_forms.get(m.pk) or ReviewForm(prefix=f"m{m.pk}"),
                      "reviewable": can_manage and m.status == MeasureStatus.SUBMITTED} for m in measures],
        "can_act": can_act, "can_manage": can_manage,
        "can_acknowledge": can_act and warning.status == "open",
        "can_submit": can_act and warning.is_active,
        "measure_form": measure_form or MeasureForm(methods=selectors.methods_active()),
        "close_form": close_form or CloseForm(),
        "clear_needed": needed, "clear_remaining": max(0, needed - warning.cleared_periods),
        "effect": effect,
        "effect_chart": charts.with_period_labels(effect_chart(effect)) if effect is not None else None,
        "previous": warning.previous if warning.previous_id and selectors.warning_get(
            user=user, pk=warning.previous_id) else None,
        "panels": pages.warning_panels_for(request=request, warning=warning),
    }
    return context


@permission_required(Permission.VIEW_WARNINGS)
def warning_detail(request, pk: int):
    warning = warning_or_404(request, pk)
    return render(request, "monitoring/warning.html", detail_context(request, warning))


@permission_required(Permission.MANAGE_WARNINGS)
def reviews(request):
    measures = (selectors.measures_to_review(user=request.user)
                .select_related("created_by", "department", "warning__rule").prefetch_related("evidence")
                .order_by("created_at", "id"))
    page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "monitoring/reviews.html", {
        **NAV, "page_title": "整改举措审核", "page": page,
        "rows": [{"measure": m, "warning": _row(m.warning, "")} for m in page]})

