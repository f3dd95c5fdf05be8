from otcsms.core import registry


class AssessmentsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.assessments"
    label = "assessments"
    verbose_name = "Gap assessments"

    def ready(self) -> None:
        super().ready()
        # Plant sits below assessments and never imports it: its diagram is handed the SL-A source instead.
        from otcsms.assessments.services import diagram_levels
        from otcsms.plant.services import use_achieved_levels

        use_achieved_levels(diagram_levels)
