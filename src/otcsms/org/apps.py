from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "otcsms.org"
    label = "org"
    verbose_name = "Organisation and CSMS scope"
