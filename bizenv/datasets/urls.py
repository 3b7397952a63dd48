from django.urls import path

from bizenv.datasets import views

app_name = "datasets"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("schema/", views.schema, name="schema"),
    path("upload/", views.upload, name="upload"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/token/", views.source_token, name="source_token"),
    path("sources/<int:pk>/pull/", views.source_pull, name="source_pull"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/quarantine.<str:fmt>", views.batch_quarantine_download, name="quarantine_download"),
    path("records/<str:dataset>/", views.records, name="records"),
]
