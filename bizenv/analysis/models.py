from django.db import models


class BenchmarkValue(models.Model):
    """A best-practice value (最佳指标) of one indicator, with the best-practice cities and its source."""

    indicator_code = models.CharField("指标编码", max_length=100)
    cities = models.CharField("最佳实践城市", max_length=200, help_text="多个城市以顿号分隔，按来源原文")
    value = models.FloatField("最佳值")
    unit = models.CharField("单位", max_length=30, blank=True)
    source = models.CharField("来源", max_length=300)
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True, help_text="来源未注明年份时为空")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "最佳实践指标值"
        verbose_name_plural = "最佳实践指标值"
        ordering = ["indicator_code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_code", "source"], name="unique_benchmark_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.value:g}{self.unit}（{self.cities}）"
