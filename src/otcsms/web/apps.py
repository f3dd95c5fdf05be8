from otcsms.core import registry


class WebConfig(registry.OtcsmsAppConfig):
    name = "otcsms.web"
    label = "web"
    verbose_name = "Web interface"
