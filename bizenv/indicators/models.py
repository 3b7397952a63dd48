from django.conf import settings
from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class Direction(models.TextChoices):
    HIGHER_BETTER = "higher_better", "越高越好"
    LOWER_BETTER = "lower_better", "越低越好"


class SourceKind(models.TextChoices):
    METRIC = "metric", "无感监测（原始办件计算）"
    REPORT = "report", "部门填报"
    SURVEY = "survey", "满意度调查"
    EXTERNAL = "external", "外部数据"


class Cycle(models.TextChoices):
    MONTHLY = "monthly", "月度"
    QUARTERLY = "quarterly", "季度"
    YEARLY = "yearly", "年度"


class IndicatorSystem(models.Model):
    """A named indicator system (指标体系); its content lives in versions."""

    code = models.CharField("体系编码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = "指标体系"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SystemVersion(models.Model):
    """One version of a system: a draft may change, a published version never does."""

    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系", on_delete=models.PROTECT,
                               related_name="versions")
    version = models.CharField("版本", max_length=30)
    status = models.CharField("状态", max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    name = models.CharField("版本名称", max_length=200, blank=True)
    description = models.TextField("说明", blank=True)
    based_on = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="derived")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    carry_over = models.JSONField("沿用数据的编码对应", default=dict, blank=True,
                                  help_text="新编码 → 上一版本中的旧编码：发布时旧编码的指标值沿用到新编码")
    carried_from = models.ForeignKey("self", verbose_name="指标值沿用自", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="carried_to")

    class Meta:
        verbose_name = "指标体系版本"
        verbose_name_plural = "指标体系版本"
        ordering = ["system__code", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["system", "version"], name="unique_system_version")]

    def __str__(self) -> str:
        return f"{self.system.code} {self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Indicator(models.Model):
    """A node of a version's tree (level 1–3); leaves carry the scoring parameters."""

    version = models.ForeignKey(SystemVersion, verbose_name="体系版本", on_delete=models.CASCADE,
                                related_name="indicators")
    parent = models.ForeignKey("self", verbose_name="上级指标", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    code = models.CharField("指标编码", max_length=100)
    name = models.CharField("指标名称", max_length=200)
    level = models.PositiveSmallIntegerField("层级")
    sort_order = models.PositiveIntegerField("排序", default=0)
    weight = models.FloatField("权重", default=1.0, help_text="同级指标之间的相对权重")
    optional = models.BooleanField("可选指标", default=False)
    unit = models.CharField("单位", max_length=30, blank=True)
    direction = models.CharField("方向", max_length=15, choices=Direction.choices, blank=True)
    definition = models.TextField("指标释义", blank=True)
    remarks = models.TextField("备注", blank=True)
    source_kind = models.CharField("数据来源", max_length=10, choices=SourceKind.choices, blank=True)
    cycle = models.CharField("采集周期", max_length=10, choices=Cycle.choices, blank=True)
    best = models.FloatField("最佳值（前沿）", null=True, blank=True)
    worst = models.FloatField("最差值", null=True, blank=True)
    transform_power = models.FloatField("幂变换指数", null=True, blank=True)
    external_ref = models.CharField("外部数据字段", max_length=200, blank=True)
    needs_new_data = models.BooleanField("需重新采集", default=False,
                                         help_text="发布时未能沿用上一版本的指标值（新增或口径已变）")
    lead_departments = models.ManyToManyField("organisations.Department", verbose_name="牵头单位", blank=True,
                                              related_name="led_indicators")
    responsible_departments = models.ManyToManyField("organisations.Department", verbose_name="责任单位",
                                                     blank=True, related_name="responsible_indicators")

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["version", "level", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WeightVariant(models.Model):
    """A different weight for regions whose attributes match all `conditions` (weight 0 drops it)."""

    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  related_name="weight_variants")
    conditions = models.JSONField("适用条件", help_text='区域属性条件，例如 {"has_pipeline_gas": false}')
    weight = models.FloatField("权重")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "权重变体"
        verbose_name_plural = "权重变体"
        ordering = ["indicator", "sort_order"]
