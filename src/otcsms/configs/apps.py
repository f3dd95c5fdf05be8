from typing import Any

from django.db.models.signals import post_migrate

from otcsms.core import registry


class ConfigsConfig(registry.OtcsmsAppConfig):
    name = "otcsms.configs"
    label = "configs"
    verbose_name = "Configuration management and drift"

    def ready(self) -> None:
        super().ready()
        post_migrate.connect(_make_client_identity, sender=self, dispatch_uid="configs.client-identity")


def _make_client_identity(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``otcsms init`` (and every start that migrates) makes otcsms's OPC UA client certificate when there is
    none: deliberately, before any collection, so that it can be given to the servers to trust."""
    from django.db import connections

    from otcsms.configs.services import ensure_client_identity
    from otcsms.core.actor import acting_as, peek_actor, system_actor

    if using != "default" or "configs_clientidentity" not in connections[using].introspection.table_names():
        return
    with acting_as(peek_actor() or system_actor("OPC UA client certificate")):
        ensure_client_identity()
