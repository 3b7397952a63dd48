from django.urls import path

from bizenv.dashboards import analysis_views, cockpit_views, indicator_views, region_views, topic_views, views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/", views.topics, name="topics"),
    path("topics/<str:code>/", topic_views.topic, name="topic"),
    path("compare/", analysis_views.compare, name="compare"),
    path("compare/export.xlsx", analysis_views.compare_export, name="compare_export"),
    path("self-assessment/", analysis_views.self_assessment, name="self_assessment"),
    path("topics/<str:code>/compare/", topic_views.topic_compare, name="topic_compare"),
    path("topics/<str:code>/self-assessment/", topic_views.topic_self_assessment, name="topic_self_assessment"),
    path("topics/<str:code>/report.docx", topic_views.topic_report_docx, name="topic_report_docx"),
    path("topics/<str:code>/report.pdf", topic_views.topic_report_pdf, name="topic_report_pdf"),
    path("indicator/<str:code>/", indicator_views.indicator, name="indicator"),
    path("region/<str:code>/", region_views.region, name="region"),
    path("region/<str:code>/whatif/", region_views.region_whatif, name="region_whatif"),
    path("cockpit/", cockpit_views.cockpit, name="cockpit"),
]
