"""区域画像: a county's composite score and rank over time, level-1 scores against the best region, strengths
and weaknesses, gap decomposition and the what-if simulator (模拟测算)."""

from __future__ import annotations

import math
from dataclasses import asdict

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bizenv.analysis import reports
from bizenv.analysis import selectors as analysis_selectors
from bizenv.analysis.gaps import TARGET_LABELS, GapTarget
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import Period
from bizenv.dashboards import profile_charts
from bizenv.dashboards.indicator_views import evaluated_periods, not_found, period_choice, visible_regions
from bizenv.evaluation.selectors import composite_history, run_latest_per_period
from bizenv.indicators.selectors import active_version
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission

HISTORY = 24
MAX_CHANGES = 5
KINDS = {"yoy": "同比", "pop": "环比"}


def _region(request, code: str):
    """(region, None) when the user may see it, else (None, a Chinese 404 response)."""
    try:
        return analysis_selectors.region_visible(user=request.user, code=code), None
    except ApplicationError as exc:
        return None, not_found(request, exc.message, title="区域不存在或无权查看")


def _current_values(user, *, region, period) -> dict[str, float | None]:
    """{node code: the region's value in the period} (None where it has none)."""
    try:
        rows = reports.combined_query(user=user, regions=[region.code], periods=[period])
    except ApplicationError:
        return {}
    return {r.indicator: r.value for r in rows}


def _leaf_options(*, version, values: dict[str, float | None]) -> list[dict]:
    """Every leaf of the system with the region's current value, grouped under its level-1 indicator."""
    compiled = analysis_selectors.version_compiled(version=version)
    groups: dict[int, dict] = {}
    for node in compiled.leaf_nodes:
        node = int(node)
        top = node
        while int(compiled.level[top]) > 1:
            top = int(compiled.parent[top])
        spec = compiled.specs[node]
        group = groups.setdefault(top, {"name": compiled.names[top], "options": []})
        group["options"].append({"code": compiled.codes[node], "name": compiled.names[node],
                                 "unit": spec.unit if spec else "", "value": values.get(compiled.codes[node])})
    return list(groups.values())


def _value_text(value: float | None, unit: str) -> str:
    """As the floatformat:"-2" filter writes it: whole numbers without decimals, others with two."""
    if value is None:
        return "无数据"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
    return f"{text} {unit}" if unit else text


def _select_options(groups: list[dict], selected: str) -> str:
    """The <optgroup>s of a what-if row's leaf select. The page has five rows over ~150 leaves: the option
    markup is escaped once per leaf and joined per row, instead of rendered 750 times by the template."""
    parts = []
    for group in groups:
        if "html" not in group:
            group["html"] = [(o["code"], *(format_html('<option value="{}"{}>{}（{}）</option>', o["code"], mark,
                                                       o["name"], _value_text(o["value"], o["unit"]))
                                           for mark in ("", " selected")))
                             for o in group["options"]]
        options = "".join(chosen if code == selected else plain for code, plain, chosen in group["html"])
        parts.append(format_html('<optgroup label="{}">', group["name"]) + options + "</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 — every piece is escaped by format_html above


def _with_options(rows: list[dict], groups: list[dict]) -> list[dict]:
    return [{**row, "options": _select_options(groups, row["indicator"])} for row in rows]


def _option(groups: list[dict], code: str) -> dict | None:
    return next((o for g in groups for o in g["options"] if o["code"] == code), None)


def _default_rows(gaps: dict | None, groups: list[dict]) -> list[dict]:
    """The five leaves that lose the most composite points, prefilled with their current values."""
    rows = []
    for gap in (gaps["rows"] if gaps else []):
        option = _option(groups, gap.code)
        if option is not None and option["value"] is not None and gap.frontier_gap > 0:
            rows.append({"indicator": option["code"], "value": _plain(option["value"])})
        if len(rows) == MAX_CHANGES:
            break
    while len(rows) < MAX_CHANGES:
        rows.append({"indicator": "", "value": ""})
    return rows


def _plain(value: float | None) -> str:
    return "" if value is None else format(round(value, 6), ".15g")


def _composite_history(user, *, version, region, period: str, group: list) -> tuple[list, int]:
    """The region's composite score and rank per month up to `period` (at most 24) and how many were ranked:
    from the evaluation runs, which rank it among all its peers as published; without runs, scored on the fly
    among the peers the user may see."""
    end = Period.parse(period)
    runs = [run for run in run_latest_per_period(user=user, system_version=version)
            if Period.parse(run.period).kind == end.kind and Period.parse(run.period) <= end][:HISTORY]
    history = composite_history(runs=list(reversed(runs)), region=region)
    if history:
        points = [profile_charts.CompositePoint(period=p, score=score, rank=rank) for p, score, rank, _n in history]
        return points, history[-1][3]
    visible = {r.code for r in visible_regions(user)}
    peers = [r.code for r in group if r.code in visible]
    history = analysis_selectors.period_history(period=period, count=HISTORY)
    rows = reports.combined_query(user=user, regions=peers, periods=history, indicators=["TOTAL"])
    return ([profile_charts.CompositePoint(period=r.period, score=r.score, rank=r.rank)
             for r in rows if r.region == region.code], len(peers))


def _profile(request, *, region, version, period: str, target: str, kind: str) -> dict:
    """Everything the region page shows for one period; each report's Chinese error is kept, not raised."""
    user = request.user
    group = analysis_selectors.comparison_regions(user=user, region=region)
    ranked = len(group)
    points, chart_ranked = _composite_history(user, version=version, region=region, period=period, group=group)
    comparison = reports.comparison_report(user=user, region=region, period=period)
    total = comparison["comparison_rows"][0]
    now = profile_charts.CompositePoint(period=period, score=total.score, rank=total.rank)
    previous = str(Period.parse(period).previous())
    before = next((p for p in points if p.period == previous), None)
    topics = [r for r in comparison["comparison_rows"] if r.level == 1]
    topic_items = [profile_charts.TopicScore(name=r.name, score=r.score,
                                             best_score=r.best_region_score if ranked > 1 else None)
                   for r in topics]
    errors = {}
    try:
        changes = reports.changes_report(user=user, region=region, period=period, kind=kind)
    except ApplicationError as exc:
        changes, errors["changes"] = None, exc.message
    frontier = reports.gaps_report(user=user, region=region, period=period, target=GapTarget.FRONTIER)
    gaps = frontier if target == GapTarget.FRONTIER else reports.gaps_report(
        user=user, region=region, period=period, target=target)
    groups = _leaf_options(version=version, values={r.code: r.value for r in comparison["comparison_rows"]})
    return {
        "ranked": ranked,
        "now": now,
        "score_delta": (now.score - before.score) if now and before and now.score is not None
        and before.score is not None else None,
        "trend_chart": profile_charts.composite_rank_line(points, region_name=region.name, ranked=chart_ranked)
        if any(p.score is not None for p in points) else None,
        "topics": topics,
        "topics_chart": profile_charts.topic_scores_bar(
            topic_items, region_name=region.name, best_label="同级最优地区")
        if any(t.score is not None for t in topic_items) else None,
        "changes": changes, "kind": kind, "kinds": KINDS, "errors": errors,
        **_gaps_context(gaps, target),
        "leaf_groups": groups,
        "whatif_rows": _with_options(_default_rows(frontier, groups), groups),
    }


def _gaps_context(gaps: dict, target: str) -> dict:
    has_gap = gaps["composite"] is not None and any(r.score is not None for r in gaps["rows"])
    rows = [{**asdict(r), "share_pct": r.share * 100} for r in gaps["rows"] if r.score is not None][:10]
    return {"gaps": gaps, "gap_rows": rows,
            "gap_chart": gaps["chart"] if has_gap else None, "target": target,
            "target_label": TARGET_LABELS[GapTarget(target)],
            "targets": [(str(t), TARGET_LABELS[t]) for t in GapTarget]}


def _base(request, region, version, periods, period) -> dict:
    children = [r for r in visible_regions(request.user) if r.parent_id == region.pk]
    return {"nav_active": "home", "page_title": f"{region.name}区域画像", "region": region, "version": version,
            "periods": periods, "period": period, "max_changes": MAX_CHANGES, "children": children}


@permission_required(Permission.VIEW_DASHBOARD)
def region(request, code: str):
    found, refused = _region(request, code)
    if refused:
        return refused
    version = active_version()
    if version is None:
        return not_found(request, f"{found.name}：尚未发布指标体系，还没有可以展示的评价结果。", title="区域画像",
                         status=200)
    periods = evaluated_periods(user=request.user, version=version)
    period, error = period_choice(request.GET.get("period", "").strip(), periods)
    target = request.GET.get("target", GapTarget.FRONTIER)
    target = target if target in {str(t) for t in GapTarget} else str(GapTarget.FRONTIER)
    kind = request.GET.get("kind", "yoy")
    kind = kind if kind in KINDS else "yoy"
    context = {**_base(request, found, version, periods, period), "error": error}
    if period is None:
        return render(request, "dashboards/region.html", {**context, "no_data": True})
    part = request.GET.get("part", "") if request.htmx else ""
    if part == "gaps":
        gaps = reports.gaps_report(user=request.user, region=found, period=period, target=target)
        ranked = len(analysis_selectors.comparison_regions(user=request.user, region=found))
        return render(request, "dashboards/_region_gaps.html",
                      {**context, **_gaps_context(gaps, target), "ranked": ranked})
    if part == "whatif_row":
        groups = _leaf_options(version=version, values=_current_values(request.user, region=found, period=period))
        chosen = request.GET.get("indicator", "")
        option = _option(groups, chosen)
        row = {"indicator": chosen, "value": _plain(option["value"]) if option else ""}
        return render(request, "dashboards/_region_whatif_row.html",
                      {**context, "row": _with_options([row], groups)[0]})
    context.update(_profile(request, region=found, version=version, period=period, target=target, kind=kind))
    return render(request, "dashboards/region.html", context)


def _posted_changes(post, groups: list[dict]) -> tuple[list[dict], dict[str, float], str]:
    """The posted rows as typed, the changes {leaf code: new value}, and the first Chinese error."""
    rows = [{"indicator": i.strip(), "value": v.strip()}
            for i, v in zip(post.getlist("indicator"), post.getlist("value"), strict=False)]
    changes: dict[str, float] = {}
    chosen = [r for r in rows if r["indicator"]]
    if len(chosen) > MAX_CHANGES:
        return rows, {}, f"一次最多模拟 {MAX_CHANGES} 个指标。"
    for row in chosen:
        code = row["indicator"]
        option = _option(groups, code)
        name = option["name"] if option else code
        if code in changes:
            return rows, {}, f"指标“{name}”填写了不止一次，请每个指标只填一行。"
        if not row["value"]:
            return rows, {}, f"请填写指标“{name}”的新数值。"
        try:
            value = float(row["value"].replace(",", "").replace("，", ""))
        except ValueError:
            return rows, {}, f"“{row['value']}”不是有效的数字（指标“{name}”），请填写数字，例如 12.5。"
        if not math.isfinite(value):
            return rows, {}, f"指标“{name}”的数值必须是有限的数字。"
        changes[code] = value
    if not changes:
        return rows, {}, "请至少选择一个指标并填写新数值。"
    return rows, changes, ""


@permission_required(Permission.VIEW_DASHBOARD)
def region_whatif(request, code: str):
    found, refused = _region(request, code)
    if refused:
        return refused
    if request.method != "POST":
        return redirect(reverse("dashboards:region", args=[found.code]))
    version = active_version()
    if version is None:
        return not_found(request, "尚未发布指标体系。")
    periods = evaluated_periods(user=request.user, version=version)
    period, error = period_choice(request.POST.get("period", "").strip(), periods)
    result, rows = None, None
    if period is None:
        error = error or "还没有已审核的指标值，无法模拟测算。"
    else:
        groups = _leaf_options(version=version, values={})  # names for the messages
        rows, changes, error = (None, None, error) if error else _posted_changes(request.POST, groups)
        if not error:
            try:
                result = reports.whatif_report(user=request.user, region=found, period=period, changes=changes)
                result["nodes"] = [{**asdict(n), "score_delta": None if n.score_before is None or n.score_after is None
                                    else n.score_after - n.score_before} for n in result["nodes"]]
            except ApplicationError as exc:
                if exc.code == ErrorCode.NOT_FOUND:
                    return not_found(request, exc.message, title="区域不存在或无权查看")
                error = exc.message
    context = {**_base(request, found, version, periods, period), "whatif": result, "whatif_error": error}
    if request.htmx:
        return render(request, "dashboards/_region_whatif_result.html", context)
    if period is not None:
        context.update(_profile(request, region=found, version=version, period=period,
                                target=str(GapTarget.FRONTIER), kind="yoy"))
        if rows:
            context["whatif_rows"] = _with_options(
                rows + [{"indicator": "", "value": ""}] * (MAX_CHANGES - len(rows)), context["leaf_groups"])
    return render(request, "dashboards/region.html", context, status=400 if error else 200)
