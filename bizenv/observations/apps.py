from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "bizenv.observations"
    label = "observations"
    verbose_name = "指标值与数据填报"
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.observations.commands",)

    def ready(self) -> None:
        from bizenv.indicators.publishing import PublishStep, publish_step_register
        from bizenv.observations import carry

        publish_step_register(PublishStep(
            name="observations.carry",
            preview=lambda version: carry.carry_plan(target=version),
            apply=carry.observations_carry,
            template="observations/_carry_plan.html",
        ))
    url_prefix = "reporting/"
    api_prefix = "/observations/"

    def nav_sections(self):
        from bizenv.core.nav import NavLink, Section
        from bizenv.organisations.permissions import Permission

        return (Section("reporting", "数据填报", Permission.VIEW_DASHBOARD,
                        "部门填报与审核、Excel 导入导出、数据对接与无感监测。", url_name="reporting:home",
                        links=(NavLink("填报与审核", "reporting:home", Permission.VIEW_DASHBOARD),), order=80),)
