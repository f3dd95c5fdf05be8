from __future__ import annotations

from django import forms

from otcsms.catalogs.models import Framework
from otcsms.org.models import Site


class AssessmentForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none())
    framework = forms.ModelChoiceField(queryset=Framework.objects.filter(is_current=True).order_by("name"))
    name = forms.CharField(max_length=200)
    zones = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        help_text="Zone-based frameworks (IEC 62443-3-3): none means every zone.",
    )
    target_maturity = forms.IntegerField(min_value=1, max_value=4, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        from otcsms.plant.models import Zone

        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.for_user(user, "change")
        self.fields["zones"].queryset = Zone.objects.for_user(user, "change").select_related("site")
