from otcsms.core import registry


class RiskConfig(registry.OtcsmsAppConfig):
    name = "otcsms.risk"
    label = "risk"
    verbose_name = "Risk register and vulnerability management"
