"""Forms of the monitoring pages: the warning filters, the 整改举措 with its evidence files, the review of a
measure, closing a warning, a rule (fields per kind), the rule-file import and the 整改方式 list. Every message
is Chinese; evidence files are checked by the platform's one upload policy (core.uploads) before anything is
saved."""

from __future__ import annotations

import math
import re

from django import forms

from bizenv.core.errors import ApplicationError
from bizenv.monitoring.models import WarningStatus
from bizenv.monitoring.services import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES, MEASURE_TEXT_MAX
from bizenv.monitoring.specs import COMPARE_LABELS, RULE_KIND_LABELS, SEVERITY_LABELS, RuleKind

ACTIVE = "active"
EVERY_STATUS = "all"
# The list opens on the warnings still to be dealt with; 全部状态 shows resolved and closed ones too.
STATUS_CHOICES = [(ACTIVE, "未办结（待签收、已签收、整改中）"), (EVERY_STATUS, "全部状态"), *WarningStatus.choices]


class WarningFilterForm(forms.Form):
    """所属地区, 预警指标, 规则类型, 预警等级, 状态, 时期 (every one optional; an unknown value is ignored)."""

    region = forms.ChoiceField(label="所属地区", required=False)
    indicator = forms.ChoiceField(label="预警指标", required=False)
    kind = forms.ChoiceField(label="规则类型", required=False,
                             choices=[("", "全部类型"), *RULE_KIND_LABELS.items()])
    severity = forms.ChoiceField(label="预警等级", required=False,
                                 choices=[("", "全部等级"), *SEVERITY_LABELS.items()])
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)
    period = forms.ChoiceField(label="时期", required=False)

    def __init__(self, data=None, *, choices):
        super().__init__(data)
        self.fields["region"].choices = [("", "全部地区"), *choices.regions]
        self.fields["indicator"].choices = [("", "全部指标"), *choices.indicators]
        self.fields["period"].choices = [("", "全部时期"), *choices.periods]

    def filters(self) -> dict:
        """The selector's keyword arguments for the valid fields (an invalid field is left out, not an error)."""
        out = {"region": "", "indicator": "", "kind": "", "severity": "", "status": "", "period": "",
               "active": True}
        if not self.is_bound:
            return out
        self.is_valid()
        for name in out:
            if name in self.fields and name not in self.errors:
                out[name] = self.cleaned_data.get(name) or ""
        status = out["status"]
        out["active"] = True if status in ("", ACTIVE) else None
        out["status"] = "" if status in ("", ACTIVE, EVERY_STATUS) else status
        return out

    def query(self, **changes) -> str:
        """The filters as a query string (for links that keep them), with `changes` applied."""
        from django.utils.http import urlencode

        values = {name: self.data.get(name, "") for name in self.fields} if self.is_bound else {}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from one <input type=file multiple>."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not isinstance(data, (list, tuple)):
            data = [data] if data else []
        files = [single(d, initial) for d in data if d]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class MeasureForm(forms.Form):
    method = forms.ModelChoiceField(label="整改方式", queryset=None, empty_label="请选择整改方式",
                                    error_messages={"required": "请选择整改方式。",
                                                    "invalid_choice": "所选整改方式已停用或不存在，请重新选择。"})
    description = forms.CharField(
        label="举措说明", max_length=MEASURE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": "measure-description-count",
                                     "placeholder": "写明采取的整改举措、完成时间和预期效果"}),
        error_messages={"required": "请填写整改举措的说明。",
                        "max_length": f"举措说明最多 {MEASURE_TEXT_MAX} 字，当前 %(show_value)d 字。"})
    files = MultipleFileField(
        label="佐证材料", required=True,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif"}),
        error_messages={"required": "请至少上传一份佐证材料。", "empty": "上传的文件是空的。",
                        "invalid": "上传的内容不是文件，请重新选择。"})

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = methods

    def clean_description(self):
        return self.cleaned_data["description"].strip()

    def clean_files(self):
        """Each file by the platform's upload policy: type by content, size, macros and active content."""
        from bizenv.core.uploads import EVIDENCE_KINDS, upload_check

        files = self.cleaned_data["files"]
        if len(files) > EVIDENCE_MAX_FILES:
            raise forms.ValidationError(f"一次最多上传 {EVIDENCE_MAX_FILES} 份佐证材料，当前选择了 {len(files)} 份。")
        problems = []
        for upload in files:
            try:
                upload_check(content=upload, filename=upload.name or "", allowed=EVIDENCE_KINDS,
                             max_bytes=EVIDENCE_MAX_BYTES)
            except ApplicationError as exc:
                problems.append(exc.message)
        if problems:
            raise forms.ValidationError(problems)
        return files


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结果", choices=[("accept", "通过"), ("more", "要求补充")],
                                 error_messages={"required": "请选择审核结果。", "invalid_choice": "请选择审核结果。"})
    comment = forms.CharField(label="审核意见", required=False, max_length=MEASURE_TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"max_length": f"审核意见最多 {MEASURE_TEXT_MAX} 字。"})

    def clean(self):
        data = super().clean()
        if data.get("decision") == "more" and not (data.get("comment") or "").strip():
            self.add_error("comment", "要求补充时必须填写审核意见，说明还需要哪些举措或材料。")
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(label="关闭理由", max_length=MEASURE_TEXT_MAX,
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：数据错误已更正、规则不再适用"}),
                             error_messages={"required": "关闭预警必须填写理由。",
                                             "max_length": f"关闭理由最多 {MEASURE_TEXT_MAX} 字。"})


# ------------------------------------------------------------------------------------------------ rules

PARAM_FIELDS: dict[str, tuple[str, str]] = {
    "line": ("预警线", "按指标单位填写，如 10（工作日）；越低越好的指标高于预警线、越高越好的低于预警线时预警"),
    "gap": ("落后最优地区的分差", "得分比同期最优地区低多少分以上时预警，如 25"),
    "ratio": ("与标杆值的相对差距", "如 0.2 表示比标杆值差 20% 以上时预警"),
    "k": ("标准差倍数", "变化幅度超过此前变化标准差的几倍时预警，如 3"),
    "min_history": ("此前变化至少几次", "此前变化次数不足时不判断，默认 6"),
    "n": ("末几位", "排名最后几位时预警，如 2"),
    "limit": ("超期办结占比上限", "如 0.05 表示超期办结占比超过 5% 时预警"),
    "open_limit": ("超期未办结件数上限", "超期仍未办结的办件多于此数时预警；都不填时有 1 件即预警"),
}
# What each kind takes (the rule file's REQUIRED + OPTIONAL, in the order shown).
KIND_PARAMS: dict[str, tuple[str, ...]] = {
    RuleKind.THRESHOLD: ("line",),
    RuleKind.LAG_BEST: ("gap",),
    RuleKind.LAG_BENCHMARK: ("ratio",),
    RuleKind.FLUCTUATION: ("compare", "k", "min_history"),
    RuleKind.BOTTOM_RANK: ("n",),
    RuleKind.OVERDUE: ("dataset", "limit", "open_limit"),
    RuleKind.MISSING_REPORT: (),
}
LEVEL_CHOICES_HEAD = [("", "不按层级（指定指标，或按规则类型的默认范围）"), ("0", "综合得分")]
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
# RuleProblem.field → the form field it belongs to.
PROBLEM_FIELDS = {"indicator": "indicators", "regions": "region_groups"}


def _number_or_text(text: str):
    """A number typed on the page as the rule file would hold it (10, 0.05); anything else stays as typed so the
    rule file's own message names it."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and "." not in text else number


class RuleForm(forms.Form):
    """One rule of a kind: common fields, the kind's parameters, and the periods to clear before 销号."""

    code = forms.CharField(label="规则编码", max_length=50, help_text="字母、数字、点、下划线或连字符，如 L1_LAST",
                           error_messages={"required": "请填写规则编码。"})
    name = forms.CharField(label="规则名称", max_length=100, required=False)
    severity = forms.ChoiceField(label="预警等级", choices=list(SEVERITY_LABELS.items()),
                                 error_messages={"required": "请选择预警等级。"})
    indicators = forms.MultipleChoiceField(label="指定指标", required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 8}),
                                           help_text="按住 Ctrl 可多选；与“指标层级”二选一")
    level = forms.ChoiceField(label="指标层级", required=False)
    region_groups = forms.MultipleChoiceField(label="限同类分组", required=False,
                                              widget=forms.CheckboxSelectMultiple)
    compare = forms.ChoiceField(label="比较方式", choices=list(COMPARE_LABELS.items()), required=False)
    dataset = forms.ChoiceField(label="办件数据集", required=False)
    clear_periods = forms.IntegerField(label="连续消除几期自动销号", min_value=1, max_value=24, initial=2,
                                       error_messages={"required": "请填写连续消除几期自动销号。"})
    description = forms.CharField(label="说明", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, kind: str, indicators: list[tuple[str, str]], levels: list[int],
                 groups: list[str], datasets: list[tuple[str, str]], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in KIND_PARAMS[kind]:
            if name in PARAM_FIELDS:
                label, help_text = PARAM_FIELDS[name]
                self.fields[name] = forms.CharField(label=label, help_text=help_text, required=False,
                                                    widget=forms.TextInput(attrs={"inputmode": "decimal"}))
        if "compare" not in KIND_PARAMS[kind]:
            del self.fields["compare"]
        if "dataset" in KIND_PARAMS[kind]:
            self.fields["dataset"].choices = datasets
        else:
            del self.fields["dataset"]
        self.fields["indicators"].choices = indicators
        self.fields["level"].choices = LEVEL_CHOICES_HEAD + [
            (str(n), f"{LEVEL_NAMES.get(n, f'{n} 级')}指标（第 {n} 层）") for n in levels if n > 0] + [
            ("leaves", "全部末级指标")]
        if groups:
            self.fields["region_groups"].choices = [(g, g) for g in groups]
        else:
            del self.fields["region_groups"]
        if editing:
            self.fields["code"].disabled = True
        self.param_names = [n for n in KIND_PARAMS[kind] if n in self.fields]
        self.order_fields(["code", "name", "severity", "indicators", "level", "region_groups", *self.param_names,
                           "clear_periods", "description", "enabled"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        params = {name: (data.get(name) or None) if name in ("compare", "dataset") else
                  _number_or_text(data.get(name)) for name in self.param_names}
        return {"code": data["code"], "kind": self.kind, "severity": data["severity"], "name": data.get("name", ""),
                "indicators": data.get("indicators") or [], "level": data.get("level") or "",
                "region_groups": data.get("region_groups") or [], "params": params,
                "description": data.get("description", ""), "enabled": bool(data.get("enabled")),
                "clear_periods": data.get("clear_periods")}

    def add_problems(self, problems) -> None:
        """The rule file's problems (RuleProblem) next to their fields, in the form's words; the others above it."""
        for problem in problems:
            name = PROBLEM_FIELDS.get(getattr(problem, "field", ""), getattr(problem, "field", ""))
            message = form_words(getattr(problem, "message", str(problem)))
            self.add_error(name if name in self.fields else None, message)


# The rule file's keys and kind codes as the form names them (the validator speaks YAML for rule authors).
_FORM_WORDS = {"indicators": "“指标范围”", "indicator": "“指标范围”", "level": "“指标层级”",
               "leaves": "“全部末级指标”", "regions": "“地区范围”", **{k: f"“{v}”" for k, v in RULE_KIND_LABELS.items()}}
_KEY = re.compile(r"(?<![A-Za-z_.])(" + "|".join(sorted(map(re.escape, _FORM_WORDS), key=len, reverse=True))
                  + r")(?![A-Za-z_.])")


def form_words(message: str) -> str:
    """“必须用 indicators 指明……” → “必须用 “指标范围” 指明……” (codes of indicators are left as they are)."""
    return _KEY.sub(lambda m: _FORM_WORDS[m.group(1)], message).replace("（“", "（").replace("”）", "）")


class RuleImportForm(forms.Form):
    file = forms.FileField(label="规则文件（YAML）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.txt"}),
                           error_messages={"required": "请选择要导入的规则文件。", "empty": "规则文件是空的。"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("规则文件超过 2 MB，请检查是否选错了文件。")
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("规则文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再导入。") from None


class MethodForm(forms.Form):
    name = forms.CharField(label="整改方式", max_length=50,
                           error_messages={"required": "请填写整改方式名称。", "max_length": "整改方式名称最多 50 字。"})
    description = forms.CharField(label="说明", max_length=200, required=False)
    active = forms.BooleanField(label="启用", required=False, initial=True)
