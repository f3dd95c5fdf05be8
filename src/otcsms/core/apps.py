from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otcsms.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from otcsms.core import audit

        audit.connect_signals()
