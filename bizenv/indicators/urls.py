from django.http import HttpResponse
from django.urls import path

app_name = "indicators"


def _todo(request, *args, **kwargs):
    return HttpResponse("建设中")


urlpatterns = [
    path("", _todo, name="system_list"),
    path("versions/<int:pk>/", _todo, name="version_detail"),
    path("versions/<int:pk>/indicators/<str:code>/", _todo, name="indicator_detail"),
]
