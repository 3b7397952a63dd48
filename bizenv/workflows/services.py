"""Writes of the workflows app: creating work items and acting on them (one function, `item_act`, checks every
action against `transitions.ACTIONS`). Every change is atomic and audited and appears on the item's timeline;
notifications are written in the same transaction and mailed after commit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction

from bizenv.core import clock
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.core.periods import day_label
from bizenv.organisations.models import Department, Region, Role, User
from bizenv.organisations.permissions import Permission, actor_user, require_actor
from bizenv.workflows import notify
from bizenv.workflows.models import (
    ItemEvent,
    ItemFile,
    ItemKind,
    ItemSource,
    ItemStatus,
    Priority,
    WorkItem,
)
from bizenv.workflows.selectors import (
    county_region_paths,
    item_capacities,
    item_children_open,
    office_department,
    scope_region_of,
    unit_name,
    unit_of_user,
)
from bizenv.workflows.transitions import ACTION_LABELS, Action, Capacity, action_check, action_parse

TITLE_MAX = 200
TEXT_MAX = 4000
REASON_MAX = 1000
FILES_MAX = 10
FILE_MAX_BYTES = 20 * 1024 * 1024
CODE_PREFIX = "RW"


@dataclass
class ItemSpec:
    """What a new item says, already resolved to objects (forms, the API, imports and escalation build it)."""

    title: str
    assignee_department: Department | None = None
    assignee_region: Region | None = None
    assignee_user: User | None = None
    description: str = ""
    kind: str = ItemKind.ANNUAL
    priority: str = Priority.NORMAL
    indicator_codes: Sequence[str] = ()
    co_departments: Sequence[Department] = ()
    co_regions: Sequence[Region] = ()
    deadline: date | None = None
    deadline_workdays: int | None = None
    source: str = ItemSource.MANUAL
    warning: object = None
    problem: object = None
    interview: object = None
    code: str = ""
    import_batch: str = ""
    issuer_department: Department | None = None
    issuer_region: Region | None = None
    files: Sequence = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------------------
# Checks shared by creation, import and the actions


def deadline_check(*, deadline: date | None, issued_on: date, field_label: str = "完成时限") -> None:
    """A deadline may not fall before the issue date nor in a year the working-day calendar does not cover."""
    from bizenv.workdays.calendar import WorkCalendar

    if deadline is None:
        return
    if deadline < issued_on:
        raise ApplicationError(f"{field_label} {day_label(deadline)} 早于下发日期 {day_label(issued_on)}。")
    calendar = WorkCalendar.load()
    if not calendar.covers(deadline.year):
        raise ApplicationError(f"{field_label} {day_label(deadline)}：{_uncovered(deadline.year)}")


def _uncovered(year: int) -> str:
    from bizenv.workdays.calendar import uncovered_message

    return uncovered_message([year])


def deadline_from_workdays(*, start: date, workdays: int) -> date:
    """The N-th working day after `start` on the WorkCalendar (a Chinese error if the calendar ends first)."""
    from bizenv.workdays.calendar import WorkCalendar

    if workdays < 1 or workdays > 365:
        raise ApplicationError("完成时限的工作日数应在 1 到 365 之间。")
    return WorkCalendar.load().workday_add(start, workdays)


def indicator_codes_check(codes: Sequence[str]) -> list[str]:
    """The codes, deduplicated, each an indicator of the active system (a Chinese error names the unknown)."""
    from bizenv.analysis.selectors import analysis_version
    from bizenv.indicators.models import Indicator

    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not wanted:
        return []
    version = analysis_version()
    known = set(Indicator.objects.filter(version=version, code__in=wanted).values_list("code", flat=True))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ApplicationError(f"指标编码“{'、'.join(unknown)}”不在指标体系 {version} 中。")
    return wanted


def indicator_names(codes: Sequence[str]) -> dict[str, str]:
    """The names of indicator codes in the active system (a code without one keeps itself)."""
    from bizenv.analysis.selectors import analysis_version
    from bizenv.indicators.models import Indicator

    if not codes:
        return {}
    try:
        version = analysis_version()
    except ApplicationError:
        return {c: c for c in codes}
    names = dict(Indicator.objects.filter(version=version, code__in=list(codes)).values_list("code", "name"))
    return {c: names.get(c, c) for c in codes}


def _assignee_user_check(spec: ItemSpec) -> None:
    user = spec.assignee_user
    if user is None:
        return
    if spec.assignee_department is not None:
        if user.department_id != spec.assignee_department.pk:
            raise ApplicationError(f"责任人“{user.display_name}”不属于{spec.assignee_department.name}。")
        return
    paths = county_region_paths(user)
    if not any(spec.assignee_region.path.startswith(p) for p in paths):
        raise ApplicationError(f"责任人“{user.display_name}”不是{spec.assignee_region.name}的县区用户。")


def _text(value: str, *, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"请填写{label}。")
    if len(value) > limit:
        raise ApplicationError(f"{label}最多 {limit} 字，当前 {len(value)} 字。")
    return value


def _next_code(year: int) -> str:
    prefix = f"{CODE_PREFIX}-{year}-"
    last = (WorkItem.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True)
            .first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{seq:04d}"


CODE_PATTERN = re.compile(r"^[A-Za-z0-9\-_.（）()〔〕]{1,40}$")


# ---------------------------------------------------------------------------------------------------------
# Events, files and notifications


def _event(*, item: WorkItem, actor, action: str, status_from: str = "", text: str = "", progress: int | None = None,
           data: dict | None = None) -> ItemEvent:
    user = actor_user(actor)
    department, region = unit_of_user(user) if user else (None, None)
    return ItemEvent.objects.create(
        item=item, action=action, actor=user, actor_name=user.display_name if user else "系统",
        unit_name=unit_name(department, region) if user else "平台", status_from=status_from,
        status_to=item.status, text=text, progress=progress, data=data or {})


def _files_check(files: Sequence) -> list:
    from bizenv.core.uploads import EVIDENCE_KINDS, upload_check

    if len(files) > FILES_MAX:
        raise ApplicationError(f"一次最多上传 {FILES_MAX} 份材料。")
    return [(upload_check(content=f, filename=getattr(f, "name", "") or "", allowed=EVIDENCE_KINDS,
                          max_bytes=FILE_MAX_BYTES), f) for f in files]


def _files_store(*, item: WorkItem, event: ItemEvent | None, checked: list, actor, stored: list[str]) -> list[str]:
    from bizenv.core.uploads import upload_store

    names = []
    for upload, source in checked:
        path = upload_store(checked=upload, content=source, folder="evidence/workflows")
        stored.append(path)
        ItemFile.objects.create(item=item, event=event, path=path, original_name=upload.display_name,
                                kind=str(upload.kind), content_type=upload.content_type, size_bytes=upload.size,
                                sha256=upload.sha256, uploaded_by=actor_user(actor))
        names.append(upload.display_name)
    return names


def _cleanup(stored: list[str]) -> None:
    from bizenv.core.uploads import upload_delete

    for path in stored:
        upload_delete(path=path)


def _snapshot(item: WorkItem) -> dict:
    return {"status": item.status, "assignee": item.assignee_name, "deadline": item.deadline,
            "progress": item.progress}


# ---------------------------------------------------------------------------------------------------------
# Creation


def item_create(*, actor, spec: ItemSpec, issue: bool = False, parent: WorkItem | None = None,
                issued_on: date | None = None, approved_on: date | None = None) -> WorkItem:
    """A new item (a draft, or issued at once with `issue=True`). The office creates items; `parent` makes a
    sub-item (分解) issued by the parent's responsible unit. `issued_on`/`approved_on` bring an existing ledger's
    dates (imports only). Files are checked before anything is saved; a failure saves nothing."""
    if parent is None:
        require_actor(actor, Permission.MANAGE_WORK)
    title = _text(spec.title, label="任务名称", limit=TITLE_MAX, required=True)
    description = _text(spec.description, label="任务说明", limit=TEXT_MAX)
    if spec.kind not in ItemKind.values:
        raise ApplicationError(f"任务类型“{spec.kind}”无效，应为：{'、'.join(ItemKind.labels)}。")
    if spec.priority not in Priority.values:
        raise ApplicationError(f"优先级“{spec.priority}”无效，应为：{'、'.join(Priority.labels)}。")
    if (spec.assignee_department is None) == (spec.assignee_region is None):
        raise ApplicationError("请指定一个责任单位：一个部门或一个地区。")
    _assignee_user_check(spec)
    if spec.deadline is not None and spec.deadline_workdays:
        raise ApplicationError("完成时限请填写日期或工作日数，二者选一。")
    codes = indicator_codes_check(spec.indicator_codes)
    today = clock.today()
    start = issued_on or today
    if spec.deadline is None and not spec.deadline_workdays and (issue or approved_on):
        raise ApplicationError("下发任务须有完成时限（日期，或自下发起的工作日数）。")
    deadline_check(deadline=spec.deadline, issued_on=start)
    if approved_on is not None and approved_on < start:
        raise ApplicationError(f"办结日期 {day_label(approved_on)} 早于下发日期 {day_label(start)}。")
    code = (spec.code or "").strip()
    if code and not CODE_PATTERN.match(code):
        raise ApplicationError(f"任务编号“{code}”只能由字母、数字、短横线等组成，最多 40 个字符。")
    if code and WorkItem.objects.filter(code=code).exists():
        raise ApplicationError(f"任务编号“{code}”已存在。", code=ErrorCode.CONFLICT)
    checked = _files_check(spec.files)
    issuer_department, issuer_region = spec.issuer_department, spec.issuer_region
    if issuer_department is None and issuer_region is None:
        if parent is not None:
            issuer_department, issuer_region = parent.assignee_department, parent.assignee_region
        else:
            user = actor_user(actor)
            issuer_department, issuer_region = unit_of_user(user) if user else (None, None)
            if issuer_department is None and issuer_region is None:
                issuer_department = office_department()
    stored: list[str] = []
    try:
        with transaction.atomic():
            item = _insert(actor=actor, spec=spec, code=code, title=title, description=description,
                           indicator_codes=codes, issuer_department=issuer_department, issuer_region=issuer_region,
                           parent=parent)
            event = _event(item=item, actor=actor, action="create",
                           text=f"创建任务（{ItemSource(spec.source).label}）")
            names = _files_store(item=item, event=event, checked=checked, actor=actor, stored=stored)
            audit_record(actor=actor, action="work_item.create", obj=item, new={
                "code": item.code, "title": title, "kind": item.kind, "assignee": item.assignee_name,
                "deadline": item.deadline, "deadline_workdays": item.deadline_workdays, "source": item.source,
                "parent": parent.code if parent else "", "files": names})
            if issue or approved_on:
                # an imported item that is already closed is history: nobody needs a “新任务” message for it
                _issue(actor=actor, item=item, on=start, quiet=approved_on is not None)
            if approved_on is not None:
                _import_close(actor=actor, item=item, on=approved_on)
    except BaseException:
        _cleanup(stored)
        raise
    return item


def _insert(*, actor, spec: ItemSpec, code: str, title: str, description: str, indicator_codes: list[str],
            issuer_department, issuer_region, parent) -> WorkItem:
    fields = dict(
        title=title, description=description, kind=spec.kind, priority=spec.priority,
        indicator_codes=indicator_codes, issuer_department=issuer_department, issuer_region=issuer_region,
        assignee_department=spec.assignee_department, assignee_region=spec.assignee_region,
        assignee_user=spec.assignee_user,
        scope_region=scope_region_of(spec.assignee_department, spec.assignee_region),
        deadline=spec.deadline, deadline_workdays=spec.deadline_workdays or None, source=spec.source,
        warning=spec.warning, problem=spec.problem, interview=spec.interview, import_batch=spec.import_batch,
        parent=parent, created_by=actor_user(actor))
    if code:
        item = WorkItem.objects.create(code=code, **fields)
    else:
        year = clock.today().year
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    item = WorkItem.objects.create(code=_next_code(year), **fields)
                break
            except IntegrityError:
                continue
        else:
            raise ApplicationError("任务编号分配冲突，请重试。", code=ErrorCode.CONFLICT)
    if spec.co_departments:
        item.co_departments.set(spec.co_departments)
    if spec.co_regions:
        item.co_regions.set(spec.co_regions)
    return item


def _issue(*, actor, item: WorkItem, on: date, quiet: bool = False) -> None:
    old = item.status
    item.status = ItemStatus.ISSUED
    item.issued_on = on
    if item.deadline_workdays:
        item.deadline = deadline_from_workdays(start=on, workdays=item.deadline_workdays)
    if item.deadline is None:
        raise ApplicationError("下发任务须有完成时限（日期，或自下发起的工作日数）。")
    deadline_check(deadline=item.deadline, issued_on=on)
    item.status_reason = ""
    item.save()
    _event(item=item, actor=actor, action=Action.ISSUE, status_from=old,
           text=f"下发至{item.assignee_name}，完成时限 {day_label(item.deadline)}")
    audit_record(actor=actor, action="work_item.issue", obj=item, old={"status": old},
                 new={"status": item.status, "issued_on": on, "deadline": item.deadline,
                      "assignee": item.assignee_name})
    if not quiet:
        notify.item_issued(item=item)


def _import_close(*, actor, item: WorkItem, on: date) -> None:
    """A ledger row that says the item was approved on a day: accepted, submitted and approved that day."""
    old = item.status
    item.status = ItemStatus.APPROVED
    item.accepted_on = item.accepted_on or item.issued_on
    item.submitted_on = on
    item.approved_on = on
    item.progress = 100
    item.save()
    _event(item=item, actor=actor, action=Action.APPROVE, status_from=old, text=f"按导入台账记为 {day_label(on)} 办结")
    audit_record(actor=actor, action="work_item.import_close", obj=item, old={"status": old},
                 new={"status": item.status, "approved_on": on})


def item_update(*, actor, item: WorkItem, spec: ItemSpec) -> WorkItem:
    """Edit a draft or a returned item (the issuer, before it is issued again); unchanged values write nothing."""
    with transaction.atomic():
        item = _locked(item)
        if Capacity.ISSUER not in item_capacities(user=actor, item=item) and actor is not None:
            raise PermissionDenied("只有下发单位可以修改任务。")
        if item.status not in (ItemStatus.DRAFT, ItemStatus.RETURNED):
            raise ApplicationError(f"该任务当前为“{item.get_status_display()}”，只有草稿和已退回的任务可以修改。",
                                   code=ErrorCode.CONFLICT)
        if (spec.assignee_department is None) == (spec.assignee_region is None):
            raise ApplicationError("请指定一个责任单位：一个部门或一个地区。")
        _assignee_user_check(spec)
        if spec.deadline is not None and spec.deadline_workdays:
            raise ApplicationError("完成时限请填写日期或工作日数，二者选一。")
        deadline_check(deadline=spec.deadline, issued_on=clock.today())
        old = _editable(item)
        item.title = _text(spec.title, label="任务名称", limit=TITLE_MAX, required=True)
        item.description = _text(spec.description, label="任务说明", limit=TEXT_MAX)
        item.kind, item.priority = spec.kind, spec.priority
        item.indicator_codes = indicator_codes_check(spec.indicator_codes)
        item.assignee_department, item.assignee_region = spec.assignee_department, spec.assignee_region
        item.assignee_user = spec.assignee_user
        item.scope_region = scope_region_of(spec.assignee_department, spec.assignee_region)
        item.deadline, item.deadline_workdays = spec.deadline, spec.deadline_workdays or None
        new = _editable(item)
        if old == new and {d.pk for d in item.co_departments.all()} == {d.pk for d in spec.co_departments} and \
                {r.pk for r in item.co_regions.all()} == {r.pk for r in spec.co_regions}:
            return item
        item.save()
        item.co_departments.set(spec.co_departments)
        item.co_regions.set(spec.co_regions)
        _event(item=item, actor=actor, action="update", status_from=item.status, text=_changes_text(old, new))
        audit_record(actor=actor, action="work_item.update", obj=item, old=old, new=new)
    return item


_EDITABLE_LABELS = {"title": "任务名称", "description": "任务说明", "kind": "任务类型", "priority": "优先级",
                    "indicator_codes": "涉及指标", "assignee": "责任单位", "deadline": "完成时限",
                    "deadline_workdays": "完成时限（工作日）"}


def _changes_text(old: dict, new: dict) -> str:
    """修改了什么, in words: 责任单位：东城区 → 市市场监管局；完成时限：… → …"""
    def shown(key: str, value) -> str:
        if value in (None, "", []):
            return "（空）"
        if key == "kind":
            return ItemKind(value).label
        if key == "priority":
            return Priority(value).label
        if key == "deadline":
            return day_label(value)
        if key == "indicator_codes":
            return "、".join(indicator_names(value).values())
        if key == "description":
            return "已修改"
        return str(value)

    parts = []
    for key, label in _EDITABLE_LABELS.items():
        if old.get(key) != new.get(key):
            parts.append(f"{label}已修改" if key == "description" else
                         f"{label}：{shown(key, old.get(key))} → {shown(key, new.get(key))}")
    return "修改任务：" + "；".join(parts) if parts else "修改协办单位"


def _editable(item: WorkItem) -> dict:
    return {"title": item.title, "description": item.description, "kind": item.kind, "priority": item.priority,
            "indicator_codes": list(item.indicator_codes), "assignee": item.assignee_name,
            "deadline": item.deadline, "deadline_workdays": item.deadline_workdays}


# ---------------------------------------------------------------------------------------------------------
# Actions


@dataclass
class ActionInput:
    """What an action carries besides its name (each action reads the fields it needs)."""

    reason: str = ""  # return, reject, transfer, supervise (the message), cancel; feedback/submit text
    progress: int | None = None  # feedback
    files: Sequence = ()  # feedback and submit evidence
    to_department: Department | None = None  # transfer
    to_region: Region | None = None
    children: Sequence[ItemSpec] = ()  # split


def _locked(item: WorkItem) -> WorkItem:
    return (WorkItem.objects.select_for_update(of=("self",))
            .select_related("assignee_department", "assignee_region", "assignee_user", "issuer_department",
                            "issuer_region", "scope_region").get(pk=item.pk))


def item_act(*, actor, item: WorkItem, action: str | Action, data: ActionInput | None = None) -> WorkItem:
    """Take one action on an item: checked against the declared table (capacity first, then status), applied
    atomically, written to the timeline and the audit log, and notified. Nothing changes on a refusal."""
    action = action_parse(action)
    data = data or ActionInput()
    checked = _files_check(data.files) if data.files else []
    stored: list[str] = []
    try:
        with transaction.atomic():
            item = _locked(item)
            capacities = item_capacities(user=actor, item=item) if actor is not None else set(Capacity)
            move = action_check(action=action, status=item.status, capacities=capacities)
            reason = data.reason
            if move.needs_reason:
                label = {Action.SUPERVISE: "督办意见"}.get(action, f"{ACTION_LABELS[action]}理由")
                reason = _text(reason, label=label, limit=REASON_MAX, required=True)
            else:
                reason = _text(reason, label="说明", limit=TEXT_MAX)
            handler = _HANDLERS[action]
            handler(actor=actor, item=item, reason=reason, data=data, checked=checked, stored=stored)
    except BaseException:
        _cleanup(stored)
        raise
    return item


def _change(*, actor, item: WorkItem, action: Action, target: ItemStatus | None, text: str, data: dict | None = None,
            progress: int | None = None, extra_audit: dict | None = None) -> ItemEvent:
    old = _snapshot(item)
    if target is not None:
        item.status = target
    item.save()
    event = _event(item=item, actor=actor, action=action, status_from=old["status"], text=text, progress=progress,
                   data=data)
    new = _snapshot(item)
    audit_record(actor=actor, action=f"work_item.{action.value}", obj=item, old=old,
                 new={**new, "text": text, **(extra_audit or {})})
    return event


def _do_issue(*, actor, item, reason, data, checked, stored) -> None:
    _issue(actor=actor, item=item, on=clock.today())


def _do_accept(*, actor, item, reason, data, checked, stored) -> None:
    item.accepted_on = clock.today()
    _change(actor=actor, item=item, action=Action.ACCEPT, target=ItemStatus.IN_PROGRESS, text=reason or "已受理")
    notify.item_changed(item=item, action=Action.ACCEPT, text=reason)


def _do_return(*, actor, item, reason, data, checked, stored) -> None:
    item.status_reason = reason
    _change(actor=actor, item=item, action=Action.RETURN, target=ItemStatus.RETURNED, text=reason)
    notify.item_changed(item=item, action=Action.RETURN, text=reason)


def _do_feedback(*, actor, item, reason, data, checked, stored) -> None:
    progress = data.progress
    if progress is None:
        progress = item.progress
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ApplicationError("进度应为 0 到 100 之间的整数（百分比）。")
    if not reason:
        raise ApplicationError("请填写反馈内容：做了什么、进展如何。")
    item.progress = progress
    event = _change(actor=actor, item=item, action=Action.FEEDBACK, target=None, text=reason, progress=progress)
    names = _files_store(item=item, event=event, checked=checked, actor=actor, stored=stored)
    if names:
        event.data = {**event.data, "files": names}
        event.save(update_fields=["data"])
    notify.item_changed(item=item, action=Action.FEEDBACK, text=reason)


def _do_submit(*, actor, item, reason, data, checked, stored) -> None:
    waiting = item_children_open(item=item)
    if waiting:
        listed = "、".join(f"{c.code}（{c.assignee_name}，{c.get_status_display()}）" for c in waiting[:5])
        more = f"等 {len(waiting)} 项" if len(waiting) > 5 else ""
        raise ApplicationError(f"分解出的子任务尚未全部审核通过：{listed}{more}。", code=ErrorCode.CONFLICT)
    item.submitted_on = clock.today()
    item.progress = 100
    event = _change(actor=actor, item=item, action=Action.SUBMIT, target=ItemStatus.SUBMITTED,
                    text=reason or "申请办结", progress=100)
    names = _files_store(item=item, event=event, checked=checked, actor=actor, stored=stored)
    if names:
        event.data = {**event.data, "files": names}
        event.save(update_fields=["data"])
    notify.item_changed(item=item, action=Action.SUBMIT, text=reason)


def _do_approve(*, actor, item, reason, data, checked, stored) -> None:
    item.approved_on = clock.today()
    item.status_reason = ""
    _change(actor=actor, item=item, action=Action.APPROVE, target=ItemStatus.APPROVED, text=reason or "审核通过，办结")
    notify.item_changed(item=item, action=Action.APPROVE, text=reason)


def _do_reject(*, actor, item, reason, data, checked, stored) -> None:
    item.status_reason = reason
    item.submitted_on = None
    _change(actor=actor, item=item, action=Action.REJECT, target=ItemStatus.IN_PROGRESS, text=reason)
    notify.item_changed(item=item, action=Action.REJECT, text=reason)


def _do_transfer(*, actor, item, reason, data, checked, stored) -> None:
    department, region = data.to_department, data.to_region
    if (department is None) == (region is None):
        raise ApplicationError("转办须指定一个接收单位：一个部门或一个地区。")
    if department is not None and department.pk == item.assignee_department_id or \
            region is not None and region.pk == item.assignee_region_id:
        raise ApplicationError("接收单位与当前责任单位相同，无需转办。", code=ErrorCode.CONFLICT)
    before = item.assignee_name
    item.assignee_department, item.assignee_region, item.assignee_user = department, region, None
    item.scope_region = scope_region_of(department, region)
    item.transfer_count += 1
    item.accepted_on = None
    text = f"由{before}转办至{item.assignee_name}：{reason}"
    _change(actor=actor, item=item, action=Action.TRANSFER, target=ItemStatus.ISSUED, text=text,
            data={"from": before, "to": item.assignee_name}, extra_audit={"from": before})
    notify.item_issued(item=item, transferred_from=before)
    notify.item_changed(item=item, action=Action.TRANSFER, text=text)  # the issuer learns where its item went


def _do_supervise(*, actor, item, reason, data, checked, stored) -> None:
    item.supervise_count += 1
    _change(actor=actor, item=item, action=Action.SUPERVISE, target=None, text=reason,
            data={"count": item.supervise_count})
    notify.item_changed(item=item, action=Action.SUPERVISE, text=reason)


def _do_cancel(*, actor, item, reason, data, checked, stored) -> None:
    item.status_reason = reason
    _change(actor=actor, item=item, action=Action.CANCEL, target=ItemStatus.CANCELLED, text=reason)
    for child in item.children.exclude(status__in=(ItemStatus.APPROVED, ItemStatus.CANCELLED)).select_for_update():
        child.status_reason = f"上级任务 {item.code} 已撤销：{reason}"
        _change(actor=actor, item=child, action=Action.CANCEL, target=ItemStatus.CANCELLED, text=child.status_reason)
    if item.status_reason and item.issued_on:
        notify.item_changed(item=item, action=Action.CANCEL, text=reason)


def _do_split(*, actor, item, reason, data, checked, stored) -> None:
    specs = list(data.children)
    if not specs:
        raise ApplicationError("请至少添加一个子任务（责任单位、任务名称和完成时限）。")
    units = [(s.assignee_department or s.assignee_region) for s in specs]
    if len({(type(u).__name__, u.pk) for u in units if u}) != len(units):
        raise ApplicationError("子任务的责任单位不能重复。")
    for spec in specs:
        if spec.deadline is not None and item.deadline is not None and spec.deadline > item.deadline:
            raise ApplicationError(
                f"子任务（{(spec.assignee_department or spec.assignee_region).name}）的完成时限 "
                f"{day_label(spec.deadline)} 晚于本任务的完成时限 {day_label(item.deadline)}。")
    children = []
    for spec in specs:
        spec.kind = spec.kind or item.kind
        spec.source = ItemSource.SPLIT
        spec.indicator_codes = spec.indicator_codes or item.indicator_codes
        spec.issuer_department, spec.issuer_region = item.assignee_department, item.assignee_region
        children.append(item_create(actor=actor, spec=spec, issue=True, parent=item))
    names = "、".join(f"{c.code}（{c.assignee_name}）" for c in children)
    _change(actor=actor, item=item, action=Action.SPLIT, target=None, text=f"分解为 {len(children)} 项子任务：{names}",
            data={"children": [c.code for c in children]})


_HANDLERS = {
    Action.ISSUE: _do_issue,
    Action.ACCEPT: _do_accept,
    Action.RETURN: _do_return,
    Action.FEEDBACK: _do_feedback,
    Action.SUBMIT: _do_submit,
    Action.APPROVE: _do_approve,
    Action.REJECT: _do_reject,
    Action.TRANSFER: _do_transfer,
    Action.SUPERVISE: _do_supervise,
    Action.CANCEL: _do_cancel,
    Action.SPLIT: _do_split,
}


def unit_require(code: str, *, label: str = "责任单位") -> tuple[Department | None, Region | None]:
    """A department or region code resolved, or a Chinese error naming the unknown code."""
    from bizenv.workflows.selectors import unit_resolve

    department, region = unit_resolve(code)
    if department is None and region is None:
        raise ApplicationError(f"{label}编码“{code}”不存在：应为部门编码（如 samr）或行政区划代码（如 990101）。")
    return department, region


__all__ = ["ActionInput", "ItemSpec", "Role", "item_act", "item_create", "item_update", "unit_require"]
