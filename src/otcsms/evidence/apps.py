from otcsms.core import registry


class EvidenceConfig(registry.OtcsmsAppConfig):
    name = "otcsms.evidence"
    label = "evidence"
    verbose_name = "Evidence and document control"
