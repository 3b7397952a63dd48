from django.conf import settings
from django.db import models

from bizenv.core.errors import ApplicationError, ErrorCode


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ApplicationError("审计日志只能追加，不能修改。", code=ErrorCode.AUDIT_APPEND_ONLY)

    def delete(self):
        raise ApplicationError("审计日志只能追加，不能删除。", code=ErrorCode.AUDIT_APPEND_ONLY)


class AuditLog(models.Model):
    """One state change, chained to the previous entry by a SHA-256 hash."""

    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象标识", max_length=100, blank=True)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    old_values = models.JSONField("原值", null=True, blank=True)
    new_values = models.JSONField("新值", null=True, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ApplicationError("审计日志只能追加，不能修改。", code=ErrorCode.AUDIT_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ApplicationError("审计日志只能追加，不能删除。", code=ErrorCode.AUDIT_APPEND_ONLY)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """One piece of long work run by the background worker, with its progress for the page that waits on it."""

    kind = models.CharField("任务类型", max_length=60, db_index=True)
    title = models.CharField("任务", max_length=200, blank=True)
    status = models.CharField("状态", max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("当前步骤", max_length=500, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    for_office = models.BooleanField("营商办可见", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    related_type = models.CharField("关联对象类型", max_length=100, blank=True)
    related_id = models.CharField("关联对象标识", max_length=100, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title or self.kind}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class DataVersion(models.Model):
    """A change stamp for a kind of data (e.g. "observations"): every write of that data bumps it in the
    same transaction, so caches of computations over the data can be keyed by it instead of by scanning it."""

    key = models.CharField("数据", max_length=40, unique=True)
    value = models.BigIntegerField("版本号", default=0)
    # A fresh random token with each bump: a counter alone can come back to an earlier value when a
    # transaction that bumped it rolls back and another bumps it again over different data.
    token = models.CharField("变更标识", max_length=32, blank=True)
    changed_at = models.DateTimeField("变更时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.key} {self.value}"
