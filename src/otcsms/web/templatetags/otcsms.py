from __future__ import annotations

from typing import Any

from django import template

from otcsms.core.history import field_label, type_label

register = template.Library()


@register.filter
def diff(payload: dict[str, Any], object_type: str = "") -> list[tuple[str, str, Any, Any]]:
    """(label, field, before, after) for the fields an audit event changed; every field for a create or delete.

    The label is what the field is called on the object's form (``NERC impact``); ``field`` is the name the
    event records (``nerc_impact``), for the reader of the raw trail.
    """
    before = payload.get("before") or {}
    after = payload.get("after") or {}
    if not before:
        changes = [(k, None, v) for k, v in sorted(after.items()) if v not in ("", None)]
    elif not after:
        changes = [(k, v, None) for k, v in sorted(before.items()) if v not in ("", None)]
    else:
        changes = [(k, before.get(k), v) for k, v in sorted(after.items()) if before.get(k) != v]
    return [(field_label(object_type, k), k, old, new) for k, old, new in changes]


@register.filter
def object_kind(object_type: str) -> str:
    """``plant.zone`` -> ``zone``."""
    return type_label(object_type)


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    """``mapping|get_item:key`` for dictionaries keyed by something a template cannot spell."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def words(value: Any) -> str:
    """``not_met`` -> ``not met``: machine values shown to people."""
    return str(value).replace("_", " ")


@register.filter
def layout(form: Any) -> list[Any]:
    """A form's fields and field groups in order (``ScopedModelForm.layout``); any other form's fields."""
    arrange = getattr(form, "layout", None)
    return arrange() if callable(arrange) else list(form)
