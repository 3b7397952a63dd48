from django.conf import settings
from django.db import models
from django.db.models import Q


class WarningStatus(models.TextChoices):
    OPEN = "open", "待签收"
    ACKNOWLEDGED = "acknowledged", "已签收"
    RECTIFYING = "rectifying", "整改中"
    RESOLVED = "resolved", "已销号"
    CLOSED = "closed", "已关闭"


ACTIVE_STATUSES = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED, WarningStatus.RECTIFYING)


class MeasureStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    ACCEPTED = "accepted", "审核通过"
    MORE_REQUESTED = "more_requested", "需补充"


class WarningRule(models.Model):
    """A 预警规则 of one indicator-system version (rules are versioned with the system they watch)."""

    system_version = models.ForeignKey("indicators.SystemVersion", verbose_name="指标体系版本",
                                       on_delete=models.CASCADE, related_name="warning_rules")
    code = models.CharField("规则编码", max_length=50)
    name = models.CharField("规则名称", max_length=100, blank=True)
    kind = models.CharField("规则类型", max_length=20)
    severity = models.CharField("预警等级", max_length=10)
    indicators = models.JSONField("指标范围", default=list, blank=True)
    level = models.CharField("指标层级", max_length=10, blank=True, help_text="0 为综合得分，leaves 为全部末级指标")
    region_groups = models.JSONField("地区范围（同类分组）", default=list, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    clear_periods = models.PositiveSmallIntegerField("连续消除几期自动销号", default=2)
    description = models.TextField("说明", blank=True)
    enabled = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    revision = models.PositiveIntegerField("修订次数", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = verbose_name
        ordering = ("system_version", "sort_order", "id")
        constraints = [models.UniqueConstraint(fields=("system_version", "code"), name="warning_rule_code_unique")]

    def __str__(self) -> str:
        return self.name or self.code


class Warning(models.Model):
    """One warning: a rule firing for one region and indicator, over the periods the condition lasts."""

    rule = models.ForeignKey(WarningRule, verbose_name="预警规则", on_delete=models.PROTECT, related_name="warnings")
    system_version = models.ForeignKey("indicators.SystemVersion", verbose_name="指标体系版本",
                                       on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("organisations.Region", verbose_name="所属地区", on_delete=models.PROTECT,
                               related_name="warnings")
    indicator_code = models.CharField("预警指标编码", max_length=100, db_index=True)
    indicator_name = models.CharField("预警指标", max_length=200)
    level1_code = models.CharField("一级指标编码", max_length=100, blank=True, db_index=True)
    kind = models.CharField("规则类型", max_length=20)
    severity = models.CharField("预警等级", max_length=10)
    status = models.CharField("状态", max_length=15, choices=WarningStatus.choices, default=WarningStatus.OPEN,
                              db_index=True)
    first_period = models.CharField("首次预警时期", max_length=10)
    last_period = models.CharField("最近预警时期", max_length=10, db_index=True)
    history = models.JSONField("各期触发情况", default=list, help_text="[{period, value, reference}]")
    value = models.FloatField("最近一期的值")
    reference = models.FloatField("比较基准")
    explanation = models.TextField("预警说明")
    facts = models.JSONField("预警说明的数据", default=dict)
    cases = models.JSONField("超期办件", default=list, blank=True)
    last_checked_period = models.CharField("最近检查时期", max_length=10, blank=True)
    cleared_periods = models.PositiveSmallIntegerField("已连续消除期数", default=0)
    previous = models.ForeignKey("self", verbose_name="上次预警（复发）", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="recurrences")
    first_measure_period = models.CharField("首次整改时期", max_length=10, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收人", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="销号或关闭人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField("销号或关闭时间", null=True, blank=True)
    close_reason = models.TextField("关闭理由或销号说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = verbose_name
        ordering = ("-last_period", "-id")
        constraints = [
            models.UniqueConstraint(fields=("rule", "region", "indicator_code"),
                                    condition=Q(status__in=["open", "acknowledged", "rectifying"]),
                                    name="warning_one_active_per_rule_region_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.region.name} · {self.indicator_name}（{self.first_period}）"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class RectificationMethod(models.Model):
    """An 整改方式 the office offers in the measure form (制度完善, 流程再造, …)."""

    name = models.CharField("整改方式", max_length=50, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "整改方式"
        verbose_name_plural = verbose_name
        ordering = ("sort_order", "id")

    def __str__(self) -> str:
        return self.name


class RectificationMeasure(models.Model):
    """One 整改举措 for a warning, with its evidence; reviewed by the office. Repeatable."""

    warning = models.ForeignKey(Warning, verbose_name="预警", on_delete=models.CASCADE, related_name="measures")
    method = models.ForeignKey(RectificationMethod, verbose_name="整改方式", on_delete=models.PROTECT,
                               related_name="measures")
    description = models.TextField("举措说明")
    period = models.CharField("提交时期", max_length=10)
    status = models.CharField("审核状态", max_length=15, choices=MeasureStatus.choices,
                              default=MeasureStatus.SUBMITTED)
    review_comment = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    department = models.ForeignKey("organisations.Department", verbose_name="提交部门", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改举措"
        verbose_name_plural = verbose_name
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.method.name}（{self.period}）"


class MeasureEvidence(models.Model):
    """An evidence file (佐证材料) of a measure, stored under a random name outside static."""

    measure = models.ForeignKey(RectificationMeasure, verbose_name="整改举措", on_delete=models.CASCADE,
                                related_name="evidence")
    path = models.CharField("存储位置", max_length=300)
    original_name = models.CharField("文件名", max_length=255)
    kind = models.CharField("文件类型", max_length=10)
    content_type = models.CharField("MIME 类型", max_length=100)
    size_bytes = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = verbose_name
        ordering = ("id",)

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """An in-app message; `event` is unique per recipient, so one event never notifies anyone twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    event = models.CharField("事件", max_length=120)
    kind = models.CharField("类别", max_length=30)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = verbose_name
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=("recipient", "event"), name="notification_once_per_event")]

    def __str__(self) -> str:
        return self.title
