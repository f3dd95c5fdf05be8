from otcsms.core import registry


class RoadmapConfig(registry.OtcsmsAppConfig):
    name = "otcsms.roadmap"
    label = "roadmap"
    verbose_name = "Gap-to-roadmap planning"
