from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "bizenv.site"
    label = "site"
    verbose_name = "平台门户"
    url_prefix = ""
    api_prefix = "/"
