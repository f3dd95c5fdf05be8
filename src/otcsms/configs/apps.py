from typing import Any

from django.db.models.signals import post_save

from otcsms.core import registry


class ConfigsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.configs"
    label = "configs"
    verbose_name = "Configuration management and drift"

    def ready(self) -> None:
        super().ready()
        from otcsms.jobs.models import Schedule

        post_save.connect(_make_client_identity, sender=Schedule, dispatch_uid="configs.client-identity")


def _make_client_identity(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """`otcsms init` sets up the scheduled collection (the jobs app creates the collect-configs schedule this
    app declares); otcsms's OPC UA client certificate is made with it, deliberately and before any collection,
    in the same transaction and by the same actor, so that it can be given to the servers to trust. An instance
    set up before it existed gets it from `otcsms config identity`."""
    from otcsms.configs.tasks import COLLECT_CONFIGS

    if created and instance.name == COLLECT_CONFIGS.name:
        from otcsms.configs.services import ensure_client_identity

        ensure_client_identity()
