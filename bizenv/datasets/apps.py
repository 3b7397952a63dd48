from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "bizenv.datasets"
    label = "datasets"
    verbose_name = "数据采集与无感监测"
