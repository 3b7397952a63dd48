from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "bizenv.evaluation"
    label = "evaluation"
    verbose_name = "评价"
