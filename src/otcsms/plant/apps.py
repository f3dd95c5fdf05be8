from django.apps import AppConfig


class PlantConfig(AppConfig):
    name = "otcsms.plant"
    label = "plant"
    verbose_name = "Plant model: zones, conduits, assets"
