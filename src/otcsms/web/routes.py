"""Moved to ``otcsms.ui.routes``: re-exported until the issue-8 branches have merged. Import from ``otcsms.ui.routes``
(a domain app may not import ``web``, the top layer: docs/decisions/0004-layers.md)."""

from otcsms.ui.routes import crud_urls

__all__ = ["crud_urls"]
