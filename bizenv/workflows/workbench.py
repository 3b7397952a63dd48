"""Reads the 任务督办 pages need besides the selectors: the workbench's tabs and their counts, the choices of the
forms (units, people, indicators), how a deadline reads in words, an item's page sections, and the on-time
overview the workbench and the leaders' cockpit show. Every count of on-time completion comes from `stats`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from bizenv.core.errors import ApplicationError
from bizenv.organisations.models import Department, DepartmentKind, Region, RegionLevel, Role, RoleGrant, User
from bizenv.organisations.permissions import Permission, has_permission, user_roles
from bizenv.workflows import selectors, stats
from bizenv.workflows.models import ItemFile, ItemKind, ItemStatus, WorkItem
from bizenv.workflows.transitions import ACTION_LABELS, Action

ACTING_LEVELS = (RegionLevel.COUNTY, RegionLevel.DISTRICT, RegionLevel.ZONE)
# Timeline rows that are not transitions: item_create/item_update, and escalation_services' steps, letters and
# interviews (escalation_services.EVENT_*).
EVENT_LABELS = {"create": "创建", "update": "修改", "escalate": "升级督办", "letter": "提醒函", "interview": "约谈"}
STATUS_CSS = {
    ItemStatus.DRAFT: "st-draft", ItemStatus.ISSUED: "st-issued", ItemStatus.RETURNED: "st-returned",
    ItemStatus.IN_PROGRESS: "st-progress", ItemStatus.SUBMITTED: "st-submitted", ItemStatus.APPROVED: "st-approved",
    ItemStatus.CANCELLED: "st-cancelled",
}

# ---------------------------------------------------------------------------------------------------------
# Units, people and indicators for the forms


NO_ACCOUNT = "（暂无账号）"


def units_without_accounts() -> set[str]:
    """The codes of the units nobody can act for: a department without an active user holding the department
    role, a county (district, zone) without an active county-role user granted on it or on a region above it."""
    staffed = set(RoleGrant.objects.filter(role=Role.DEPARTMENT, user__is_active=True, user__department__isnull=False)
                  .values_list("user__department__code", flat=True))
    granted = set(RoleGrant.objects.filter(role=Role.COUNTY, user__is_active=True, region__isnull=False)
                  .values_list("region__path", flat=True))
    out = {code for code in Department.objects.exclude(kind=DepartmentKind.OFFICE).values_list("code", flat=True)
           if code not in staffed}
    out |= {code for code, path in Region.objects.filter(level__in=ACTING_LEVELS).values_list("code", "path")
            if not any(path.startswith(above) for above in granted)}
    return out


def unit_account_warning(department: Department | None, region: Region | None) -> str:
    """A warning line when the unit has nobody who can act on its items (empty when it has)."""
    unit = department or region
    if unit is None or unit.code not in units_without_accounts():
        return ""
    return f"{unit.name}尚无可办理任务的账号，请联系系统管理员开通。"


def unit_choices(*, mark_unstaffed: bool = False, codes: set[str] | None = None,
                 ) -> list[tuple[str, list[tuple[str, str]]]]:
    """The units an item can be assigned or transferred to, grouped: departments (not the office), then the
    counties, districts and zones, each by its code. `mark_unstaffed` marks the units nobody can act for
    “（暂无账号）”; `codes` keeps only those units."""
    unstaffed = units_without_accounts() if mark_unstaffed else set()

    def label(unit) -> str:
        return unit.name + NO_ACCOUNT if unit.code in unstaffed else unit.name

    departments = [(d.code, label(d)) for d in Department.objects.exclude(kind=DepartmentKind.OFFICE)
                   .order_by("sort_order", "code") if codes is None or d.code in codes]
    regions = [(r.code, label(r)) for r in Region.objects.filter(level__in=ACTING_LEVELS).order_by("path")
               if codes is None or r.code in codes]
    groups = []
    if departments:
        groups.append(("部门", departments))
    if regions:
        groups.append(("县（市、区）", regions))
    return groups


def visible_unit_codes(*, user) -> set[str]:
    """The 责任单位 of the items the user may see (the workbench's unit filter offers only these)."""
    rows = selectors.item_list(user=user).values_list("assignee_department__code", "assignee_region__code")
    return {code for pair in rows.distinct() for code in pair if code}


def person_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The people who may be named responsible, grouped by their unit: department users by department, county
    users by region (the service checks that the person belongs to the unit chosen)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    grants = (RoleGrant.objects.filter(role__in=(Role.DEPARTMENT, Role.COUNTY), user__is_active=True)
              .select_related("user", "user__department", "region").order_by("region__path", "user__username"))
    for grant in grants:
        user = grant.user
        if grant.role == Role.DEPARTMENT:
            if user.department is None:
                continue
            unit = user.department.name
        else:
            if grant.region is None:
                continue
            unit = grant.region.name
        entries = groups.setdefault(unit, [])
        if all(username != user.username for username, _label in entries):
            entries.append((user.username, f"{user.display_name}（{unit}）"))
    return sorted(groups.items())


def indicator_choices() -> list[tuple[str, str]]:
    """The indicators of the active system by name, nested by level (empty when none is published)."""
    from bizenv.analysis.selectors import analysis_version

    try:
        version = analysis_version()
    except ApplicationError:
        return []
    out = []

    def walk(parent_id, depth):
        for ind in sorted(by_parent.get(parent_id, []), key=lambda i: (i.sort_order, i.code)):
            out.append((ind.code, "　" * depth + ind.name))
            walk(ind.pk, depth + 1)

    by_parent: dict = {}
    for ind in version.indicators.all().only("pk", "parent_id", "code", "name", "sort_order"):
        by_parent.setdefault(ind.parent_id, []).append(ind)
    walk(None, 0)
    return out


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first() if username else None


# ---------------------------------------------------------------------------------------------------------
# The workbench


TABS = {"todo": "待我处理", "issued": "我下发的", "overdue": "已逾期", "all": "全部"}
WAITING = {"accept": "待受理", "feedback": "待反馈", "review": "待审核", "returned": "被退回"}


def acts_on_work(user) -> bool:
    return has_permission(user, Permission.ACT_ON_WORK) or has_permission(user, Permission.MANAGE_WORK)


def issued_by_q(user) -> Q:
    """The items the user's unit issued (the office: those of the office or of the platform)."""
    roles = user_roles(user)
    q = Q(pk__in=[])
    if Role.OFFICE in roles:
        q |= Q(issuer_region=None) & (Q(issuer_department=None) | Q(issuer_department__kind=DepartmentKind.OFFICE))
    dept_id = getattr(user, "department_id", None)
    if Role.DEPARTMENT in roles and dept_id:
        q |= Q(issuer_department_id=dept_id)
    for path in selectors.county_region_paths(user):
        q |= Q(issuer_region__path__startswith=path)
    return q


def waiting_union(waiting: dict[str, QuerySet]) -> QuerySet:
    pks: set[int] = set()
    for qs in waiting.values():
        pks |= set(qs.values_list("pk", flat=True))
    return WorkItem.objects.filter(pk__in=pks)


def tab_counts(*, user, today: date) -> dict[str, int]:
    """How many items each tab of the workbench holds (before any filter)."""
    visible = selectors.item_list(user=user)
    counts = {"overdue": selectors.item_list(user=user, overdue_on=today).count(), "all": visible.count()}
    if acts_on_work(user):
        counts["todo"] = waiting_union(selectors.waiting_for(user=user)).count()
        counts["issued"] = visible.filter(issued_by_q(user)).count()
    return counts


def status_counts(items: QuerySet) -> list[tuple[str, str, int]]:
    """(status, label, count) of the items in the order of the status machine, statuses with none left out."""
    counted = dict(items.order_by().values_list("status").annotate(n=Count("pk")))
    return [(s.value, s.label, counted[s.value]) for s in ItemStatus if counted.get(s.value)]


# ---------------------------------------------------------------------------------------------------------
# How an item reads


def deadline_note(item: WorkItem, *, today: date) -> tuple[str, str]:
    """The deadline in words and a css class: 剩余 N 天, 今日到期, 逾期 N 天 for an open item; 按期办结 or
    逾期 N 天办结 for an approved one; the working days for a draft without a date."""
    if item.deadline is None:
        if item.deadline_workdays:
            return f"下发后 {item.deadline_workdays} 个工作日", "dl-muted"
        return "未定", "dl-muted"
    if item.status == ItemStatus.APPROVED and item.approved_on:
        late = (item.approved_on - item.deadline).days
        return (f"逾期 {late} 天办结", "dl-late") if late > 0 else ("按期办结", "dl-done")
    if item.status in (ItemStatus.CANCELLED, ItemStatus.DRAFT):
        return "", "dl-muted"
    left = (item.deadline - today).days
    if left > 0:
        return f"剩余 {left} 天", "dl-soon" if left <= 3 else "dl-ok"
    if left == 0:
        return "今日到期", "dl-soon"
    return f"逾期 {-left} 天", "dl-late"


ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def dates_in_words(text: str) -> str:
    """2026-12-20 → 2026年12月20日 wherever a date is written in a text."""
    return ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


def event_label(action: str) -> str:
    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return EVENT_LABELS.get(action, "办理")


def status_label(status: str) -> str:
    return ItemStatus(status).label if status in ItemStatus.values else ""


def kind_label(kind: str) -> str:
    return ItemKind(kind).label if kind in ItemKind.values else kind


def visible_items(*, user, pks) -> dict[int, WorkItem]:
    """Which of these items the user may open (parents and sub-items are linked only when visible)."""
    return {i.pk: i for i in selectors.item_list(user=user).filter(pk__in=list(pks))}


def item_attachments(item: WorkItem) -> list[ItemFile]:
    """The files given with the item when it was created (evidence of later steps is on the timeline)."""
    return list(item.files.filter(Q(event=None) | Q(event__action="create")).order_by("id"))


def file_get(*, user, pk: int) -> ItemFile | None:
    """A file of an item the user may see (None when absent or hidden)."""
    found = ItemFile.objects.filter(pk=pk).select_related("item").first()
    if found is None or selectors.item_get(user=user, pk=found.item_id) is None:
        return None
    return found


# ---------------------------------------------------------------------------------------------------------
# On-time completion at a glance (the workbench's figure and the leaders' cockpit)


@dataclass
class OntimeOverview:
    as_of: date
    total: stats.Tally
    worst_units: list[stats.Tally] = field(default_factory=list)
    open_count: int = 0

    @property
    def rate_text(self) -> str:
        return stats.rate_text(self.total.rate)


def ontime_overview(*, user, as_of: date, top: int = 5) -> OntimeOverview:
    """The on-time total of the items the user may see at `as_of`, and the units with the most overdue items
    (most overdue first, then the longer average delay)."""
    items = selectors.item_list(user=user)
    facts = selectors.item_facts(items=items)
    total = stats.ontime_total(facts, as_of=as_of)
    units = [t for t in stats.ontime_stats(facts, as_of=as_of, by="unit") if t.overdue]
    units.sort(key=lambda t: (-t.overdue, -(t.average_days_overdue or 0), t.key))
    open_count = items.filter(status__in=(ItemStatus.ISSUED, ItemStatus.RETURNED, ItemStatus.IN_PROGRESS,
                                          ItemStatus.SUBMITTED)).count()
    return OntimeOverview(as_of=as_of, total=total, worst_units=units[:top], open_count=open_count)
