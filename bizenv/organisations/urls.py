from django.http import HttpResponse
from django.urls import path

app_name = "organisations"


def _todo(request, *args, **kwargs):
    return HttpResponse("建设中")


urlpatterns = [
    path("", _todo, name="admin_home"),
    path("regions/<str:code>/", _todo, name="region_detail"),
    path("regions/<str:code>/geojson", _todo, name="region_geojson"),
]
