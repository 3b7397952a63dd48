from django.conf import settings
from django.db import models


class SourceKind(models.TextChoices):
    FILE = "file", "文件上传"
    PUSH = "push", "接口推送"
    HTTP_PULL = "http_pull", "HTTP 接口拉取"
    SQL_PULL = "sql_pull", "数据库拉取"


class SourceSystem(models.Model):
    """An external system that sends or is polled for raw business records (数据对接)."""

    code = models.CharField("编码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("对接方式", max_length=10, choices=SourceKind.choices)
    department = models.ForeignKey("organisations.Department", verbose_name="所属部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="source_systems")
    datasets = models.JSONField("可提供的数据集", default=list, blank=True)
    # Only a hash of the push token is kept; the token itself is shown once when issued.
    token_hash = models.CharField("令牌哈希", max_length=64, blank=True, db_index=True)
    token_hint = models.CharField("令牌前缀", max_length=8, blank=True)
    config = models.JSONField("对接配置", default=dict, blank=True,
                              help_text="拉取地址、分页参数、SQLAlchemy 连接串、查询语句等")
    schedule_minutes = models.PositiveIntegerField("拉取间隔（分钟）", null=True, blank=True)
    cursor = models.JSONField("拉取进度", default=dict, blank=True)
    enabled = models.BooleanField("启用", default=True)
    last_run_at = models.DateTimeField("最近对接时间", null=True, blank=True)
    last_run_result = models.CharField("最近对接结果", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据源"
        verbose_name_plural = "数据源"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    RECEIVED = "received", "已接收"
    PROCESSING = "processing", "处理中"
    PREVIEW = "preview", "预检完成（未入库）"
    COMMITTED = "committed", "已入库"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class RecordBatch(models.Model):
    """One delivery of raw records (a file, a push, a pull run); the unit of atomic landing."""

    dataset = models.CharField("数据集", max_length=50, db_index=True)
    source = models.ForeignKey(SourceSystem, verbose_name="数据源", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="batches")
    idempotency_key = models.CharField("幂等键", max_length=200, blank=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    sha256 = models.CharField("内容哈希", max_length=64, blank=True, db_index=True)
    status = models.CharField("状态", max_length=12, choices=BatchStatus.choices, default=BatchStatus.RECEIVED)
    rows_total = models.PositiveIntegerField("记录数", default=0)
    rows_accepted = models.PositiveIntegerField("入库数", default=0)
    rows_duplicate = models.PositiveIntegerField("重复数", default=0)
    rows_quarantined = models.PositiveIntegerField("隔离数", default=0)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    @property
    def dataset_name(self) -> str:
        """The dataset's Chinese name (the code where it is no longer in the catalogue)."""
        from bizenv.datasets.catalog import DATASETS

        ds = DATASETS.get(self.dataset)
        return ds.name if ds else self.dataset

    class Meta:
        verbose_name = "数据批次"
        verbose_name_plural = "数据批次"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "idempotency_key"], name="unique_batch_idempotency",
                                    condition=~models.Q(idempotency_key="")),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} #{self.pk}"


class LakeFile(models.Model):
    """A Parquet file of the lake; only files of committed batches are ever read."""

    batch = models.ForeignKey(RecordBatch, verbose_name="批次", on_delete=models.PROTECT, related_name="files")
    dataset = models.CharField("数据集", max_length=50, db_index=True)
    month = models.CharField("月份", max_length=7, db_index=True)
    path = models.CharField("相对路径", max_length=300, unique=True)
    rows = models.PositiveIntegerField("记录数")
    size_bytes = models.PositiveBigIntegerField("大小（字节）", default=0)

    class Meta:
        verbose_name = "数据湖文件"
        verbose_name_plural = "数据湖文件"
        ordering = ["dataset", "month", "id"]


class QuarantinedRecord(models.Model):
    """A raw record that broke a rule: kept with its reasons, never landed."""

    batch = models.ForeignKey(RecordBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="quarantined")
    row_number = models.PositiveIntegerField("行号")
    payload = models.JSONField("原始记录")
    reasons = models.JSONField("原因", help_text="[{field, message}]")

    class Meta:
        verbose_name = "隔离记录"
        verbose_name_plural = "隔离记录"
        ordering = ["batch", "row_number"]


class MetricDefinition(models.Model):
    """A versioned metric definition (指标口径): how an indicator's value is computed from raw records."""

    code = models.CharField("口径编码", max_length=100)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=200)
    indicator_code = models.CharField("对应指标编码", max_length=100, db_index=True)
    dataset = models.CharField("数据集", max_length=50)
    spec = models.JSONField("口径定义", help_text="filters / measure / aggregation")
    is_active = models.BooleanField("当前生效", default=True)
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "指标口径"
        verbose_name_plural = "指标口径"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_metric_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class MetricRun(models.Model):
    """One computation of metric definitions over the lake for some periods."""

    engine = models.CharField("计算引擎", max_length=10)
    periods = models.JSONField("时期", default=list)
    fingerprint = models.CharField("输入指纹", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=12, default="running")
    observations_written = models.PositiveIntegerField("写入指标值", default=0)
    records_read = models.PositiveBigIntegerField("读取记录", default=0)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    @property
    def engine_label(self) -> str:
        from bizenv.datasets.metrics import ENGINE_LABELS

        return next((label for kind, label in ENGINE_LABELS.items() if kind == self.engine), self.engine)

    class Meta:
        verbose_name = "口径计算"
        verbose_name_plural = "口径计算"
        ordering = ["-id"]


class StepStatistic(models.Model):
    """Per-step duration statistics of a process for a region and month (bottleneck views)."""

    process = models.CharField("数据集", max_length=50)
    # "" over every case of the process; else one segment's cases (the dataset's segment_field value)
    segment = models.CharField("分类", max_length=50, default="", blank=True)
    region = models.ForeignKey("organisations.Region", verbose_name="区域", on_delete=models.CASCADE,
                               related_name="step_statistics")
    period = models.CharField("时期", max_length=10)
    step_no = models.PositiveIntegerField("环节序号")
    step_name = models.CharField("环节名称", max_length=100)
    cases = models.PositiveIntegerField("办件数")
    mean_days = models.FloatField("平均用时（工作日）", null=True)
    p90_days = models.FloatField("90% 分位用时（工作日）", null=True)
    share_over_limit = models.FloatField("超时限比例", null=True)
    metric_run = models.ForeignKey(MetricRun, verbose_name="计算批次", null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = "环节统计"
        verbose_name_plural = "环节统计"
        constraints = [models.UniqueConstraint(fields=["process", "segment", "region", "period", "step_no"],
                                               name="unique_step_statistic_segment")]
