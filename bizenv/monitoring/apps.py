from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "bizenv.monitoring"
    label = "monitoring"
    verbose_name = "监测预警"
    url_prefix = "monitoring/"
    api_prefix = "/monitoring/"
    commands = ("bizenv.monitoring.commands",)
    demo_steps = ("bizenv.demo.monitoring.demo_step",)

    def nav_sections(self):
        from bizenv.core.nav import NavLink, Section
        from bizenv.organisations.permissions import Permission

        return (
            Section("monitoring", "监测预警", Permission.VIEW_WARNINGS,
                    "预警地图与列表、预警说明、整改举措与佐证材料、整改成效。",
                    url_name="monitoring:index", order=30,
                    links=(NavLink("预警地图与列表", "monitoring:index", Permission.VIEW_WARNINGS),
                           NavLink("整改举措审核", "monitoring:reviews", Permission.MANAGE_WARNINGS),
                           NavLink("预警规则", "monitoring:rules", Permission.MANAGE_WARNINGS),
                           NavLink("站内消息", "monitoring:inbox", Permission.VIEW_WARNINGS))),
        )

    def ready(self) -> None:
        from bizenv.core.events import Event, event_subscribe

        def follow(*, periods=(), **_payload) -> None:
            from bizenv.monitoring.services import monitoring_run_request

            monitoring_run_request(periods=periods, reason="指标值或评价有更新", automatic=True)

        for event in (Event.METRICS_COMPUTED, Event.EVALUATION_SAVED, Event.OBSERVATIONS_APPROVED):
            event_subscribe(event, "monitoring", follow)

        from bizenv.indicators.publishing import PublishStep, publish_step_register
        from bizenv.monitoring import carry

        publish_step_register(PublishStep(
            name="monitoring.rules_carry",
            preview=lambda version: carry.rules_carry_plan(target=version),
            apply=carry.rules_carry,
            template="monitoring/_carry_plan.html",
        ))
