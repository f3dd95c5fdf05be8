from otcsms.core import registry


class CatalogsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.catalogs"
    label = "catalogs"
    verbose_name = "Framework library and crosswalks"
