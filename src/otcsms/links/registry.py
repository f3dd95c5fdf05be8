"""What object links add to otcsms (read by core.registry; import paths only, no models).

The links panel and its add/remove views are the UI kit's (``otcsms.ui.links``): every app's pages show it.
"""

from otcsms.core.registry import Contributions

contributions = Contributions(api_router="otcsms.links.api.router")
