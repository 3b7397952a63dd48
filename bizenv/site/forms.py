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
    "user.password_change": "修改本人密码",
    "indicator_system.create": "新建指标体系",
    "system_version.import": "导入指标体系版本",
    "system_version.copy": "基于版本新建草稿",
    "system_version.publish": "发布指标体系版本",
    "system_version.carry": "新版本沿用指标值",
    "system_version.carry_over": "设置沿用编码对应",
    "indicator.create": "新增指标",
    "indicator.update": "修改指标",
    "indicator.delete": "删除指标",
    "observation.create": "新增指标值",
    "observation.update": "修改指标值",
    "observation.revise": "修改已审核的指标值（重新审核）",
    "observation.submit": "提交指标值",
    "observation.approve": "审核通过指标值",
    "observation.return": "退回指标值",
    "observation.lock": "锁定指标值",
    "observation.evidence_add": "上传佐证材料",
    "observation.evidence_remove": "删除佐证材料",
    "observation.flag_outliers": "标记异常值",
    "observation.demo_history": "演示数据修改记录",
    "observation_import.commit": "指标值导入入库",
    "observation_import.cancel": "取消指标值导入",
    "reporting_round.open": "开启填报轮次",
    "reporting_round.update": "修改填报轮次",
    "evaluation_run.create": "评价计算",
    "release_rule.save": "保存红黑榜规则",
    "red_black_list.create": "生成红黑榜草稿",
    "red_black_list.review": "审核红黑榜",
    "red_black_list.return": "退回红黑榜",
    "red_black_list.publish": "发布红黑榜",
    "red_black_list.supersede": "红黑榜被新发布的替代",
    "benchmark_value.create": "新增标杆值",
    "benchmark_value.update": "修改标杆值",
    "calendar_override.set": "设置调休或节假日",
    "calendar_override.remove": "删除调休或节假日",
    "calendar_year.complete": "确认年度工作日历",
    "calendar_year.unmark": "撤销年度工作日历确认",
    "datasets.source_create": "新建数据源",
    "datasets.source_update": "修改数据源",
    "datasets.source_token_rotate": "签发推送令牌",
    "datasets.source_pull_request": "请求立即拉取",
    "datasets.batch_commit": "数据批次入库",
    "datasets.batch_fail": "数据批次失败",
    "metric_definition.create": "新建指标口径",
    "metric_definition.version": "指标口径新版本",
    "metric_run.start": "开始口径计算",
    "metric_run.finish": "完成口径计算",
    "metric_run.fail": "口径计算失败",
    "job.create": "提交后台任务",
    "job.fail": "后台任务失败",
    "job.succeed": "后台任务完成",
    "warning.open": "新开预警",
    "warning.persist": "预警延续",
    "warning.clear_period": "预警条件消除一期",
    "warning.acknowledge": "签收预警",
    "warning.resolve": "预警销号",
    "warning.auto_resolve": "预警自动销号",
    "warning.hand_over": "预警转入指标体系新版本",
    "warning.close": "关闭预警",
    "measure.submit": "上报整改举措",
    "measure.review": "审核整改举措",
    "rectification_method.create": "新增整改方式",
    "rectification_method.update": "修改整改方式",
    "warning_rule.create": "新增预警规则",
    "warning_rule.update": "修改预警规则",
    "warning_rule.carry": "预警规则沿用到新版本",
}


def action_labels() -> dict[str, str]:
    """Every audited action's Chinese name: the list above and what each app adds from its AppConfig's
    `audit_labels` (newer apps bring their own)."""
    from django.apps import apps

    merged = dict(ACTION_LABELS)
    for config in apps.get_app_configs():
        merged.update(getattr(config, "audit_labels", {}))
    return merged


def action_label(action: str) -> str:
    """The Chinese name of an audited action; an action without one reads as 其他操作 (never its code alone)."""
    return action_labels().get(action, "其他操作")


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
            (a, action_label(a)) for a in actions
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data
