from django.urls import path

from bizenv.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.admin_home, name="admin_home"),
    path("regions/", views.region_tree, name="region_tree"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/edit/", views.region_edit, name="region_edit"),
    path("regions/<str:code>/geojson", views.region_geojson, name="region_geojson"),
    path("regions/<str:code>/map/", views.region_map, name="region_map"),
    path("regions/<str:code>/map/generate/", views.region_map_generate, name="region_map_generate"),
    path("regions/<str:code>/map/delete/", views.region_map_delete, name="region_map_delete"),
    path("departments/", views.department_list, name="department_list"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/grants/", views.user_grant_add, name="user_grant_add"),
    path("users/<int:pk>/grants/<int:grant_pk>/revoke/", views.user_grant_revoke, name="user_grant_revoke"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("security/", views.security, name="security"),
    path("security/unlock/", views.security_unlock, name="security_unlock"),
    path("security/password/", views.security_password_reset, name="security_password_reset"),
    path("password/", views.password_change, name="password_change"),
]
