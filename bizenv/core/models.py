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
