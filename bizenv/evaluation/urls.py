from django.urls import path

from bizenv.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/trace/<str:region_code>/<str:code>/", views.trace, name="trace"),
    path("releases/", views.release_list, name="releases"),
    path("releases/new/<int:run_pk>/", views.release_new, name="release_new"),
    path("releases/<int:pk>/", views.release_detail, name="release"),
    path("releases/<int:pk>/recompute/", views.release_recompute, name="release_recompute"),
    path("releases/<int:pk>/bulletin.xlsx", views.release_excel, name="release_excel"),
    path("releases/<int:pk>/bulletin.docx", views.release_word, name="release_word"),
    path("releases/<int:pk>/<str:action>/", views.release_action, name="release_action"),
]
