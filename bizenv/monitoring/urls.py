from django.urls import path

from bizenv.monitoring import action_views, inbox_views, rule_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/acknowledge/", action_views.acknowledge, name="acknowledge"),
    path("warnings/<int:pk>/measures/", action_views.measure_new, name="measure_new"),
    path("warnings/<int:pk>/close/", action_views.close, name="close"),
    path("warnings/<int:pk>/resolve/", action_views.resolve, name="resolve"),
    path("measures/<int:pk>/review/", action_views.measure_review, name="measure_review"),
    path("evidence/<int:pk>/", action_views.evidence_view, name="evidence_view"),
    path("evidence/<int:pk>/download/", action_views.evidence_download, name="evidence_download"),
    path("reviews/", views.reviews, name="reviews"),
    path("rules/", rule_views.rules, name="rules"),
    path("rules/new/", rule_views.rule_new, name="rule_new"),
    path("rules/<int:pk>/", rule_views.rule_edit, name="rule_edit"),
    path("rules/import/", rule_views.rules_import, name="rules_import"),
    path("rules/export/", rule_views.rules_export, name="rules_export"),
    path("methods/", rule_views.method_save, name="method_new"),
    path("methods/<int:pk>/", rule_views.method_save, name="method_save"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read/", inbox_views.inbox_read, name="inbox_read"),
]
