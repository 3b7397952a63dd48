from django.conf import settings
from django.db import models

from bizenv.core.data_versions import OBSERVATIONS, data_version_bump


class ObservationSource(models.TextChoices):
    REPORT = "report", "部门填报"
    IMPORT = "import", "Excel 导入"
    METRIC = "metric", "无感监测计算"
    SURVEY = "survey", "满意度调查"
    EXTERNAL = "external", "外部数据"


class ObservationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"
    LOCKED = "locked", "已锁定"


class SpecialValue(models.TextChoices):
    NONE = "", "—"
    NO_PRACTICE = "no_practice", "无此做法（No Practice）"
    NOT_APPLICABLE = "not_applicable", "不适用（N/A）"


class ReportingRound(models.Model):
    """A reporting round (填报批次): which period departments report for, and by when."""

    system_version = models.ForeignKey("indicators.SystemVersion", verbose_name="指标体系版本",
                                       on_delete=models.PROTECT, related_name="reporting_rounds")
    period = models.CharField("时期", max_length=10)
    name = models.CharField("名称", max_length=200)
    deadline = models.DateField("截止日期")
    deadline_rule = models.CharField("截止日期计算说明", max_length=300, blank=True)
    is_open = models.BooleanField("开放填报", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "填报批次"
        verbose_name_plural = "填报批次"
        ordering = ["-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["system_version", "period"], name="unique_round_period")]

    def __str__(self) -> str:
        return self.name


class ObservationQuerySet(models.QuerySet):
    """Every bulk write bumps the observations' data version (core.data_versions) in its transaction, so
    caches of scores over observations are refreshed whichever path wrote them."""

    def bulk_create(self, objs, *args, **kwargs):
        made = super().bulk_create(objs, *args, **kwargs)
        data_version_bump(key=OBSERVATIONS)
        return made

    def bulk_update(self, objs, *args, **kwargs):
        updated = super().bulk_update(objs, *args, **kwargs)
        data_version_bump(key=OBSERVATIONS)
        return updated

    def update(self, **kwargs):
        updated = super().update(**kwargs)
        data_version_bump(key=OBSERVATIONS)
        return updated

    update.alters_data = True

    def delete(self):
        deleted = super().delete()
        data_version_bump(key=OBSERVATIONS)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True


class Observation(models.Model):
    """The value of one indicator for one region and period (观测值 / 指标值), with provenance."""

    system_version = models.ForeignKey("indicators.SystemVersion", verbose_name="指标体系版本",
                                       on_delete=models.PROTECT, related_name="observations")
    indicator = models.ForeignKey("indicators.Indicator", verbose_name="指标", on_delete=models.PROTECT,
                                  related_name="observations")
    region = models.ForeignKey("organisations.Region", verbose_name="区域", on_delete=models.PROTECT,
                               related_name="observations")
    period = models.CharField("时期", max_length=10, db_index=True)
    value = models.FloatField("数值", null=True, blank=True)
    special = models.CharField("特殊值", max_length=20, choices=SpecialValue.choices, blank=True, default="")
    unit = models.CharField("单位", max_length=30, blank=True)
    source = models.CharField("来源", max_length=10, choices=ObservationSource.choices)
    status = models.CharField("状态", max_length=10, choices=ObservationStatus.choices,
                              default=ObservationStatus.DRAFT)
    reporting_round = models.ForeignKey(ReportingRound, verbose_name="填报批次", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="observations")
    department = models.ForeignKey("organisations.Department", verbose_name="填报部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    import_batch = models.ForeignKey("observations.ObservationImport", verbose_name="导入批次", null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="observations")
    metric_definition = models.ForeignKey("datasets.MetricDefinition", verbose_name="指标口径", null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="observations")
    metric_run = models.ForeignKey("datasets.MetricRun", verbose_name="口径计算", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="observations")
    record_count = models.PositiveIntegerField("原始记录数", null=True, blank=True)
    carried_from = models.ForeignKey("self", verbose_name="沿用自", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="carried_to",
                                     help_text="发布新版本时从上一版本复制而来的原指标值")
    note = models.TextField("说明", blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    outlier_score = models.FloatField("异常分数", null=True, blank=True)
    is_outlier = models.BooleanField("疑似异常", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "指标值"
        verbose_name_plural = "指标值"
        ordering = ["period", "indicator", "region"]
        constraints = [
            models.UniqueConstraint(fields=["system_version", "indicator", "region", "period"],
                                    name="unique_observation"),
        ]
        indexes = [models.Index(fields=["system_version", "period"])]

    objects = ObservationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.name} {self.period}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        data_version_bump(key=OBSERVATIONS)

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        data_version_bump(key=OBSERVATIONS)
        return deleted


class ObservationRevision(models.Model):
    """One change of an observation: the full history, oldest first."""

    observation = models.ForeignKey(Observation, verbose_name="指标值", on_delete=models.CASCADE,
                                    related_name="revisions")
    action = models.CharField("操作", max_length=30)
    old_values = models.JSONField("原值", null=True, blank=True)
    new_values = models.JSONField("新值", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "指标值变更记录"
        verbose_name_plural = "指标值变更记录"
        ordering = ["observation", "id"]


class Evidence(models.Model):
    """A supporting file (佐证材料) attached to an observation."""

    observation = models.ForeignKey(Observation, verbose_name="指标值", on_delete=models.CASCADE,
                                    related_name="evidence")
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    sha256 = models.CharField("内容哈希", max_length=64)
    size_bytes = models.PositiveBigIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["observation", "id"]


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "预检"
    COMMITTED = "committed", "已导入"
    CANCELLED = "cancelled", "已取消"
    FAILED = "failed", "失败"


class ObservationImport(models.Model):
    """An Excel/CSV upload of observations: previewed first, then committed atomically or cancelled."""

    reporting_round = models.ForeignKey(ReportingRound, verbose_name="填报批次", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("内容哈希", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    rows_total = models.PositiveIntegerField("文件行数", default=0)
    rows_created = models.PositiveIntegerField("新增", default=0)
    rows_updated = models.PositiveIntegerField("更新", default=0)
    rows_unchanged = models.PositiveIntegerField("未变", default=0)
    rows_rejected = models.PositiveIntegerField("拒绝", default=0)
    rejections = models.JSONField("拒绝明细", default=list, blank=True, help_text="[{row, field, message}]")
    preview = models.JSONField("预检明细", default=list, blank=True,
                               help_text="[{row, indicator, region, period, old, new, outcome}]")
    fatal_error = models.TextField("致命错误", blank=True)
    stored_file = models.FileField("上传文件", upload_to="imports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "指标值导入"
        verbose_name_plural = "指标值导入"
        ordering = ["-id"]
