from django import forms

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period
from bizenv.evaluation.release_rules import MODES, SCOPES, RuleError, rules_normalise


class RunForm(forms.Form):
    period = forms.CharField(label="时期", max_length=10, help_text="如 2026-03")

    def clean_period(self):
        try:
            return str(Period.parse(self.cleaned_data["period"]))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None


class ReleaseForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="留空则为“××年×月营商环境红黑榜”")
    mode = forms.ChoiceField(label="评选方式", choices=list(MODES.items()))
    scopes = forms.ChoiceField(label="评选范围", choices=list(SCOPES.items()))
    red = forms.IntegerField(label="红榜名额", min_value=0, max_value=100, required=False, initial=3)
    black = forms.IntegerField(label="黑榜名额", min_value=0, max_value=100, required=False, initial=3)
    red_min = forms.FloatField(label="红榜分数线", min_value=0, max_value=100, required=False)
    black_below = forms.FloatField(label="黑榜分数线（低于）", min_value=0, max_value=100, required=False)
    save_default = forms.BooleanField(label="保存为该指标体系的默认规则", required=False)
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        data = super().clean()
        rules = {"mode": data.get("mode"), "scopes": data.get("scopes")}
        if data.get("mode") == "threshold":
            rules.update(red_min=data.get("red_min"), black_below=data.get("black_below"))
            if data.get("red_min") is None or data.get("black_below") is None:
                raise forms.ValidationError("按分数线评选时必须填写红榜分数线和黑榜分数线。")
        else:
            rules.update(red=data.get("red") if data.get("red") is not None else 3,
                         black=data.get("black") if data.get("black") is not None else 3)
        try:
            data["rules"] = rules_normalise(rules)
        except RuleError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data
