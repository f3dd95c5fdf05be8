from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otcsms.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.urls import register_converter

        from otcsms.core import audit, links
        from otcsms.core.converters import IdConverter

        audit.connect_signals()
        links.connect_signals()
        register_converter(IdConverter, "id")
