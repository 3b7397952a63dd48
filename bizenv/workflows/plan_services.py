"""Importing the annual plan (年度工作任务) or an existing ledger (台账): a dry-run preview that resolves every row
and lists row-level Chinese errors, and one atomic commit that creates and issues every new item or nothing.

Re-importing a file changes nothing: a row whose 任务编号 exists with the same values is “unchanged”; one whose
编号 exists with other values is a row error (an import never edits an existing item — change it on its page).
A row without a 编号 is “unchanged” when an imported item has the same 任务名称, 责任单位 and 完成时限.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from bizenv.core import clock
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.periods import day_label
from bizenv.organisations.models import Department, Region
from bizenv.organisations.permissions import Permission, can, require_actor
from bizenv.workflows import plan
from bizenv.workflows.models import ItemSource, WorkItem
from bizenv.workflows.plan import FIELD_LABELS, PlanRow, RowError
from bizenv.workflows.selectors import scope_region_of
from bizenv.workflows.services import CODE_PATTERN, ItemSpec, item_create

OUTCOME_LABELS = {"create": "将新增", "created": "新增", "unchanged": "未变", "error": "有错误"}
STAGE_FOLDER = ("imports", "workflow-plans")
STAGE_TOKEN = re.compile(r"^[0-9a-f]{32}$")
STAGE_MAX_AGE = 24 * 3600


@dataclass
class PlanLine:
    """One data row of the file as the preview (or the import) judged it."""

    row: int
    outcome: str  # "create" | "created" | "unchanged" | "error"
    code: str
    title: str
    assignee: str
    deadline_text: str  # as the command line prints it
    issued_on: date | None = None
    deadline_label: str = ""  # as a page shows it (2026年12月31日)
    approved_on: date | None = None
    errors: list[RowError] = field(default_factory=list)
    spec: ItemSpec | None = None
    item: WorkItem | None = None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def code_text(self) -> str:
        return self.code or "（自动编号）"


@dataclass
class PlanResult:
    filename: str
    sha256: str
    source: str  # ItemSource.PLAN or ItemSource.LEDGER
    lines: list[PlanLine]
    committed: bool = False

    def count(self, *outcomes: str) -> int:
        return sum(1 for line in self.lines if line.outcome in outcomes)

    @property
    def to_create(self) -> int:
        return self.count("create", "created")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def rejected(self) -> int:
        return self.count("error")

    @property
    def problems(self) -> list[RowError]:
        return [e for line in self.lines for e in line.errors]

    @property
    def source_label(self) -> str:
        return ItemSource(self.source).label

    def summary(self) -> str:
        """The counts in one Chinese sentence."""
        if self.problems:
            return (f"{self.filename}：共 {len(self.lines)} 行，其中 {self.rejected} 行有错误（共 {len(self.problems)} 处），"
                    f"未导入任何任务。")
        if self.committed:
            return f"已导入 {self.filename}（{self.source_label}）：新增 {self.to_create} 项任务，未变 {self.unchanged} 项。"
        return (f"预检 {self.filename}（{self.source_label}）：共 {len(self.lines)} 行，将新增 {self.to_create} 项任务，"
                f"未变 {self.unchanged} 项；尚未保存。")


# ---------------------------------------------------------------------------------------------------------
# Resolving references


class _Context:
    """Everything rows are checked against, read once per file."""

    def __init__(self, actor):
        from bizenv.indicators.selectors import active_version
        from bizenv.workdays.calendar import WorkCalendar

        self.actor = actor
        self.today = clock.today()
        self.calendar = WorkCalendar.load()
        self.departments = {d.code: d for d in Department.objects.select_related("region")}
        self.regions = {r.code: r for r in Region.objects.all()}
        self.by_name: dict[str, list] = {}
        for unit in [*self.departments.values(), *self.regions.values()]:
            self.by_name.setdefault(unit.name, []).append(unit)
        self.version = active_version()
        self.indicators: dict[str, str] = {}
        self.indicator_names: dict[str, list[str]] = {}
        if self.version is not None:
            for code, name in self.version.indicators.values_list("code", "name"):
                self.indicators[code] = name
                self.indicator_names.setdefault(name, []).append(code)

    def unit(self, text: str) -> tuple[Department | None, Region | None, str]:
        """(department, region, "") or (None, None, the reason)."""
        if text in self.departments:
            return self.departments[text], None, ""
        if text in self.regions:
            return None, self.regions[text], ""
        found = self.by_name.get(text, [])
        if len(found) == 1:
            unit = found[0]
            return (unit, None, "") if isinstance(unit, Department) else (None, unit, "")
        if len(found) > 1:
            codes = "、".join(f"{u.code}" for u in found)
            return None, None, f"名称“{text}”对应多个单位（编码 {codes}），请填写编码"
        return None, None, f"“{plan.shown(text)}”不是已有部门或地区的编码或名称（见模板“填写说明”中的单位清单）"

    def indicator(self, text: str) -> tuple[str, str]:
        """(code, "") or ("", the reason)."""
        if self.version is None:
            return "", "尚未发布指标体系，请留空"
        if text in self.indicators:
            return text, ""
        codes = self.indicator_names.get(text, [])
        if len(codes) == 1:
            return codes[0], ""
        if len(codes) > 1:
            return "", f"名称“{text}”对应多个指标（{'、'.join(codes)}），请填写指标编码"
        return "", f"“{plan.shown(text)}”不是指标体系 {self.version.system.code} 中的指标编码或名称"


def _check(row: PlanRow, ctx: _Context, *, source: str, batch: str) -> ItemSpec | None:
    """Resolve and check one parsed row, adding its errors; the ItemSpec when it has none."""
    if row.code and not CODE_PATTERN.match(row.code):
        row.error("code", f"“{plan.shown(row.code)}”只能由字母、数字、短横线等组成，最多 40 个字符")
    department = region = None
    if row.assignee:
        department, region, reason = ctx.unit(row.assignee)
        if reason:
            row.error("assignee", reason)
        elif ctx.actor is not None and not can(ctx.actor, Permission.MANAGE_WORK,
                                               scope_region_of(department, region)):
            row.error("assignee", f"“{(department or region).name}”不在您的管理范围内")
    co_departments, co_regions = [], []
    for text in row.co_assignees:
        d, r, reason = ctx.unit(text)
        if reason:
            row.error("co_assignees", reason)
        elif (d is not None and d == department) or (r is not None and r == region):
            row.error("co_assignees", f"“{(d or r).name}”已是责任单位，不能同时为协办单位")
        elif d is not None:
            co_departments.append(d)
        else:
            co_regions.append(r)
    codes = []
    for text in row.indicators:
        code, reason = ctx.indicator(text)
        if reason:
            row.error("indicators", reason)
        else:
            codes.append(code)
    start = row.issued or ctx.today
    if row.issued and row.issued > ctx.today:
        row.error("issued", f"{day_label(row.issued)} 晚于今天（{day_label(ctx.today)}）")
    if row.approved:
        if row.approved < start:
            row.error("approved", f"{day_label(row.approved)} 早于下发日期 {day_label(start)}")
        elif row.approved > ctx.today:
            row.error("approved", f"{day_label(row.approved)} 晚于今天（{day_label(ctx.today)}），尚未到来的日期不能记为办结")
    if row.deadline is not None:
        if row.deadline < start:
            row.error("deadline", f"{day_label(row.deadline)} 早于下发日期 {day_label(start)}")
        elif not ctx.calendar.covers(row.deadline.year):
            from bizenv.workdays.calendar import uncovered_message

            row.error("deadline", f"{day_label(row.deadline)}：{uncovered_message([row.deadline.year])}")
    elif row.deadline_workdays:
        try:
            row.deadline = ctx.calendar.workday_add(start, row.deadline_workdays)
        except ApplicationError as exc:
            row.error("deadline", f"自 {day_label(start)} 起 {row.deadline_workdays} 个工作日无法计算：{exc.message}")
    if row.errors:
        return None
    return ItemSpec(
        title=row.title, description=row.description, kind=row.kind, priority=row.priority,
        indicator_codes=codes, assignee_department=department, assignee_region=region,
        co_departments=co_departments, co_regions=co_regions,
        deadline=None if row.deadline_workdays else row.deadline, deadline_workdays=row.deadline_workdays,
        source=source, code=row.code, import_batch=batch)


def _differences(row: PlanRow, spec: ItemSpec, item: WorkItem, columns: frozenset[str]) -> list[str]:
    """The fields (Chinese) in which the row differs from the existing item; a column the file lacks, an empty
    办结日期, and the 责任单位 of an item since transferred are not compared."""
    out = []
    if item.title != spec.title:
        out.append(FIELD_LABELS["title"])
    if "description" in columns and item.description != spec.description:
        out.append(FIELD_LABELS["description"])
    if "kind" in columns and item.kind != spec.kind:
        out.append(FIELD_LABELS["kind"])
    if "priority" in columns and item.priority != spec.priority:
        out.append(FIELD_LABELS["priority"])
    if "indicators" in columns and set(item.indicator_codes) != set(spec.indicator_codes):
        out.append(FIELD_LABELS["indicators"])
    if not item.transfer_count and (item.assignee_department_id != getattr(spec.assignee_department, "pk", None)
                                    or item.assignee_region_id != getattr(spec.assignee_region, "pk", None)):
        out.append(FIELD_LABELS["assignee"])
    if "co_assignees" in columns and (
            {d.pk for d in item.co_departments.all()} != {d.pk for d in spec.co_departments}
            or {r.pk for r in item.co_regions.all()} != {r.pk for r in spec.co_regions}):
        out.append(FIELD_LABELS["co_assignees"])
    if spec.deadline_workdays:
        if item.deadline_workdays != spec.deadline_workdays:
            out.append(FIELD_LABELS["deadline"])
    elif item.deadline != spec.deadline:
        out.append(FIELD_LABELS["deadline"])
    if row.issued and item.issued_on != row.issued:
        out.append(FIELD_LABELS["issued"])
    if row.approved and item.approved_on != row.approved:
        out.append(FIELD_LABELS["approved"])
    return out


def _uncoded_match(spec: ItemSpec) -> WorkItem | None:
    items = WorkItem.objects.filter(title=spec.title, source__in=(ItemSource.PLAN, ItemSource.LEDGER),
                                    assignee_department=spec.assignee_department, assignee_region=spec.assignee_region)
    if spec.deadline_workdays:
        items = items.filter(deadline_workdays=spec.deadline_workdays)
    else:
        items = items.filter(deadline=spec.deadline)
    return items.order_by("id").first()


def _judge(*, actor, filename: str, content: bytes) -> PlanResult:
    parsed = plan.plan_parse(filename=filename, content=content)
    sha256 = hashlib.sha256(content).hexdigest()
    source = ItemSource.LEDGER if parsed.is_ledger else ItemSource.PLAN
    if not parsed.rows:
        raise plan.FileProblem("文件中没有任务行（表头下方是空的）。")
    ctx = _Context(actor)
    batch = f"{source}-{sha256[:16]}"
    seen_codes: dict[str, int] = {}
    seen_uncoded: dict[tuple, int] = {}
    lines = []
    for row in parsed.rows:
        if row.code:
            if row.code in seen_codes:
                row.error("code", f"“{row.code}”与第 {seen_codes[row.code]} 行重复；文件内的任务编号不能重复")
            else:
                seen_codes[row.code] = row.row
        spec = _check(row, ctx, source=source, batch=batch)
        unit = spec.assignee_department or spec.assignee_region if spec else None
        line = PlanLine(row=row.row, outcome="create", code=row.code, title=row.title,
                        assignee=unit.name if unit else row.assignee, deadline_text=row.deadline_text,
                        deadline_label=row.deadline_label,
                        issued_on=row.issued, approved_on=row.approved, errors=row.errors, spec=spec)
        if spec is not None and row.deadline_workdays and row.deadline:
            line.deadline_text = f"{row.deadline_workdays}个工作日（{row.deadline.isoformat()}）"
            line.deadline_label = f"{row.deadline_workdays}个工作日（{day_label(row.deadline)}）"
        if spec is not None:
            if row.code:
                existing = WorkItem.objects.filter(code=row.code).first()
                if existing is not None:
                    differ = _differences(row, spec, existing, parsed.columns)
                    if differ:
                        row.error("code", f"“{row.code}”已有任务（{existing.title}），其{'、'.join(differ)}与文件不同；"
                                          f"导入不修改已有任务，请在任务页面修改，或换一个编号")
                    else:
                        line.outcome, line.item = "unchanged", existing
            else:
                key = (spec.title, unit.pk, type(unit).__name__, spec.deadline, spec.deadline_workdays)
                if key in seen_uncoded:
                    row.error("title", f"与第 {seen_uncoded[key]} 行的任务名称、责任单位和完成时限都相同；"
                                       f"若确为两项任务，请填写不同的任务编号")
                else:
                    seen_uncoded[key] = row.row
                    existing = _uncoded_match(spec)
                    if existing is not None:
                        line.outcome, line.item = "unchanged", existing
                        line.code = existing.code
        if row.errors:
            line.outcome, line.spec = "error", None
        lines.append(line)
    return PlanResult(filename=filename, sha256=sha256, source=source, lines=lines)


def plan_preview(*, actor, filename: str, content: bytes) -> PlanResult:
    """Dry run: every row of the file resolved and checked, with what an import would create; writes nothing.
    A file that cannot be read at all raises a Chinese ApplicationError."""
    require_actor(actor, Permission.MANAGE_WORK)
    return _judge(actor=actor, filename=filename, content=content)


def plan_import(*, actor, filename: str, content: bytes) -> PlanResult:
    """Create and issue every new item of the file in one transaction, or nothing: any row error raises an
    ApplicationError listing them all (行号、字段、原因). Audited as `work_plan.import` when it creates items."""
    require_actor(actor, Permission.MANAGE_WORK)
    try:
        with transaction.atomic():
            result = _judge(actor=actor, filename=filename, content=content)
            problems = result.problems
            if problems:
                raise ApplicationError(result.summary(), details=[str(p) for p in problems])
            # explicit codes first, so that automatic numbering continues after them
            pending = sorted((line for line in result.lines if line.outcome == "create"), key=lambda x: not x.code)
            for line in pending:
                try:
                    line.item = item_create(actor=actor, spec=line.spec, issue=True, issued_on=line.issued_on,
                                            approved_on=line.approved_on)
                except ApplicationError as exc:
                    raise ApplicationError(f"第 {line.row} 行未能导入：{exc.message}整个文件未导入。",
                                           code=exc.code, details=[f"第 {line.row} 行：{exc.message}"]) from exc
                line.code, line.outcome = line.item.code, "created"
            for line in result.lines:
                if line.item is not None:  # the dates the items now have (the day of the import when none given)
                    line.issued_on, line.approved_on = line.item.issued_on, line.item.approved_on
            if pending:
                audit_record(actor=actor, action="work_plan.import", object_type="workflows.workplan",
                             object_id=result.sha256[:16], object_repr=filename[:300], new={
                                 "file": filename, "sha256": result.sha256, "source": result.source,
                                 "created": len(pending), "unchanged": result.unchanged,
                                 "codes": [line.code for line in pending]})
    except IntegrityError:
        raise ApplicationError("另一次导入同时写入了相同编号的任务，本次未导入；请重新预检后再导入。",
                               code=ErrorCode.CONFLICT) from None
    result.committed = True
    return result


def plan_template_build() -> bytes:
    """The 年度工作任务 Excel template, listing the platform's units and the active system's indicators."""
    from bizenv.indicators.selectors import active_version

    units = [plan.Choice(d.code, d.name, "部门") for d in Department.objects.order_by("sort_order", "code")]
    units += [plan.Choice(r.code, r.name, r.get_level_display()) for r in Region.objects.order_by("path")]
    indicators = []
    version = active_version()
    if version is not None:
        rows = version.indicators.select_related("parent").order_by("level", "sort_order", "code")
        indicators = [plan.Choice(i.code, i.name, i.parent.name if i.parent else "") for i in rows]
    return plan.plan_template(year=clock.today().year, units=units, indicators=indicators,
                              examples=plan_examples())


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def plan_examples() -> plan.Examples:
    """Examples for the template's 填写说明 that the import accepts today: a month end a few months ahead (or
    nearer) and a number of working days from today, both inside the years the working-day calendar covers."""
    from bizenv.workdays.calendar import WorkCalendar

    today = clock.today()
    calendar = WorkCalendar.load()
    covered = tuple(sorted(calendar.covered_years))
    day = today
    for ahead in (3, 2, 1, 0):
        month = today.month - 1 + ahead
        candidate = _month_end(today.year + month // 12, month % 12 + 1)
        if calendar.covers(candidate.year):
            day = candidate
            break
    workdays = 1
    for n in (20, 15, 10, 5, 3, 2):
        try:
            calendar.workday_add(today, n)
        except ApplicationError:
            continue
        workdays = n
        break
    return plan.Examples(day=day, workdays=workdays, covered_years=covered)


# ---------------------------------------------------------------------------------------------------------
# Keeping an uploaded file between its preview and the confirmation


def _stage_dir() -> Path:
    return Path(settings.MEDIA_ROOT).joinpath(*STAGE_FOLDER)


def plan_stage(*, filename: str, content: bytes) -> str:
    """Keep a previewed file until it is confirmed (a day at most); the token to fetch it with."""
    folder = _stage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGE_MAX_AGE
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    temporary = folder / f".{token}.part"
    temporary.write_bytes(content)
    temporary.replace(folder / f"{token}.bin")
    return token


def plan_staged(*, token: str) -> bytes | None:
    """The kept file, or None when the token is malformed, unknown or expired."""
    if not STAGE_TOKEN.match(token or ""):
        return None
    path = _stage_dir() / f"{token}.bin"
    if not path.is_file() or path.stat().st_mtime < time.time() - STAGE_MAX_AGE:
        return None
    return path.read_bytes()


def plan_unstage(*, token: str) -> None:
    if STAGE_TOKEN.match(token or ""):
        (_stage_dir() / f"{token}.bin").unlink(missing_ok=True)
