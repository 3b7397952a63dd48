from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("indicators/", include("bizenv.indicators.urls")),
    path("manage/", include("bizenv.organisations.urls")),
    path("reporting/", include("bizenv.observations.urls")),
    path("data/", include("bizenv.datasets.urls")),
    path("", include("bizenv.core.urls")),
]
