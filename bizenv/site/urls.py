from django.urls import path

from bizenv.site import views

app_name = "site"

urlpatterns = [
    path("s/<slug:slug>/", views.section, name="section"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit_log, name="audit_log"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("audit/verify/", views.audit_chain_verify, name="audit_verify"),
]
