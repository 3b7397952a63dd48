from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "bizenv.indicators"
    label = "indicators"
    verbose_name = "指标体系"
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.indicators.commands",)
    url_prefix = "indicators/"
    api_prefix = "/indicators/"
