from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "bizenv.organisations"
    label = "organisations"
    verbose_name = "组织与权限"
    commands = ("bizenv.organisations.commands",)
    url_prefix = "manage/"
    api_prefix = "/organisations/"
