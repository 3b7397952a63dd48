from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "bizenv.datasets"
    label = "datasets"
    verbose_name = "数据采集与无感监测"
    demo_steps = ("bizenv.demo.records.demo_step",)  # (scale=, progress=) -> counts
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.datasets.commands", "bizenv.datasets.metric_commands")
    # (prefix, URL module) pairs: the raw-record pages and the metric definition pages
    url_modules = (("data/metrics/", "bizenv.datasets.metric_urls"), ("data/", "bizenv.datasets.urls"))
    api_prefix = "/datasets/"

    def nav_links(self):
        from bizenv.core.nav import NavLink
        from bizenv.organisations.permissions import Permission

        return {"reporting": (
            NavLink("数据对接", "datasets:overview", Permission.VIEW_RECORDS),
            NavLink("数据批次与隔离", "datasets:batch_list", Permission.VIEW_RECORDS),
            NavLink("原始办件数据规范", "datasets:schema", Permission.VIEW_RECORDS),
            NavLink("指标口径与无感监测计算", "metrics:list", Permission.REVIEW_DATA),
        )}
