from otcsms.core import registry


class LinksConfig(registry.OtcsmsAppConfig):
    name = "otcsms.links"
    label = "links"
    verbose_name = "Object links"

    def ready(self) -> None:
        super().ready()
        from otcsms.links import services

        services.connect_signals()
