"""Forms of the 任务督办 pages: the workbench filters, a work item (new or edited), each action on an item, and the
on-time page's 截至日期. Forms check shapes and say what is wrong in Chinese; the rules are the services'."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.http import urlencode

from bizenv.core import clock
from bizenv.core.errors import ApplicationError
from bizenv.monitoring.forms import MultipleFileField, MultipleFileInput
from bizenv.workflows import services, workbench
from bizenv.workflows.models import ItemKind, ItemStatus, Priority
from bizenv.workflows.services import (
    FILE_MAX_BYTES,
    FILES_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ActionInput,
    ItemSpec,
)
from bizenv.workflows.transitions import Action

OPEN = "open"
STATUS_FILTERS = [("", "全部状态"), (OPEN, "未办结（待受理、已退回、办理中、待审核）"), *ItemStatus.choices]
FILE_ACCEPT = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif"
SPLIT_ROWS = 5


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _files_field(label: str) -> MultipleFileField:
    return MultipleFileField(label=label, required=False, widget=MultipleFileInput(attrs={"accept": FILE_ACCEPT}),
                             error_messages={"empty": "上传的文件是空的。", "invalid": "上传的内容不是文件，请重新选择。"})


def _files_clean(files: list) -> list:
    """Each file by the platform's one upload policy, every refusal named (nothing is stored here)."""
    from bizenv.core.uploads import EVIDENCE_KINDS, upload_check

    if len(files) > FILES_MAX:
        raise forms.ValidationError(f"一次最多上传 {FILES_MAX} 份材料，当前选择了 {len(files)} 份。")
    problems = []
    for upload in files:
        try:
            upload_check(content=upload, filename=upload.name or "", allowed=EVIDENCE_KINDS, max_bytes=FILE_MAX_BYTES)
        except ApplicationError as exc:
            problems.append(exc.message)
        finally:
            upload.seek(0)
    if problems:
        raise forms.ValidationError(problems)
    return files


def _flat(groups) -> set[str]:
    return {value for _label, entries in groups for value, _name in entries}


# ---------------------------------------------------------------------------------------------------------
# The workbench filters


class ItemFilterForm(forms.Form):
    """状态, 任务类型, 责任单位, 涉及指标, 关键词 (each optional; an unknown value is left out, not an error)."""

    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_FILTERS)
    kind = forms.ChoiceField(label="任务类型", required=False, choices=[("", "全部类型"), *ItemKind.choices])
    unit = forms.ChoiceField(label="责任单位", required=False)
    indicator = forms.ChoiceField(label="涉及指标", required=False)
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "编号、名称或说明中的文字"}))

    def __init__(self, data=None, *, units, indicators):
        super().__init__(data)
        self.fields["unit"].choices = [("", "全部单位"), *units]
        self.fields["indicator"].choices = [("", "全部指标"), *indicators]

    def filters(self) -> dict:
        out = {"status": "", "kind": "", "unit": "", "indicator": "", "q": ""}
        if not self.is_bound:
            return out
        self.is_valid()
        for name in out:
            if name not in self.errors:
                out[name] = (self.cleaned_data.get(name) or "").strip()
        return out

    def query(self, **changes) -> str:
        values = {name: self.data.get(name, "") for name in self.fields} if self.is_bound else {}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


# ---------------------------------------------------------------------------------------------------------
# A work item


class ItemForm(forms.Form):
    title = forms.CharField(label="任务名称", max_length=TITLE_MAX,
                            error_messages={"required": "请填写任务名称。",
                                            "max_length": f"任务名称最多 {TITLE_MAX} 字，当前 %(show_value)d 字。"})
    description = forms.CharField(
        label="任务说明", required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "data-counter": "item-description-count",
                                     "placeholder": "工作要求、完成标准、需报送的材料等"}),
        error_messages={"max_length": f"任务说明最多 {TEXT_MAX} 字，当前 %(show_value)d 字。"})
    kind = forms.ChoiceField(label="任务类型", choices=ItemKind.choices, initial=ItemKind.ANNUAL,
                             error_messages={"required": "请选择任务类型。", "invalid_choice": "请选择任务类型。"})
    priority = forms.ChoiceField(label="优先级", choices=Priority.choices, initial=Priority.NORMAL,
                                 error_messages={"required": "请选择优先级。", "invalid_choice": "请选择优先级。"})
    indicators = forms.MultipleChoiceField(
        label="涉及指标", required=False, widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages={"invalid_choice": "所选指标“%(value)s”不在现行指标体系中。"})
    assignee = forms.ChoiceField(label="责任单位", error_messages={
        "required": "请选择责任单位（一个部门或一个县区）。", "invalid_choice": "所选责任单位不存在，请重新选择。"})
    assignee_user = forms.ChoiceField(label="责任人（可选）", required=False, error_messages={
        "invalid_choice": "所选责任人不存在或已停用，请重新选择。"})
    co_assignees = forms.MultipleChoiceField(
        label="协办单位（可多选）", required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": "所选协办单位不存在，请重新选择。"})
    deadline = forms.DateField(label="完成时限（日期）", required=False, widget=_date_input(),
                               input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"],
                               error_messages={"invalid": "完成时限应为日期，如 2026-12-31。"})
    deadline_workdays = forms.IntegerField(
        label="或：下发后几个工作日内完成", required=False, min_value=1, max_value=365,
        widget=forms.NumberInput(attrs={"min": 1, "max": 365, "placeholder": "如 20"}),
        error_messages={"invalid": "工作日数应为整数。", "min_value": "工作日数至少为 1。",
                        "max_value": "工作日数最多为 365。"})
    files = _files_field("附件")
    warning = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        units = workbench.unit_choices(mark_unstaffed=True)
        self.fields["assignee"].choices = [("", "请选择责任单位"), *units]
        self.fields["co_assignees"].choices = units
        self.fields["assignee_user"].choices = [("", "不指定（由责任单位办理）"), *workbench.person_choices()]
        self.fields["indicators"].choices = workbench.indicator_choices()
        if editing:
            del self.fields["files"]
            del self.fields["warning"]

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_files(self):
        return _files_clean(self.cleaned_data["files"])

    def clean(self):
        data = super().clean()
        if data.get("deadline") and data.get("deadline_workdays"):
            self.add_error("deadline_workdays", "完成时限请填写日期或工作日数，二者选一。")
        if data.get("assignee") and data.get("assignee") in (data.get("co_assignees") or []):
            self.add_error("co_assignees", "协办单位不能与责任单位相同。")
        return data

    def spec(self) -> ItemSpec:
        """The item as the services take it (unit codes resolved; a Chinese ApplicationError otherwise)."""
        data = self.cleaned_data
        department, region = services.unit_require(data["assignee"])
        co_departments, co_regions = [], []
        for code in data.get("co_assignees") or []:
            d, r = services.unit_require(code, label="协办单位")
            (co_departments.append(d) if d else co_regions.append(r))
        person = workbench.user_by_username(data.get("assignee_user") or "")
        if data.get("assignee_user") and person is None:
            raise ApplicationError("所选责任人不存在或已停用，请重新选择。")
        return ItemSpec(
            title=data["title"], description=data.get("description") or "", kind=data["kind"],
            priority=data["priority"], indicator_codes=list(data.get("indicators") or []),
            assignee_department=department, assignee_region=region, assignee_user=person,
            co_departments=co_departments, co_regions=co_regions, deadline=data.get("deadline"),
            deadline_workdays=data.get("deadline_workdays"), files=list(data.get("files") or []))

    @staticmethod
    def initial_of(item) -> dict:
        unit = item.assignee_department or item.assignee_region
        return {
            "title": item.title, "description": item.description, "kind": item.kind, "priority": item.priority,
            "indicators": list(item.indicator_codes), "assignee": unit.code if unit else "",
            "assignee_user": item.assignee_user.username if item.assignee_user_id else "",
            "co_assignees": [d.code for d in item.co_departments.all()] + [r.code for r in item.co_regions.all()],
            "deadline": item.deadline if not item.deadline_workdays else None,
            "deadline_workdays": item.deadline_workdays,
        }


# ---------------------------------------------------------------------------------------------------------
# Actions on an item


def _reason(label: str, *, limit: int = REASON_MAX, placeholder: str = "", rows: int = 2) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=limit,
                           widget=forms.Textarea(attrs={"rows": rows, "placeholder": placeholder}),
                           error_messages={"max_length": f"{label}最多 {limit} 字，当前 %(show_value)d 字。"})


class ActionForm(forms.Form):
    """An action with an optional or required text (the service says when a required one is missing)."""

    reason = _reason("说明")

    def action_input(self) -> ActionInput:
        return ActionInput(reason=self.cleaned_data.get("reason") or "")


def _reason_form(label: str, *, placeholder: str = "", limit: int = REASON_MAX) -> type[ActionForm]:
    return type("ReasonForm", (ActionForm,), {"reason": _reason(label, placeholder=placeholder, limit=limit)})


class FeedbackForm(ActionForm):
    progress = forms.IntegerField(label="当前进度（%）", min_value=0, max_value=100,
                                  widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
                                  error_messages={"required": "请填写当前进度（0 到 100）。",
                                                  "invalid": "进度应为 0 到 100 之间的整数。",
                                                  "min_value": "进度不能小于 0。", "max_value": "进度不能大于 100。"})
    reason = _reason("反馈内容", limit=TEXT_MAX, rows=4, placeholder="做了什么、进展如何、下一步安排")
    files = _files_field("佐证材料（可选）")

    def clean_files(self):
        return _files_clean(self.cleaned_data["files"])

    def action_input(self) -> ActionInput:
        return ActionInput(reason=self.cleaned_data.get("reason") or "", progress=self.cleaned_data["progress"],
                           files=list(self.cleaned_data.get("files") or []))


class SubmitForm(ActionForm):
    reason = _reason("办结说明", limit=TEXT_MAX, rows=3, placeholder="完成情况与成效")
    files = _files_field("办结材料（可选）")

    def clean_files(self):
        return _files_clean(self.cleaned_data["files"])

    def action_input(self) -> ActionInput:
        return ActionInput(reason=self.cleaned_data.get("reason") or "",
                           files=list(self.cleaned_data.get("files") or []))


class TransferForm(ActionForm):
    to = forms.ChoiceField(label="转办至", error_messages={
        "required": "请选择接收单位。", "invalid_choice": "所选接收单位不存在，请重新选择。"})
    reason = _reason("转办理由", placeholder="为什么由该单位办理")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "请选择接收单位"), *workbench.unit_choices(mark_unstaffed=True)]

    def action_input(self) -> ActionInput:
        department, region = services.unit_require(self.cleaned_data["to"], label="接收单位")
        return ActionInput(reason=self.cleaned_data.get("reason") or "", to_department=department, to_region=region)


class SplitForm(ActionForm):
    """分解: up to SPLIT_ROWS rows of 责任单位 + 子任务名称 + 完成时限; blank rows are left out."""

    reason = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = [("", "请选择责任单位"), *workbench.unit_choices(mark_unstaffed=True)]
        for n in range(1, SPLIT_ROWS + 1):
            self.fields[f"unit_{n}"] = forms.ChoiceField(label=f"第 {n} 行责任单位", required=False, choices=units,
                                                         error_messages={"invalid_choice": f"第 {n} 行：所选责任单位不存在。"})
            self.fields[f"title_{n}"] = forms.CharField(label=f"第 {n} 行子任务名称", required=False, max_length=TITLE_MAX,
                                                        error_messages={"max_length": f"第 {n} 行：子任务名称最多 {TITLE_MAX} 字。"})
            self.fields[f"deadline_{n}"] = forms.DateField(
                label=f"第 {n} 行完成时限", required=False, widget=_date_input(), input_formats=["%Y-%m-%d", "%Y/%m/%d"],
                error_messages={"invalid": f"第 {n} 行：完成时限应为日期，如 2026-12-31。"})

    def rows(self):
        """(n, unit field, title field, deadline field) for the template."""
        return [(n, self[f"unit_{n}"], self[f"title_{n}"], self[f"deadline_{n}"]) for n in range(1, SPLIT_ROWS + 1)]

    def clean(self):
        data = super().clean()
        filled = []
        for n in range(1, SPLIT_ROWS + 1):
            unit, title, deadline = data.get(f"unit_{n}"), (data.get(f"title_{n}") or "").strip(), data.get(
                f"deadline_{n}")
            if not (unit or title or deadline) and f"deadline_{n}" not in self.errors:
                continue
            missing = [label for value, label in ((unit, "责任单位"), (title, "子任务名称"), (deadline, "完成时限"))
                       if not value]
            if missing and f"deadline_{n}" not in self.errors:
                self.add_error(None, f"第 {n} 行：请填写{'、'.join(missing)}。")
            filled.append((n, unit, title, deadline))
        if not filled and not self.errors:
            self.add_error(None, "请至少填写一行子任务（责任单位、子任务名称和完成时限）。")
        self.filled = filled
        return data

    def action_input(self) -> ActionInput:
        children = []
        for n, unit, title, deadline in self.filled:
            try:
                department, region = services.unit_require(unit)
            except ApplicationError as exc:
                raise ApplicationError(f"第 {n} 行：{exc.message}") from None
            children.append(ItemSpec(title=title, assignee_department=department, assignee_region=region,
                                     deadline=deadline))
        return ActionInput(children=children)


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    Action.ISSUE: _reason_form("下发说明"),
    Action.ACCEPT: _reason_form("受理意见（可选）", placeholder="如：已安排专人办理"),
    Action.RETURN: _reason_form("退回理由", placeholder="如：不属于本单位职责，建议由某单位办理"),
    Action.FEEDBACK: FeedbackForm,
    Action.SUBMIT: SubmitForm,
    Action.APPROVE: _reason_form("审核意见（可选）"),
    Action.REJECT: _reason_form("审核退回理由", placeholder="还需补充哪些工作或材料"),
    Action.TRANSFER: TransferForm,
    Action.SUPERVISE: _reason_form("督办意见", placeholder="督办要求与时限"),
    Action.CANCEL: _reason_form("撤销理由"),
    Action.SPLIT: SplitForm,
}


def action_form(action: Action, data=None, files=None) -> ActionForm:
    return ACTION_FORMS[action](data, files, prefix=action.value)


# ---------------------------------------------------------------------------------------------------------
# The on-time page


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="截至日期", required=False, widget=_date_input(),
                            input_formats=["%Y-%m-%d", "%Y/%m/%d"],
                            error_messages={"invalid": "截至日期应为日期，如 2026-12-03；已按今天统计。"})

    def day(self) -> date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return clock.today()
