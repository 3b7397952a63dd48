"""Working days (工作日): the days an administrator sets by hand and the years entered in full. The calendar
itself (chinese-calendar plus these) is calendar.WorkCalendar; every deadline of the platform counts on it."""

from django.conf import settings
from django.db import models


class CalendarOverride(models.Model):
    """A day whose working status an administrator sets by hand (调休, local holidays, years not yet published)."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设置人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]


class CalendarYear(models.Model):
    """A year whose calendar an administrator has entered in full, beyond what chinese-calendar covers."""

    year = models.PositiveIntegerField("年份", unique=True)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "已维护年份"
        verbose_name_plural = "已维护年份"
        ordering = ["year"]
