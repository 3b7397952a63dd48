from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "bizenv.observations"
    label = "observations"
    verbose_name = "指标值与数据填报"
