from django.apps import AppConfig


class PlantConfig(AppConfig):
    name = "otcsms.plant"
    label = "plant"
    verbose_name = "Plant model: zones, conduits, assets"

    def ready(self) -> None:
        from otcsms.plant import checks  # noqa: F401  (registers this app's continuous checks)
