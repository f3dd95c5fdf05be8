"""Moved to ``otcsms.ui.generic``: re-exported until the issue-8 branches have merged. Import from ``otcsms.ui.generic``
(a domain app may not import ``web``, the top layer: docs/decisions/0004-layers.md)."""

from otcsms.ui.generic import (
    ScopedCreateView,
    ScopedDeleteView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedModelForm,
    ScopedUpdateView,
    TextRuleMixin,
)

__all__ = [
    "ScopedCreateView",
    "ScopedDeleteView",
    "ScopedDetailView",
    "ScopedListView",
    "ScopedMixin",
    "ScopedModelForm",
    "ScopedUpdateView",
    "TextRuleMixin",
]
