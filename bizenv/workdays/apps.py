from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "bizenv.workdays"
    label = "workdays"
    verbose_name = "工作日历"
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.workdays.commands",)
    url_prefix = "data/calendar/"
