"""URLs of the metric definition pages (/data/metrics/) and the calendar administration (/data/calendar/)."""

from django.urls import path

from bizenv.datasets import metric_views as views

metrics_patterns = ([
    path("", views.metric_definition_list, name="list"),
    path("<str:code>/", views.metric_definition_detail, name="detail"),
], "metrics")

calendar_patterns = ([
    path("", views.calendar_page, name="page"),
    path("overrides/<str:day>/delete/", views.calendar_override_delete, name="override_delete"),
    path("years/<int:year>/delete/", views.calendar_year_delete, name="year_delete"),
], "calendar")
