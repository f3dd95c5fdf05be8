from otcsms.core import registry


class CoreConfig(registry.OtcsmsAppConfig):
    name = "otcsms.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        super().ready()
        from django.urls import register_converter

        from otcsms.core import audit
        from otcsms.core.converters import IdConverter

        audit.connect_signals()
        register_converter(IdConverter, "id")
