from django.apps import AppConfig


class CatalogsConfig(AppConfig):
    name = "otcsms.catalogs"
    label = "catalogs"
    verbose_name = "Framework library and crosswalks"
