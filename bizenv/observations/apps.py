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
