"""Moved to ``otcsms.ui.sites``: re-exported until the issue-8 branches have merged. Import from ``otcsms.ui.sites``
(a domain app may not import ``web``, the top layer: docs/decisions/0004-layers.md)."""

from otcsms.ui.sites import SESSION_KEY, choose_site, current_site_id, switchable_sites

__all__ = ["SESSION_KEY", "choose_site", "current_site_id", "switchable_sites"]
