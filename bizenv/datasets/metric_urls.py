"""URLs of the metric definition pages (/data/metrics/)."""

from django.urls import path

from bizenv.datasets import metric_views as views

app_name = "metrics"

urlpatterns = [
    path("", views.metric_definition_list, name="list"),
    path("<str:code>/", views.metric_definition_detail, name="detail"),
]

