from django import forms

ACTION_LABELS = {
    "region.create": "新建区域",
    "region.update": "修改区域",
    "department.create": "新建部门",
    "department.update": "修改部门",
    "user.create": "新建账号",
    "user.update": "修改账号",
    "user.deactivate": "停用账号",
    "user.reactivate": "启用账号",
    "user.password_reset": "重置密码",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "account.unlock": "解锁账号",
    "map_layer.save": "保存地图边界",
    "map_layer.delete": "删除地图边界",
}


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="操作", required=False)
    actor = forms.CharField(
        label="操作人",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "账号或姓名"}),
    )
    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "全部操作")] + [
            (a, f"{ACTION_LABELS[a]}（{a}）" if a in ACTION_LABELS else a) for a in actions
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data
