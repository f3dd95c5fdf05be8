"""Forms of C2. Model ``clean()`` does the cross-field checks, so a form refuses what the API refuses; on edit
the site is read-only (``SiteFixedForm``): a zone, conduit, asset or system never moves to another site."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.org.forms import SiteFixedForm
from otcsms.plant import services
from otcsms.plant.importfiles import PROTOCOLS
from otcsms.plant.models import SL_T_FIELDS, Asset, Conduit, SystemUnderConsideration, Zone
from otcsms.tenancy.models import Site

LEVEL_WIDGET = forms.NumberInput(attrs={"min": 0, "max": 4, "step": 1, "class": "level"})


class PlantForm(SiteFixedForm):
    """Zone choices name their site: a user with several sites sees zones of the same name in each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if (
                isinstance(field, forms.ModelChoiceField)
                and field.queryset is not None
                and field.queryset.model is Zone
            ):
                field.queryset = field.queryset.select_related("site").order_by("site__name", "name")
                # One field's labels: an instance attribute in place of the method (mypy only knows the method).
                field.label_from_instance = _zone_label  # type: ignore[method-assign,assignment]


def _zone_label(zone: Zone) -> str:
    return f"{zone.name} ({zone.site.name})"


class ZoneForm(PlantForm):
    class Meta:
        model = Zone
        fields = ["site", "name", "kind", "parent", *SL_T_FIELDS, "sl_t_reason", "description"]
        widgets = {name: LEVEL_WIDGET for name in SL_T_FIELDS} | {
            "sl_t_reason": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class ConduitForm(PlantForm):
    protocols = forms.MultipleChoiceField(
        choices=[(p, p) for p in PROTOCOLS], required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Conduit
        fields = [
            "site",
            "name",
            "zone_a",
            "zone_b",
            "protocols",
            "security_device",
            "rule_set",
            "description",
        ]
        widgets = {
            "rule_set": forms.Textarea(attrs={"rows": 6, "class": "mono"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class AssetForm(PlantForm):
    endpoints = forms.CharField(
        required=False, max_length=64 * 600,
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text="One endpoint URI per line, e.g. modbus+tcp://10.0.0.5:502?unit=1, opc.tcp://10.0.0.5:4840, "
        "dnp3+tcp://10.0.0.7:20000?outstation=7&master=1.",
    )  # fmt: skip

    class Meta:
        model = Asset
        fields = ["site", "name", "zone", "type", "vendor", "model", "firmware", "serial", "criticality", "ip",
                  "mac", "profile", "description"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["endpoints"] = "\n".join(e.uri for e in self.instance.endpoints.all())

    def clean_endpoints(self) -> list:
        try:
            return services.parse_endpoint_uris(self.cleaned_data["endpoints"].splitlines())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def save(self, commit: bool = True) -> Asset:
        if not commit:
            return super().save(commit=False)
        return services.save_asset(self.instance, self.cleaned_data["endpoints"])


class ZoneChoices(forms.ModelMultipleChoiceField):
    """Zone ids as a database holds them: anything else is an invalid choice before any query is made.

    (Django looks the values up with ``pk__in``, which has no guard for a number beyond 64 bits: the query
    itself would fail.)
    """

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class SystemForm(PlantForm):
    zones = ZoneChoices(
        queryset=Zone.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Zones of the same site that the system under consideration covers.",
    )  # fmt: skip

    class Meta:
        model = SystemUnderConsideration
        fields = ["site", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["zones"] = list(self.instance.zones.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        site = data.get("site")
        problem = services.foreign_zone_problem(site.pk if site else None, data.get("zones") or ())
        if problem:
            self.add_error("zones", problem)
        return data

    def save(self, commit: bool = True) -> SystemUnderConsideration:
        if not commit:
            return super().save(commit=False)
        return services.save_system(self.instance, self.cleaned_data.get("zones") or [])


# the plant kinds first, in the order a site is usually loaded
KIND_CHOICES = [(kind, kind.capitalize()) for kind in ("zones", "conduits", "assets", "people", "sites")]


class ImportForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)
    kind = forms.ChoiceField(choices=KIND_CHOICES)
    file = forms.FileField(help_text="CSV (UTF-8), XLSX (first sheet) or JSON, up to 50 MB.")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.for_user(user, "change")


class ExportForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)
    kind = forms.ChoiceField(choices=KIND_CHOICES)
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in services.EXPORT_FORMATS])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.for_user(user)
