from otcsms.core import registry


class ImprovementConfig(registry.OtcsmsAppConfig):
    name = "otcsms.improvement"
    label = "improvement"
    verbose_name = "Continuous improvement"
