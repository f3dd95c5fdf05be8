from otcsms.core import registry


class ResilienceConfig(registry.OtcsmsAppConfig):
    name = "otcsms.resilience"
    label = "resilience"
    verbose_name = "Incident response and drills"
