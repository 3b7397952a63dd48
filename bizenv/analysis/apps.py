from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "bizenv.analysis"
    label = "analysis"
    verbose_name = "对比分析与自查自评"
    demo_steps = ("bizenv.demo.benchmarks.demo_step",)
    api_prefix = "/analysis/"
