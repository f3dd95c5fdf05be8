from otcsms.core import registry


class PeopleConfig(registry.OtcsmsAppConfig):
    name = "otcsms.people"
    label = "people"
    verbose_name = "Training and personnel security"
