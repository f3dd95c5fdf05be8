from otcsms.core import registry


class ToyappConfig(registry.OtcsmsAppConfig):
    name = "tests.toyapp"
    label = "toyapp"
    verbose_name = "Toy app (tests only)"
