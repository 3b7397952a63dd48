"""Forms of the data-docking pages: record upload and source systems."""

from __future__ import annotations

import json

from django import forms

from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.models import SourceKind
from bizenv.datasets.parsing import FORMAT_LABELS
from bizenv.organisations.models import Department


def _dataset_choices():
    return [(code, f"{ds.name}（{code}）") for code, ds in DATASETS.items()]


class RecordUploadForm(forms.Form):
    dataset = forms.ChoiceField(label="数据集", choices=_dataset_choices)
    file = forms.FileField(label="数据文件", required=False,
                           help_text=f"支持 {FORMAT_LABELS}；第 1 行为字段名（英文字段编码）。")
    # The signed reference of a previewed file: 入库 after 仅预检 commits it without a new upload.
    upload = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("upload"):
            self.add_error("file", "请选择要上传的文件。")
        return data


class SourceForm(forms.Form):
    code = forms.SlugField(label="编码", max_length=50, help_text="英文字母、数字、下划线，登记后不可修改")
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="对接方式", choices=SourceKind.choices)
    department = forms.ModelChoiceField(label="所属部门", queryset=Department.objects.all(), required=False)
    datasets = forms.MultipleChoiceField(label="可提供的数据集", choices=_dataset_choices,
                                         widget=forms.CheckboxSelectMultiple)
    config = forms.CharField(
        label="对接配置（JSON）", required=False, widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        help_text='HTTP 拉取示例：{"url": "https://…/api/cases", "records_path": "data.items", "page_param": "page", '
                  '"page_size": 100, "since_param": "updated_since", "cursor_field": "updated_at"}；'
                  '数据库拉取示例：{"url": "postgresql+psycopg://用户:密码@主机/库", '
                  '"query": "SELECT … WHERE updated_at > :cursor", "cursor_column": "updated_at", '
                  '"initial_cursor": "2024-01-01"}')
    schedule_minutes = forms.IntegerField(label="拉取间隔（分钟）", required=False, min_value=1,
                                          help_text="仅拉取型数据源；留空表示不定时拉取")
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True

    def clean_config(self):
        text = (self.cleaned_data.get("config") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("对接配置应为 JSON 对象（{…}）")
        return value
