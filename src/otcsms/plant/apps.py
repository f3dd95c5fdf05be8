from otcsms.core import registry


class PlantConfig(registry.OtcsmsAppConfig):
    name = "otcsms.plant"
    label = "plant"
    verbose_name = "Plant model: zones, conduits, assets"
