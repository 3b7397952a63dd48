from django.urls import include, path

from bizenv.datasets import metric_urls
from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("indicators/", include("bizenv.indicators.urls")),
    path("manage/", include("bizenv.organisations.urls")),
    path("reporting/", include("bizenv.observations.urls")),
    path("data/metrics/", include(metric_urls.metrics_patterns)),
    path("data/calendar/", include("bizenv.workdays.urls")),
    path("data/", include("bizenv.datasets.urls")),
    path("evaluation/", include("bizenv.evaluation.urls")),
    path("", include("bizenv.dashboards.urls")),
    path("", include("bizenv.core.urls")),
]
