"""What the evidence app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions

contributions = Contributions(
    api_router="otcsms.evidence.api.router",
    access_objects="otcsms.evidence.testing.access_objects",
)
