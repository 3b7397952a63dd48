from django.urls import path

from bizenv.observations import views

app_name = "reporting"

urlpatterns = [
    path("", views.reporting_home, name="home"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/bulk/", views.round_bulk, name="round_bulk"),
    path("rounds/<int:pk>/completeness/", views.completeness, name="completeness"),
    path("rounds/<int:pk>/template.xlsx", views.round_template, name="template"),
    path("rounds/<int:pk>/entry/<int:indicator_id>/<str:region_code>/", views.entry, name="entry"),
    path("observations/<int:obs_pk>/<str:action>/", views.observation_action, name="observation_action"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/annotated.xlsx", views.import_annotated, name="import_annotated"),
    path("imports/<int:pk>/<str:decision>/", views.import_decide, name="import_decide"),
    path("export.csv", views.export_csv, name="export"),
]
