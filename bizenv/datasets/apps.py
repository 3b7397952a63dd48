from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "bizenv.datasets"
    label = "datasets"
    verbose_name = "数据采集与无感监测"
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.datasets.commands", "bizenv.datasets.metric_commands")
