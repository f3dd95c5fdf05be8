from otcsms.core import registry


class ConfigsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.configs"
    label = "configs"
    verbose_name = "Configuration management and drift"
