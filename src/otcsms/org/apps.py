from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "otcsms.org"
    label = "org"
    verbose_name = "Organisation and CSMS scope"

    def ready(self) -> None:
        from otcsms.org import checks  # noqa: F401  (registers this app's continuous checks)
