from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "otcsms.assessments"
    label = "assessments"
    verbose_name = "Gap assessments"

    def ready(self) -> None:
        from otcsms.assessments import checks  # noqa: F401  (registers this app's continuous checks)
