from django.urls import path

from bizenv.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.system_list, name="system_list"),
    path("upload/", views.system_upload, name="upload"),
    path("compare/", views.version_compare, name="compare"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/copy/", views.version_copy, name="version_copy"),
    path("versions/<int:pk>/export.<str:fmt>", views.version_export, name="version_export"),
    path("versions/<int:pk>/add/", views.indicator_add, name="indicator_add"),
    path("versions/<int:pk>/indicators/<str:code>/", views.indicator_detail, name="indicator_detail"),
    path("versions/<int:pk>/indicators/<str:code>/edit/", views.indicator_edit, name="indicator_edit"),
    path("versions/<int:pk>/indicators/<str:code>/delete/", views.indicator_delete, name="indicator_delete"),
]
