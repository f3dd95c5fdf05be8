from otcsms.core import registry


class JobsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
