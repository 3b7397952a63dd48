# The calendar models moved here from datasets (decision 0007): the tables already exist as
# datasets_calendaroverride and datasets_calendaryear, so this migration only takes them into this app's state;
# 0002 then renames them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("datasets", "0003_step_statistic_segment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarOverride",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("day", models.DateField(unique=True, verbose_name="日期")),
                        ("is_workday", models.BooleanField(verbose_name="是否工作日")),
                        ("note", models.CharField(blank=True, max_length=100, verbose_name="说明")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="设置时间")),
                        ("created_by", models.ForeignKey(blank=True, null=True,
                                                         on_delete=django.db.models.deletion.PROTECT,
                                                         related_name="+", to=settings.AUTH_USER_MODEL,
                                                         verbose_name="设置人")),
                    ],
                    options={"verbose_name": "工作日调整", "verbose_name_plural": "工作日调整", "ordering": ["day"],
                             "db_table": "datasets_calendaroverride"},
                ),
                migrations.CreateModel(
                    name="CalendarYear",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("year", models.PositiveIntegerField(unique=True, verbose_name="年份")),
                        ("note", models.CharField(blank=True, max_length=100, verbose_name="说明")),
                    ],
                    options={"verbose_name": "已维护年份", "verbose_name_plural": "已维护年份", "ordering": ["year"],
                             "db_table": "datasets_calendaryear"},
                ),
            ],
            database_operations=[],
        ),
    ]
