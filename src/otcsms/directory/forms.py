from __future__ import annotations

from typing import Any

from django import forms

from otcsms.directory.models import GroupMapping
from otcsms.tenancy.models import Site
from otcsms.ui.generic import TextRuleMixin


class MappingForm(TextRuleMixin, forms.ModelForm):
    class Meta:
        model = GroupMapping
        fields = ["group_dn", "role", "site", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["site"].empty_label = "(none: organisation admin)"  # type: ignore[attr-defined]
