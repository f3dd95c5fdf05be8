from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "otcsms.web"
    label = "web"
    verbose_name = "Web interface"
