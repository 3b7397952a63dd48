"""Reads of the escalation part of the workflows app: who a warning's letter goes to, which letters and interviews
a user may see, the rules as the planner reads them, and the steps a warning or an item has had.

Who sees a letter or an interview: the office and leaders those of their region (the `scope_region`); a department
those addressed to it; a county those addressed to its regions. The administrators see none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bizenv.indicators.models import Indicator
from bizenv.organisations.models import Department, Region, Role
from bizenv.organisations.permissions import Permission, filter_by_region, has_permission, user_roles
from bizenv.workflows.escalation import RuleFact
from bizenv.workflows.models import Escalation, EscalationRule, Interview, Letter
from bizenv.workflows.selectors import county_region_paths, scope_region_of


def _visible(user, queryset: QuerySet, *, department_field: str, region_field: str) -> QuerySet:
    if not has_permission(user, Permission.VIEW_WORK):
        return queryset.none()
    roles = user_roles(user)
    visible = Q(pk__in=[])
    if {Role.OFFICE, Role.LEADER} & roles:
        scoped = filter_by_region(user, Permission.VIEW_WORK, queryset.model.objects.all(), field="scope_region")
        visible |= Q(pk__in=scoped.values("pk"))
    dept_id = getattr(user, "department_id", None)
    if Role.DEPARTMENT in roles and dept_id:
        visible |= Q(**{f"{department_field}_id": dept_id})
    for path in county_region_paths(user):
        visible |= Q(**{f"{region_field}__path__startswith": path})
    return queryset.filter(visible)


def letter_list(*, user, year: int | None = None, q: str = "") -> QuerySet[Letter]:
    """The letters the user may see, newest first (`q` searches number, title, recipient and indicator)."""
    qs = _visible(user, Letter.objects.all(), department_field="recipient_department",
                  region_field="recipient_region")
    if year:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(indicator_name__icontains=q)
                       | Q(recipient_department__name__icontains=q) | Q(recipient_region__name__icontains=q))
    return qs.select_related("recipient_department", "recipient_region", "warning", "item", "created_by") \
        .order_by("-year", "-seq")


def letter_get(*, user, pk: int) -> Letter | None:
    return letter_list(user=user).filter(pk=pk).first()


def letter_made_on(*, warning=None, item=None, on) -> Letter | None:
    """The latest letter about this warning or item that bears the day `on` (None when there is none)."""
    if warning is None and item is None:
        return None
    target = {"warning": warning} if warning is not None else {"item": item}
    return Letter.objects.filter(**target, facts__issued_on=on.isoformat()).order_by("-year", "-seq").first()


def interview_list(*, user) -> QuerySet[Interview]:
    """The interview records the user may see, latest first."""
    qs = _visible(user, Interview.objects.all(), department_field="department", region_field="region")
    return qs.select_related("department", "region", "warning", "item", "created_by").order_by("-held_on", "-id")


def interview_get(*, user, pk: int) -> Interview | None:
    return interview_list(user=user).filter(pk=pk).first()


def letter_issued_on(letter: Letter):
    """The date the letter bears (the day it was made), from its facts; its creation date for older rows."""
    from datetime import date

    from django.utils import timezone

    text = (letter.facts or {}).get("issued_on") or ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return timezone.localdate(letter.created_at) if letter.created_at else None


def letter_years(*, user) -> list[int]:
    return sorted(set(letter_list(user=user).values_list("year", flat=True)), reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Who a warning's letter, 督办 item and interview concern


def warning_owed_by_departments(warning) -> bool:
    """A missing report owed by named city departments (its facts list them): the department answers for it."""
    if warning.kind != "missing_report":
        return False
    return any(isinstance(e, (list, tuple)) and len(e) == 2 and e[0] == "责任单位" and e[1]
               for e in (warning.facts or {}).get("extra") or ())


def lead_department_of(warning) -> Department | None:
    """The lead department (牵头单位) of the warned indicator, else of its first-level indicator."""
    for code in (warning.indicator_code, warning.level1_code):
        if not code:
            continue
        indicator = Indicator.objects.filter(version_id=warning.system_version_id, code=code).first()
        if indicator is None:
            continue
        department = indicator.lead_departments.order_by("sort_order", "code").first()
        if department is not None:
            return department
    return None


def warning_unit(warning) -> tuple[Department | None, Region | None]:
    """The unit a warning's letter and 督办 item go to: its county (region), or — for a report a city department
    owes — the lead department of the indicator."""
    if warning_owed_by_departments(warning):
        department = lead_department_of(warning)
        if department is not None:
            return department, None
    return None, warning.region


def unit_scope(department: Department | None, region: Region | None) -> Region:
    return scope_region_of(department, region)


# ---------------------------------------------------------------------------------------------------------
# Rules and steps


def rules_ordered() -> list[EscalationRule]:
    """Every rule, warnings first, each target's steps in order."""
    from bizenv.workflows.escalation import STEP_ORDER

    rules = list(EscalationRule.objects.select_related("updated_by"))
    return sorted(rules, key=lambda r: (0 if r.target == "warning" else 1, STEP_ORDER.index(r.step)))


def rule_facts() -> dict[str, list[RuleFact]]:
    """{target: [RuleFact]} of every rule (disabled ones included: the planner skips them); the defaults while
    none has been saved (the first run of the job saves them)."""
    from bizenv.workflows.escalation import DEFAULT_RULES

    if not EscalationRule.objects.exists():
        return {target: [RuleFact(step, days) for step, days in steps.items()]
                for target, steps in DEFAULT_RULES.items()}
    out: dict[str, list[RuleFact]] = {}
    for rule in EscalationRule.objects.all():
        out.setdefault(rule.target, []).append(RuleFact(
            step=rule.step, after_workdays=rule.after_workdays, severities=tuple(rule.severities or ()),
            enabled=rule.enabled, rule_id=rule.pk))
    return out


def escalations_of(*, warning=None, item=None) -> QuerySet[Escalation]:
    qs = Escalation.objects.filter(warning=warning) if warning is not None else Escalation.objects.filter(item=item)
    return qs.select_related("letter", "created_item", "interview", "created_by").order_by("on", "id")
