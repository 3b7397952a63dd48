"""Pages of the 任务督办 workbench and the item page (being built: the workbench helper replaces these)."""

from django.http import HttpResponse
from django.urls import path


def index(request):
    return HttpResponse("任务督办")


def item_detail(request, pk: int):
    return HttpResponse("任务")


def item_new(request):
    return HttpResponse("新建任务")


urlpatterns = [
    path("", index, name="index"),
    path("items/new/", item_new, name="item_new"),
    path("items/<int:pk>/", item_detail, name="item"),
]
