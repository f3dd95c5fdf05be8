"""URL patterns for a set of generic scoped views: list, create, detail, edit, delete."""

from __future__ import annotations

from django.urls import URLPattern, path


def crud_urls(prefix: str, name: str, *, list_view, create, detail, update, delete) -> list[URLPattern]:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}_create"),
        path(f"{prefix}/<id:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<id:pk>/edit/", update.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<id:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
    ]
