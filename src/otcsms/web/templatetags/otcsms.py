from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def diff(payload: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields an audit event changed; every field for a create or delete."""
    before = payload.get("before") or {}
    after = payload.get("after") or {}
    if not before:
        return [(k, None, v) for k, v in sorted(after.items()) if v not in ("", None)]
    if not after:
        return [(k, v, None) for k, v in sorted(before.items()) if v not in ("", None)]
    return [(k, before.get(k), v) for k, v in sorted(after.items()) if before.get(k) != v]


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
