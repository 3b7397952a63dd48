"""URLs of the working-day calendar (/data/calendar/)."""

from django.urls import path

from bizenv.workdays import views

app_name = "calendar"

urlpatterns = [
    path("", views.calendar_page, name="page"),
    path("overrides/<str:day>/delete/", views.calendar_override_delete, name="override_delete"),
    path("years/<int:year>/delete/", views.calendar_year_delete, name="year_delete"),
]
