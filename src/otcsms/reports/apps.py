from otcsms.core import registry


class ReportsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.reports"
    label = "reports"
    verbose_name = "Reports"
