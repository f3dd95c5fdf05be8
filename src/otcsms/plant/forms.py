"""Forms of C2. Model ``clean()`` does the cross-field checks, so a form refuses what the API refuses; on edit
the site is read-only (``SiteFixedForm``): a zone, conduit, asset or system never moves to another site.

Zone choices are those of the record's own site once it is known (the stored site on edit; on create the site
posted, chosen with ``?site=`` or the site switcher, or the user's only site), so a dropdown never offers a
zone that the save would refuse; a zone's parent is never the zone itself or one of the zones inside it.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.org.forms import SiteFixedForm
from otcsms.plant import services
from otcsms.plant.importfiles import PROTOCOLS
from otcsms.plant.models import (
    FOUNDATIONAL_REQUIREMENTS,
    SL_T_FIELDS,
    Asset,
    Conduit,
    SystemUnderConsideration,
    Zone,
)
from otcsms.tenancy.models import Site
from otcsms.ui.generic import FieldGroup

LEVELS = ("0", "1", "2", "3", "4")
LEVEL_CHOICES = [("", "–"), *((level, level) for level in LEVELS)]


def _level_field(fr: int) -> forms.TypedChoiceField:
    code, title = FOUNDATIONAL_REQUIREMENTS[fr - 1]
    return forms.TypedChoiceField(
        label=code, choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False,
        widget=forms.Select(attrs={"title": f"{code} {title}", "class": "level"}),
        error_messages={"invalid_choice": f"{code}: %(value)s is not a level; choose – (not set), 0, 1, 2, 3 or 4"},
    )  # fmt: skip


class PlantForm(SiteFixedForm):
    """Zone choices are the zones of the record's site when it is known; otherwise they name their site."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_site = self._choice_site()
        for field in self.fields.values():
            if (
                isinstance(field, forms.ModelChoiceField)
                and field.queryset is not None
                and field.queryset.model is Zone
            ):
                self._limit_zones(field)

    def _choice_site(self) -> Site | None:
        site_id = self.choice_site_id()
        return Site.objects.filter(pk=site_id).first() if site_id is not None else None

    def _limit_zones(self, field: forms.ModelChoiceField) -> None:
        assert field.queryset is not None  # a zone field: its queryset is the zones
        field.queryset = field.queryset.select_related("site").order_by("site__name", "name")
        if self.choice_site is None:
            # One field's labels: an instance attribute in place of the method (mypy only knows the method).
            field.label_from_instance = _zone_label  # type: ignore[method-assign,assignment]
            return
        field.queryset = field.queryset.filter(site=self.choice_site)
        field.error_messages["invalid_choice"] = (
            f"choose zones of {self.choice_site.name}: %(value)s is not one of them"
            if isinstance(field, forms.ModelMultipleChoiceField)
            else f"choose a zone of {self.choice_site.name}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, field in self.fields.items():
            if (
                name in self.errors
                and isinstance(field, forms.ModelChoiceField)
                and field.queryset is not None
                and field.queryset.model is Zone
            ):
                reason = self._refused_zone_reason(name, field)
                if reason:
                    self.errors[name] = self.error_class([reason])  # why, rather than "not a choice"
        return data

    def _refused_zone_reason(self, name: str, field: forms.ModelChoiceField) -> str | None:
        """Why the first posted zone id that is not a choice was refused, when it is a zone the user sees."""
        if self.choice_site is None:
            return None
        posted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        for value in posted if isinstance(posted, list | tuple) else [posted]:
            pk = parse_id(value)
            if pk is None or (field.queryset is not None and field.queryset.filter(pk=pk).exists()):
                continue
            zone = Zone.objects.for_user(self.user).select_related("site").filter(pk=pk).first()
            return self._zone_refusal(name, zone) if zone is not None else None
        return None

    def _zone_refusal(self, name: str, zone: Zone) -> str | None:
        assert self.choice_site is not None
        if zone.site_id == self.choice_site.pk:
            return None
        what = "the parent zone" if name == "parent" else f"zone {zone.name!r}"
        return f"{what} belongs to another site ({zone.site.name}); choose a zone of {self.choice_site.name}"


def _zone_label(zone: Zone) -> str:
    return f"{zone.name} ({zone.site.name})"


class ZoneForm(PlantForm):
    sl_t_1 = _level_field(1)
    sl_t_2 = _level_field(2)
    sl_t_3 = _level_field(3)
    sl_t_4 = _level_field(4)
    sl_t_5 = _level_field(5)
    sl_t_6 = _level_field(6)
    sl_t_7 = _level_field(7)

    field_groups = (
        FieldGroup(
            "Target security level (SL-T)", SL_T_FIELDS,
            "One level per foundational requirement FR1..FR7 (IEC 62443-3-3): 0-4, or – for all seven when "
            "it is not decided yet.",
        ),
    )  # fmt: skip

    class Meta:
        model = Zone
        fields = ["site", "name", "kind", "parent", *SL_T_FIELDS, "sl_t_reason", "description"]
        widgets = {
            "sl_t_reason": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent: Any = self.fields["parent"]  # a ModelChoiceField of zones
        self.inside: list[int] = []
        if self.instance.pk is not None:
            # neither the zone itself nor a zone inside it: that parent would close a loop
            self.inside = self.instance.descendant_ids()
            parent.queryset = parent.queryset.exclude(pk__in=[self.instance.pk, *self.inside])
            parent.error_messages["invalid_choice"] = (
                f"choose a zone of {self.instance.site.name} other than {self.instance.name} and the zones inside it"
            )
            parent.help_text = "A zone of the same site; not this zone or one inside it."

    def _zone_refusal(self, name: str, zone: Zone) -> str | None:
        if name == "parent" and zone.pk == self.instance.pk:
            return "a zone cannot be its own parent"
        if name == "parent" and zone.pk in self.inside:
            return f"{zone.name!r} is inside {self.instance.name!r}: a zone cannot be the child of one of its sub-zones"
        return super()._zone_refusal(name, zone)


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
        # its own ids: the import form beside it on the same page has fields named site and kind as well, and a
        # label finds the first element of its id (the browser test of every page found them unlabelled)
        kwargs.setdefault("auto_id", "export_%s")
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.for_user(user)
