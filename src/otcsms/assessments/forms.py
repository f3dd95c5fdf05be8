from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError

from otcsms.catalogs.models import Framework
from otcsms.core.inputs import parse_id
from otcsms.plant.models import Zone
from otcsms.tenancy.models import Site


class IdChoiceField(forms.ModelChoiceField):
    """A choice of one row by id: anything but an id is "not a valid choice" before any query (a 31-digit
    value would otherwise reach the database and fail there)."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(str(value)) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows by id, each checked as an id before the query."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(str(pk)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:40]},
                )
        return super()._check_values(value)  # type: ignore[misc]  # a private hook the stubs do not declare


class AssessmentForm(forms.Form):
    site = IdChoiceField(queryset=Site.objects.none())
    framework = IdChoiceField(queryset=Framework.objects.filter(is_current=True).order_by("name"))
    name = forms.CharField(max_length=200)
    zones = IdMultipleChoiceField(
        queryset=None,
        required=False,
        help_text="Zone-based frameworks (IEC 62443-3-3): none means every zone.",
    )
    target_maturity = forms.IntegerField(min_value=1, max_value=4, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.for_user(user, "change")
        zones = Zone.objects.for_user(user, "change").select_related("site")
        cast(forms.ModelMultipleChoiceField, self.fields["zones"]).queryset = zones
