from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "otcsms.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
