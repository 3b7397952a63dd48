"""Reads of the 问题整治清单: the warning facts the proposal rule reads, who sees which list item, each item's
progress (approved work items / all of them) and the trend of its indicator in the regions concerned.

Who sees what: the office and leaders every list item of their regions, proposals and dismissed ones included;
a department the confirmed and finished items it leads or has work items in (responsible or 协办); a county the
confirmed and finished items that concern one of its regions. The administrators see none.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet

from bizenv.core import clock
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.monitoring.explain import period_text
from bizenv.monitoring.labels import figure_text, history_reference_label, key_figure
from bizenv.monitoring.models import Warning, WarningStatus
from bizenv.organisations.models import Department, DepartmentKind, Region, Role
from bizenv.organisations.permissions import Permission, has_permission, regions_for, user_roles
from bizenv.workflows.models import ItemStatus, ProblemListItem, ProblemStatus, WorkItem
from bizenv.workflows.problems import MIN_REGIONS_DEFAULT, WarningFact
from bizenv.workflows.selectors import county_region_paths

SETTING = "BIZENV_PROBLEM_MIN_REGIONS"
TREND_MONTHS = 12
PUBLIC_STATUSES = (ProblemStatus.CONFIRMED, ProblemStatus.DONE)


def problem_min_regions() -> int:
    """k of the spread rule: the setting (or environment variable) BIZENV_PROBLEM_MIN_REGIONS, default 3."""
    raw = getattr(settings, SETTING, None)
    if raw in (None, ""):
        raw = os.environ.get(SETTING, "")
    if raw in (None, ""):
        return MIN_REGIONS_DEFAULT
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = 0
    if value < 2:
        raise ApplicationError(f"设置 {SETTING} 的值“{raw}”无效：应为不小于 2 的整数（同一指标同月至少几个地区预警时"
                               "提出问题整治清单建议，默认 3）。", code=ErrorCode.INVALID)
    return value


# ---------------------------------------------------------------------------------------------------------
# The facts of the proposal rule


def _span(first: str, last: str) -> str:
    if not first:
        return ""
    return period_text(first) if first == last or not last else f"{period_text(first)}—{period_text(last)}"


def figure_at(warning: Warning, period: str) -> str:
    """The warning's figure in `period` as a person reads it: the latest month's 预警说明 figure, or for an earlier
    month the figure and its bound recorded in the warning's history."""
    if period == warning.last_period:
        return key_figure(warning)
    entry = next((h for h in warning.history or () if h.get("period") == period), None)
    if entry is None:
        return key_figure(warning)
    unit = (warning.facts or {}).get("unit") or ""
    value, reference = entry.get("value"), entry.get("reference")
    if warning.kind == "bottom_rank":
        try:
            return f"排名第 {int(value)} 位（排名在第 {int(reference)} 位之后预警）"
        except (TypeError, ValueError):
            return key_figure(warning)
    label = history_reference_label(warning)
    shown = figure_text(value, unit, kind=warning.kind)
    if warning.kind == "fluctuation":
        shown = f"变化 {shown}"
    return f"{shown}（{label} {figure_text(reference, unit, kind=warning.kind)}）"


def problem_facts(*, system_version: SystemVersion, period: str) -> list[WarningFact]:
    """The warnings of the version that fired in `period` (the month is in their history), except those the office
    closed, each with the chain of resolved warnings of the same rule, region and indicator before it."""
    chain = {pk: (status, previous, first, last) for pk, status, previous, first, last in
             Warning.objects.filter(system_version=system_version)
             .values_list("pk", "status", "previous_id", "first_period", "last_period")}
    rows = (Warning.objects.filter(system_version=system_version, first_period__lte=period, last_period__gte=period)
            .exclude(status=WarningStatus.CLOSED).select_related("region").order_by("id"))
    out = []
    for warning in rows:
        if not any(entry.get("period") == period for entry in warning.history or ()):
            continue
        earlier: list[str] = []
        previous, seen = warning.previous_id, set()
        while previous in chain and previous not in seen and chain[previous][0] == WarningStatus.RESOLVED:
            seen.add(previous)
            _status, before, first, last = chain[previous]
            earlier.append(_span(first, last))
            previous = before
        out.append(WarningFact(
            warning_id=warning.pk, indicator_code=warning.indicator_code, indicator_name=warning.indicator_name,
            level1_code=warning.level1_code, region_code=warning.region.code, region_name=warning.region.name,
            period=period, severity=warning.severity, kind=warning.kind, figure=figure_at(warning, period),
            recurrences=len(earlier), earlier=tuple(reversed(earlier))))
    return out


# ---------------------------------------------------------------------------------------------------------
# Who sees what


def _sees_all(user) -> bool:
    return bool({Role.OFFICE, Role.LEADER} & user_roles(user))


def problem_list(*, user, status: str = "") -> list[ProblemListItem]:
    """The list items the user may see (latest month first), optionally of one status."""
    if not has_permission(user, Permission.VIEW_WORK):
        return []
    qs = ProblemListItem.objects.select_related("lead_department", "decided_by").order_by("-period", "-id")
    if status:
        qs = qs.filter(status=status)
    visible_codes = set(regions_for(user, Permission.VIEW_WORK).values_list("code", flat=True))
    if _sees_all(user):
        return [p for p in qs if not p.regions or set(p.regions) & visible_codes]
    qs = qs.filter(status__in=PUBLIC_STATUSES)
    mine = Q(pk__in=[])
    dept_id = getattr(user, "department_id", None)
    if Role.DEPARTMENT in user_roles(user) and dept_id:
        mine |= Q(lead_department_id=dept_id)
        mine |= Q(work_items__assignee_department_id=dept_id) | Q(work_items__co_departments=dept_id)
    involved = set(qs.filter(mine).values_list("pk", flat=True))
    county_codes = _county_codes(user)
    return [p for p in qs if p.pk in involved or set(p.regions) & county_codes]


def _county_codes(user) -> set[str]:
    paths = county_region_paths(user)
    if not paths:
        return set()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return set(Region.objects.filter(q).values_list("code", flat=True))


def problem_get(*, user, pk: int) -> ProblemListItem | None:
    """One list item the user may see (None when absent or hidden: the same answer either way)."""
    return next((p for p in problem_list(user=user) if p.pk == pk), None)


def problem_can_manage(*, user) -> bool:
    """The office confirms, dismisses and finishes list items."""
    return has_permission(user, Permission.MANAGE_WORK)


# ---------------------------------------------------------------------------------------------------------
# Progress and items


@dataclass(frozen=True)
class Progress:
    approved: int
    total: int  # work items of the list item, cancelled ones left out
    open: int
    overdue: int  # open past their deadline today

    @property
    def percent(self) -> int:
        return round(self.approved * 100 / self.total) if self.total else 0

    @property
    def text(self) -> str:
        if not self.total:
            return "尚无任务"
        return f"已办结 {self.approved}/{self.total} 项（{self.percent}%）"


def problem_progress(*, problems: Iterable[ProblemListItem]) -> dict[int, Progress]:
    """{list item pk: progress} — approved work items over all its work items (cancelled ones do not count)."""
    ids = [p.pk for p in problems]
    today = clock.today()
    counts: dict[int, list[int]] = {pk: [0, 0, 0, 0] for pk in ids}
    for problem_id, status, deadline in (WorkItem.objects.filter(problem_id__in=ids)
                                         .exclude(status=ItemStatus.CANCELLED)
                                         .values_list("problem_id", "status", "deadline")):
        row = counts[problem_id]
        row[1] += 1
        if status == ItemStatus.APPROVED:
            row[0] += 1
        elif status != ItemStatus.DRAFT:
            row[2] += 1
            if deadline is not None and deadline < today:
                row[3] += 1
    return {pk: Progress(*row) for pk, row in counts.items()}


def problem_items(*, problem: ProblemListItem) -> list[WorkItem]:
    """The list item's work items: the lead department's first, then its sub-items by region."""
    items = list(WorkItem.objects.filter(problem=problem)
                 .select_related("assignee_department", "assignee_region", "issuer_department", "issuer_region",
                                 "assignee_user", "parent")
                 .order_by("parent_id", "assignee_region__sort_order", "assignee_region__code", "id"))
    return sorted(items, key=lambda i: (i.parent_id is not None, i.assignee_region.sort_order if i.assignee_region
                                        else 0, i.pk))


def problem_settled(*, problem: ProblemListItem) -> bool:
    """All its work items are approved (cancelled ones aside), and there is at least one."""
    statuses = list(WorkItem.objects.filter(problem=problem).exclude(status=ItemStatus.CANCELLED)
                    .values_list("status", flat=True))
    return bool(statuses) and all(s == ItemStatus.APPROVED for s in statuses)


# ---------------------------------------------------------------------------------------------------------
# The decision form's defaults


def lead_department_choices() -> QuerySet[Department]:
    """The departments that may lead a rectification (the office itself does not)."""
    return Department.objects.exclude(kind=DepartmentKind.OFFICE).order_by("sort_order", "code")


def lead_department_default(*, problem: ProblemListItem) -> Department | None:
    """The indicator's 牵头单位 (or its nearest ancestor's) in the version it was warned in."""
    warning = problem.warnings.select_related("system_version").first()
    if warning is None:
        return None
    indicator = (Indicator.objects.filter(version=warning.system_version, code=problem.indicator_code)
                 .select_related("parent").first())
    seen = 0
    while indicator is not None and seen < 10:
        lead = indicator.lead_departments.exclude(kind=DepartmentKind.OFFICE).order_by("sort_order", "code").first()
        if lead is not None:
            return lead
        indicator, seen = indicator.parent, seen + 1
    return None


def deadline_default() -> date | None:
    """Two months from today, kept within the years the working-day calendar covers (None when it covers none)."""
    from bizenv.workdays.calendar import WorkCalendar

    today = clock.today()
    calendar = WorkCalendar.load()
    wanted = today + timedelta(days=60)
    if calendar.covers(wanted.year):
        return wanted
    end = date(today.year, 12, 31)
    return end if calendar.covers(today.year) and end > today else None


# ---------------------------------------------------------------------------------------------------------
# The indicator's trend


@dataclass(frozen=True)
class Trend:
    indicator_name: str
    measure: str  # "指标值" or "得分"
    unit: str
    periods: tuple[str, ...]
    concerned: tuple[float | None, ...]  # mean over the regions concerned
    everyone: tuple[float | None, ...]  # mean over every monitored region
    regions: int  # how many of the regions concerned have figures


def _means(table: np.ndarray, rows: Sequence[int]) -> tuple[float | None, ...]:
    if not rows:
        return tuple(None for _ in range(table.shape[1]))
    part = table[list(rows), :]
    out = []
    for p in range(part.shape[1]):
        column = part[:, p]
        present = column[~np.isnan(column)]
        out.append(float(present.mean()) if present.size else None)
    return tuple(out)


def problem_trend(*, problem: ProblemListItem, months: int = TREND_MONTHS,
                  monitored=None) -> Trend | None:
    """Per month over the last `months` monitored months, the mean of the indicator in the regions concerned and
    in every monitored region: the value of a leaf indicator, the score of a higher one — read from the monitored
    cube as the warning pages read it. None when the indicator is not monitored."""
    from bizenv.monitoring.effects import SCORE_UNIT, monitored_cube

    warning = problem.warnings.select_related("system_version").first()
    if warning is None:
        return None
    monitored = monitored or monitored_cube(system_version=warning.system_version)
    cube = monitored.cube
    if cube is None:
        return None
    system = cube.system
    node = system.node_index.get(problem.indicator_code)
    if node is None:
        return None
    leaf = system.leaf_index.get(problem.indicator_code)
    if leaf is not None:
        table = np.array(cube.values[:, :, leaf], dtype=float)
        spec = system.specs[node]
        unit, measure = (spec.unit if spec is not None else "") or "", "指标值"
    else:
        table = np.where(cube.ranks[:, :, node] > 0, cube.scores[:, :, node], np.nan)
        unit, measure = SCORE_UNIT, "得分"
    keep = min(months, len(cube.periods))
    periods = tuple(cube.periods[-keep:])
    table = table[:, -keep:]
    rows = [i for i, code in enumerate(cube.regions) if code in set(problem.regions)]
    concerned = _means(table, rows)
    counted = int((~np.isnan(table[rows, :])).any(axis=1).sum()) if rows else 0
    return Trend(indicator_name=problem.indicator_name, measure=measure, unit=unit, periods=periods,
                 concerned=concerned, everyone=_means(table, range(len(cube.regions))), regions=counted)


def problem_trends(*, problems: Sequence[ProblemListItem], months: int = TREND_MONTHS) -> dict[int, Trend | None]:
    """problem_trend for several list items, one monitored cube per system version."""
    from bizenv.monitoring.effects import monitored_cube

    cubes: dict[int, object] = {}
    out: dict[int, Trend | None] = {}
    for problem in problems:
        warning = problem.warnings.select_related("system_version").first()
        if warning is None:
            out[problem.pk] = None
            continue
        version_id = warning.system_version_id
        if version_id not in cubes:
            cubes[version_id] = monitored_cube(system_version=warning.system_version)
        out[problem.pk] = problem_trend(problem=problem, months=months, monitored=cubes[version_id])
    return out


def region_names(*, codes: Sequence[str]) -> list[str]:
    """The names of region codes, in their order (a code no longer known shows itself)."""
    names = dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))
    return [names.get(code, code) for code in codes]
