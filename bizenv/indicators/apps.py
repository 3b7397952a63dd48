from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "bizenv.indicators"
    label = "indicators"
    verbose_name = "指标体系"
