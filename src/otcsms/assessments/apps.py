from otcsms.core import registry


class AssessmentsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.assessments"
    label = "assessments"
    verbose_name = "Gap assessments"
