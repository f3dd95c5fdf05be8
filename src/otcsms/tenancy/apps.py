from otcsms.core import registry


class TenancyConfig(registry.OtcsmsAppConfig):
    name = "otcsms.tenancy"
    label = "tenancy"
    verbose_name = "Organisation and sites"

    def ready(self) -> None:
        super().ready()
        # Core sits below tenancy and never imports it: scoping is handed the membership model instead.
        from otcsms.core import scoping
        from otcsms.tenancy.models import SiteMembership

        scoping.use_membership_model(SiteMembership)
