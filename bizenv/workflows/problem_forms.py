"""Forms of the 问题整治清单 pages: the office's confirmation (牵头部门, 整治时限, 说明) and dismissal (理由). Shape
only; the rules (a deadline the working-day calendar covers, not before today; not the office as lead) are the
service's, whose Chinese errors the page shows on the form."""

from __future__ import annotations

from django import forms

from bizenv.workflows.problem_selectors import lead_department_choices
from bizenv.workflows.problem_services import NOTE_MAX


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ConfirmForm(forms.Form):
    lead_department = DepartmentChoice(
        label="牵头部门", queryset=lead_department_choices(), empty_label="请选择牵头部门",
        error_messages={"required": "请选择牵头部门。", "invalid_choice": "所选牵头部门不存在，请重新选择。"})
    deadline = forms.DateField(
        label="整治时限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": "请填写整治时限。", "invalid": "整治时限应为日期，格式如 2026-12-31。"})
    note = forms.CharField(
        label="确认说明", required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "可填写整治要求（选填）"}),
        error_messages={"max_length": f"确认说明最多 {NOTE_MAX} 字。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = lead_department_choices()


class DismissForm(forms.Form):
    note = forms.CharField(
        label="不列入的理由", max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "例如：已纳入年度工作任务统筹推进"}),
        error_messages={"required": "请填写不列入的理由。", "max_length": f"不列入的理由最多 {NOTE_MAX} 字。"})
