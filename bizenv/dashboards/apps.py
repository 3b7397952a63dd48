from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "bizenv.dashboards"
    label = "dashboards"
    verbose_name = "首页与专题分析"
