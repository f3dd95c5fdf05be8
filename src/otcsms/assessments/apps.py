from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "otcsms.assessments"
    label = "assessments"
    verbose_name = "Gap assessments"
