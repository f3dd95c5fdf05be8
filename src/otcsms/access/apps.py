from otcsms.core import registry


class AccessConfig(registry.OtcsmsAppConfig):
    name = "otcsms.access"
    label = "access"
    verbose_name = "Access-control governance"
