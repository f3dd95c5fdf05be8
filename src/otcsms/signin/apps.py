from otcsms.core import registry


class SigninConfig(registry.OtcsmsAppConfig):
    name = "otcsms.signin"
    label = "signin"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        super().ready()
        from otcsms.signin import events

        events.connect()
