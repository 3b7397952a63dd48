"""Forms of the reporting pages: shapes only; rules live in services."""

from __future__ import annotations

from django import forms

from bizenv.observations.checks import FieldError, parse_number
from bizenv.observations.models import SpecialValue


class RoundOpenForm(forms.Form):
    version = forms.ModelChoiceField(label="指标体系", queryset=None, empty_label=None)
    period = forms.CharField(label="填报时期", max_length=10, help_text="月度 2026-10，季度 2026-Q4，年度 2026")
    deadline = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="留空按规则计算：期末后第 10（月）/ 15（季）/ 20（年）个工作日")
    name = forms.CharField(label="批次名称", max_length=200, required=False, help_text="留空自动生成")

    def __init__(self, *args, **kwargs):
        from bizenv.indicators.models import SystemVersion, VersionStatus
        from bizenv.indicators.selectors import active_version

        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = SystemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
            "system").order_by("system__code", "-published_at")
        current = active_version()
        if current is not None:
            self.fields["version"].initial = current.pk


class EntryForm(forms.Form):
    value = forms.CharField(label="数值", required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    special = forms.ChoiceField(label="特殊值", required=False, choices=SpecialValue.choices,
                                help_text="没有数值时选择；有数值时保持“—”")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="数据口径、来源或与上期差异较大的原因")
    evidence = forms.FileField(label="佐证材料", required=False,
                               help_text="PDF、图片、Word、Excel、OFD 或 ZIP，单个文件不超过 20 MB")

    def clean_value(self) -> float | None:
        try:
            return parse_number(self.cleaned_data.get("value"))
        except FieldError as exc:
            raise forms.ValidationError(exc.message) from exc


class ReviewForm(forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label="文件", help_text="本批次下载的填报模板（.xlsx），或 CSV：system,region,indicator,period,value")
