"""Forms of the indicator pages: they check shape only; the services enforce the rules."""

from __future__ import annotations

from django import forms

from bizenv.indicators.exporting import variants_text
from bizenv.indicators.models import Cycle, Direction, Indicator, SourceKind
from bizenv.indicators.parsing import CODE_PATTERN, parse_variants_text
from bizenv.indicators.selectors import indicator_spec
from bizenv.organisations.selectors import department_list

_BLANK = [("", "—— 未设置 ——")]


def _department_choices() -> list[tuple[str, str]]:
    return [(d.code, f"{d.name}（{d.code}）") for d in department_list()]


class IndicatorForm(forms.Form):
    name = forms.CharField(label="指标名称", max_length=200)
    weight = forms.FloatField(
        label="权重（同级相对权重）", initial=1, help_text="大于 0；同级指标按权重比例分配"
    )
    optional = forms.BooleanField(label="可选指标（默认不计入综合得分）", required=False)
    unit = forms.CharField(label="单位", max_length=30, required=False)
    direction = forms.ChoiceField(
        label="方向", required=False, choices=[("", "—— 由最佳值和最差值推断 ——"), *Direction.choices]
    )
    best = forms.FloatField(label="最佳值（前沿）", required=False, help_text="仅末级指标")
    worst = forms.FloatField(label="最差值", required=False, help_text="仅末级指标")
    transform_power = forms.FloatField(label="幂变换指数", required=False, help_text="可选，大于 0，如 0.8")
    lead_departments = forms.MultipleChoiceField(
        label="牵头单位", required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    responsible_departments = forms.MultipleChoiceField(
        label="责任单位", required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    source_kind = forms.ChoiceField(
        label="数据来源", required=False, choices=_BLANK + list(SourceKind.choices)
    )
    cycle = forms.ChoiceField(label="采集周期", required=False, choices=_BLANK + list(Cycle.choices))
    external_ref = forms.CharField(label="外部数据字段", max_length=200, required=False)
    weight_variants = forms.CharField(
        label="权重变体",
        required=False,
        help_text=(
            "条件=值:权重，多个条件用逗号、多个变体用分号分隔，"
            "例如 has_pipeline_gas=false:7（权重 0 表示不计入）"
        ),
    )
    definition = forms.CharField(label="指标释义", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    remarks = forms.CharField(
        label="备注（参数来源等）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _department_choices()
        self.fields["lead_departments"].choices = choices
        self.fields["responsible_departments"].choices = choices

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict:
        node = indicator_spec(indicator)
        return {
            "name": node.name,
            "weight": node.weight,
            "optional": node.optional,
            "unit": node.unit,
            "direction": node.direction,
            "best": node.best,
            "worst": node.worst,
            "transform_power": node.transform_power,
            "lead_departments": node.lead_departments,
            "responsible_departments": node.responsible_departments,
            "source_kind": node.source_kind,
            "cycle": node.cycle,
            "external_ref": node.external_ref,
            "weight_variants": variants_text(node),
            "definition": node.definition,
            "remarks": node.remarks,
        }

    def clean_weight_variants(self):
        text = self.cleaned_data.get("weight_variants") or ""
        variants, problems = parse_variants_text(text)
        if problems:
            raise forms.ValidationError([p.message for p in problems])
        return [{"when": v.when, "weight": v.weight} for v in variants]

    def changes(self) -> dict:
        return dict(self.cleaned_data)


class IndicatorCreateForm(IndicatorForm):
    code = forms.CharField(
        label="指标编码", max_length=100, help_text="字母、数字和 - _ . 组成，在本版本内唯一，如 SB.PROC"
    )

    field_order = ["code", "name"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError("编码只能由字母、数字和 - _ . 组成，且以字母或数字开头。")
        return code


class VersionCopyForm(forms.Form):
    version = forms.CharField(label="新版本号", max_length=30, help_text="如 2027 或 2026-修订")
    name = forms.CharField(label="版本名称", max_length=200, required=False, help_text="留空沿用原版本名称")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="指标体系文件", help_text="YAML（.yaml / .yml）或 Excel（.xlsx），格式见 docs/formats.md"
    )
    publish = forms.BooleanField(label="导入后立即发布", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 5 MB。")
        return upload


class CompareForm(forms.Form):
    left = forms.TypedChoiceField(label="原版本", coerce=int)
    right = forms.TypedChoiceField(label="新版本", coerce=int)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.pk, f"{v.system.code} · {v.version}（{v.get_status_display()}）") for v in versions]
        self.fields["left"].choices = choices
        self.fields["right"].choices = choices
