from otcsms.core import registry


class OrgConfig(registry.OtcsmsAppConfig):
    name = "otcsms.org"
    label = "org"
    verbose_name = "Organisation and CSMS scope"
