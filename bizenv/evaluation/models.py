from django.conf import settings
from django.db import models


class ResultStatus(models.TextChoices):
    SCORED = "scored", "已计分"
    MISSING = "missing", "缺数"
    NOT_APPLICABLE = "not_applicable", "不适用"


class EvaluationRun(models.Model):
    """One scoring of a system version for a period over a set of regions, with every input frozen.

    `inputs` holds the exact inputs (system content, regions and the attributes its weight variants
    test, the observation values and specials with their ids, the parameters); `fingerprint` is the
    SHA-256 of their canonical JSON. A run is never changed after it is created.
    """

    system_version = models.ForeignKey("indicators.SystemVersion", verbose_name="指标体系版本",
                                       on_delete=models.PROTECT, related_name="evaluation_runs")
    period = models.CharField("时期", max_length=10, db_index=True)
    parent_region = models.ForeignKey("organisations.Region", verbose_name="评价范围（上级区域）", null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    params = models.JSONField("参数", default=dict)
    inputs = models.JSONField("冻结的输入")
    fingerprint = models.CharField("输入指纹（SHA-256）", max_length=64, db_index=True)
    region_count = models.PositiveIntegerField("参评地区数", default=0)
    observation_count = models.PositiveIntegerField("使用指标值数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评价计算"
        verbose_name_plural = "评价计算"
        ordering = ["-period", "-id"]

    def __str__(self) -> str:
        return f"{self.system_version} {self.period} 评价（#{self.pk}）"

    @property
    def missing_label(self) -> str:
        """The run's missing-data policy in Chinese (its parameter is a code: reweight, zero, propagate)."""
        from bizenv.evaluation.scoring import MISSING_POLICIES

        code = self.params.get("missing") or "reweight"
        return MISSING_POLICIES.get(code, code).removesuffix("（默认）")

    @property
    def bands_label(self) -> str:
        """The bands as 「优秀 ≥ 90、良好 ≥ 80 …」 from the stored text 「优秀:90,良好:80,…」."""
        parts = [part.partition(":") for part in str(self.params.get("bands") or "").split(",") if part]
        return "、".join(f"{label} ≥ {minimum}" if minimum else f"其余为{label}" for label, _sep, minimum in parts) or "—"


class EvaluationResult(models.Model):
    """The score, rank, completeness and band of one indicator node (or TOTAL) for one region in a run."""

    run = models.ForeignKey(EvaluationRun, verbose_name="评价计算", on_delete=models.CASCADE,
                            related_name="results")
    region = models.ForeignKey("organisations.Region", verbose_name="区域", on_delete=models.PROTECT,
                               related_name="+")
    indicator_code = models.CharField("指标编码", max_length=100)
    indicator_name = models.CharField("指标名称", max_length=200)
    level = models.PositiveSmallIntegerField("层级", help_text="0 为综合得分")
    position = models.PositiveIntegerField("树中顺序")
    score = models.FloatField("得分", null=True, blank=True)
    rank = models.PositiveIntegerField("排名", null=True, blank=True)
    completeness = models.FloatField("数据完整度", null=True, blank=True)
    band = models.CharField("等级", max_length=20, blank=True)
    status = models.CharField("状态", max_length=16, choices=ResultStatus.choices)

    class Meta:
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"
        ordering = ["run", "position", "rank"]
        indexes = [models.Index(fields=["run", "indicator_code"])]
        constraints = [models.UniqueConstraint(fields=["run", "region", "indicator_code"],
                                               name="unique_evaluation_result")]


class ReleaseRule(models.Model):
    """The default 红黑榜 rule of a system (copied into each release when it is created)."""

    system = models.OneToOneField("indicators.IndicatorSystem", verbose_name="指标体系", on_delete=models.CASCADE,
                                  related_name="release_rule")
    rules = models.JSONField("规则", help_text='例如 {"mode": "top_n", "red": 3, "black": 3, "scopes": "total_and_level1"}')
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "红黑榜规则"
        verbose_name_plural = "红黑榜规则"


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEWED = "reviewed", "已审核"
    PUBLISHED = "published", "已发布"
    SUPERSEDED = "superseded", "已被替代"


class RedBlackList(models.Model):
    """A 红黑榜 release made from an evaluation run; once published its entries and scores never change."""

    run = models.ForeignKey(EvaluationRun, verbose_name="评价计算", on_delete=models.PROTECT,
                            related_name="releases")
    previous_run = models.ForeignKey(EvaluationRun, verbose_name="上期评价（进步幅度）", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey("indicators.IndicatorSystem", verbose_name="指标体系", on_delete=models.PROTECT,
                               related_name="red_black_lists")
    period = models.CharField("时期", max_length=10, db_index=True)
    title = models.CharField("标题", max_length=200)
    rules = models.JSONField("规则")
    status = models.CharField("状态", max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT)
    entries = models.JSONField("上榜名单", default=list)
    scores = models.JSONField("得分与排名", default=dict)
    fingerprint = models.CharField("输入指纹（SHA-256）", max_length=64)
    content_hash = models.CharField("内容哈希（SHA-256）", max_length=64)
    changes = models.JSONField("与上次发布相比的变化", default=dict, blank=True)
    compared_with = models.ForeignKey("self", verbose_name="对比的上次发布", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    superseded_by = models.ForeignKey("self", verbose_name="替代它的发布", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="supersedes")

    class Meta:
        verbose_name = "红黑榜"
        verbose_name_plural = "红黑榜"
        ordering = ["-period", "-id"]

    def __str__(self) -> str:
        return self.title
