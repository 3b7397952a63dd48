from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "bizenv.evaluation"
    label = "evaluation"
    verbose_name = "评价"
    demo_steps = ("bizenv.demo.evaluations.demo_step",)
    # `bizenv …` sub-commands: modules with register(subparsers, *, setup, imports) (core/commands.py)
    commands = ("bizenv.evaluation.commands", "bizenv.evaluation.run_commands")
    url_prefix = "evaluation/"
    api_prefix = "/evaluation/"
