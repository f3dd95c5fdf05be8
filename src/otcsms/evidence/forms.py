"""Forms of C5: a document's description (its versions come from uploads, never from a form field)."""

from __future__ import annotations

from typing import Any

from django import forms

from otcsms.core.crud import scoped
from otcsms.core.models import User
from otcsms.evidence.models import Document
from otcsms.org.forms import SiteFixedForm
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.models import Site


class DocumentForm(SiteFixedForm):
    covered_zones = forms.ModelMultipleChoiceField(
        queryset=Zone.objects.none(), required=False, help_text="Zones of the site this document covers."
    )
    covered_assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(), required=False, help_text="Assets of the site this document covers."
    )
    covered_sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(), required=False,
        help_text="Other sites this document is also for (a group policy, a company standard): their users read it "
        "and link it as their evidence. Only sites where you may add documents are offered.",
    )  # fmt: skip
    review_interval_months = forms.IntegerField(
        min_value=0, max_value=120, required=False,
        help_text="Months between reviews, 0 for none. Empty: the default of the kind (policies yearly).",
    )  # fmt: skip

    class Meta:
        model = Document
        fields = ["site", "kind", "title", "description", "owner", "approver", "classification", "tags",
                  "review_interval_months"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["covered_zones"].queryset = scoped(Zone, user)  # type: ignore[attr-defined]
        self.fields["covered_assets"].queryset = scoped(Asset, user)  # type: ignore[attr-defined]
        self.limit_choices_to_site()  # again, for the two querysets just set
        writable = Site.objects.for_user(user, "change").order_by("name")
        self.fields["covered_sites"].queryset = writable  # type: ignore[attr-defined]
        # Sites the document covers that this user may not change stay as they are (the form does not offer them).
        self.kept_sites: list[int] = []
        if self.instance.pk is not None:
            covered = [c.site_id for c in self.instance.covered_sites.all()]
            offered = set(writable.filter(pk__in=covered).values_list("pk", flat=True))
            self.initial["covered_sites"] = sorted(offered)
            self.kept_sites = [pk for pk in covered if pk not in offered]
            self.initial["covered_zones"] = [c.zone_id for c in self.instance.covered_zones.all()]
            self.initial["covered_assets"] = [c.asset_id for c in self.instance.covered_assets.all()]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as ``services.create_document`` / ``update_document`` take them."""
        data = self.cleaned_data
        fields = {
            "kind": data["kind"], "title": data["title"], "description": data["description"],
            "owner_id": data["owner"].pk if data.get("owner") else None,
            "approver_id": data["approver"].pk if data.get("approver") else None,
            "classification": data["classification"], "tags": data["tags"],
            "review_interval_months": data.get("review_interval_months"),
            "zone_ids": [z.pk for z in data.get("covered_zones") or []],
            "asset_ids": [a.pk for a in data.get("covered_assets") or []],
            "covered_site_ids": [s.pk for s in data.get("covered_sites") or []] + self.kept_sites,
        }  # fmt: skip
        return fields
