from otcsms.core import registry


class ChecksConfig(registry.OtcsmsAppConfig):
    name = "otcsms.checks"
    label = "checks"
    verbose_name = "Continuous checks and findings"

    def ready(self) -> None:
        super().ready()
        from otcsms.checks import engine

        engine.load_registered_checks()
