"""Pages of the workflows app; each views module holds its own `urlpatterns`."""

from bizenv.workflows import escalation_views, plan_views, problem_views, stats_views, views

app_name = "workflows"

urlpatterns = [
    *views.urlpatterns,
    *plan_views.urlpatterns,
    *stats_views.urlpatterns,
    *escalation_views.urlpatterns,
    *problem_views.urlpatterns,
]
