"""Select lists written as one string, not through a template per option.

Django's ``Select`` renders every ``<option>`` through a template include: on a form pointing at a fleet's
assets (2,000 options) that is most of a page's time (bench/pages.py: the document form went from about 500 ms
to ... ms). These widgets write the same markup (the same attributes, escaping and optgroups as Django's
templates) directly. ``ScopedModelForm`` puts them in place of the stock ``Select``/``SelectMultiple`` of every
foreign-key and many-to-many field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def attributes(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: False leaves an attribute out, True writes its bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class _DirectSelectMixin:
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        out = [f'<select name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


class DirectSelect(_DirectSelectMixin, forms.Select):
    pass


class DirectSelectMultiple(_DirectSelectMixin, forms.SelectMultiple):
    pass


REPLACEMENTS: dict[type[forms.Widget], type[forms.Widget]] = {
    forms.Select: DirectSelect,
    forms.SelectMultiple: DirectSelectMultiple,
}


def direct_select(field: forms.Field) -> None:
    """Give a choice field with Django's stock select widget the direct one, keeping its attributes and choices."""
    replacement = REPLACEMENTS.get(type(field.widget))
    if replacement is None:
        return
    stock = field.widget
    widget = replacement(attrs=stock.attrs)
    widget.is_required = stock.is_required
    widget.choices = stock.choices  # type: ignore[attr-defined]
    field.widget = widget
