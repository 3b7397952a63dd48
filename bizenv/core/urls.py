from django.urls import path

from bizenv.core import views
from bizenv.dashboards import topic_views
from bizenv.dashboards import views as dashboard_views

app_name = "core"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("topics/", dashboard_views.topics, name="topics"),
    path("topics/<str:code>/", topic_views.topic, name="topic"),
    path("s/<slug:slug>/", views.section, name="section"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit_log, name="audit_log"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("audit/verify/", views.audit_chain_verify, name="audit_verify"),
]
