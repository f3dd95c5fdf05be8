"""Forms of C1. Site-owned records keep their site on edit (``SiteFixedForm``, the rule of core.siterules)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from otcsms.core.inputs import parse_id
from otcsms.core.siterules import site_move_problem
from otcsms.org import scope_lifecycle, services
from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment
from otcsms.tenancy.models import Organisation, Site, SiteMembership, new_site_code
from otcsms.ui.generic import ScopedModelForm, TextRuleMixin

FIXED_SITE_HELP = (
    "A record stays on its site: to have it on another site, create it there and delete this one."
)


class SiteFixedForm(ScopedModelForm):
    """On edit the site (and any other ``fixed_on_edit`` field) is shown read-only and never changes.

    A browser does not send a disabled field; a request that sends another value anyway is refused with the
    reason, not silently ignored, so a scripted move fails as visibly as one through the API.
    """

    fixed_on_edit: ClassVar[tuple[str, ...]] = ("site",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name in self.fixed_on_edit:
            if name in self.fields:
                self.fields[name].disabled = True
                if name == "site":
                    self.fields[name].help_text = FIXED_SITE_HELP

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None:
            for name in self.fixed_on_edit:
                self._refuse_change(name)
        return data

    def _refuse_change(self, name: str) -> None:
        raw = self.data.get(self.add_prefix(name))
        if name not in self.fields or raw in (None, ""):
            return  # not sent (the browser's way for a disabled field): the stored value stays
        stored = getattr(self.instance, f"{name}_id", None)
        if parse_id(raw) == stored:
            return
        if name == "site":
            problem = site_move_problem(self._meta.model, self.instance.pk, parse_id(raw))
        else:
            problem = f"the {self.fields[name].label or name} of a {self._meta.model._meta.verbose_name} never changes"
        self.add_error(name, problem or "this value never changes")


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SiteForm(ScopedModelForm):
    write_action = "admin"

    class Meta:
        model = Site
        fields = ["name", "code", "sector", "location", "nerc_registration", "nerc_impact", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].error_messages["invalid"] = (
            "a code is letters, digits, hyphens and underscores (north-wtp); leave it empty to make one from the name"
        )

    def clean_code(self) -> str:
        """Empty: a new site's code is made from its name (``North WTP`` -> ``north-wtp``); a site keeps its own."""
        code = self.cleaned_data.get("code") or ""
        if code:
            return code
        if self.instance.pk is not None:
            return self.instance.code
        return new_site_code(self.cleaned_data.get("name") or "")


class PersonForm(SiteFixedForm):
    class Meta:
        model = Person
        fields = ["name", "site", "email", "job_title", "employer", "manager", "active"]


class CsmsRoleForm(ScopedModelForm):
    class Meta:
        model = CsmsRole
        fields = ["name", "description"]


class CsmsActivityForm(ScopedModelForm):
    class Meta:
        model = CsmsActivity
        fields = ["name", "reference", "order", "description"]


class RoleAssignmentForm(SiteFixedForm):
    class Meta:
        model = RoleAssignment
        fields = ["site", "role", "person", "starts_on", "ends_on", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }


class ResponsibilityForm(SiteFixedForm):
    class Meta:
        model = Responsibility
        fields = ["site", "activity", "role", "raci"]


class MembershipForm(SiteFixedForm):
    write_action = "admin"
    # The API changes only the role of a membership: access for another user is a membership of its own.
    fixed_on_edit = ("site", "user")

    class Meta:
        model = SiteMembership
        fields = ["site", "user", "role"]


class ScopeForm(TextRuleMixin, forms.Form):
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    boundaries = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    exclusions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    bcp_title = forms.CharField(max_length=200, required=False, label="Business continuity plan")
    bcp_reference = forms.CharField(max_length=500, required=False, label="BCP document id or link")
    review_interval_months = forms.IntegerField(
        min_value=1, max_value=60, initial=12, required=False, label="Review every (months)",
        help_text="Once approved, the scope is due for review this many months later; a check reports it "
        "when the date has passed.",
    )  # fmt: skip

    FIELDS = services.SCOPE_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("review_interval_months") is None:
            # not given: a new version takes the default (12), a draft keeps what it has
            cleaned.pop("review_interval_months", None)
        return cleaned


class ScopeDiscardForm(TextRuleMixin, forms.Form):
    reason = forms.CharField(
        max_length=scope_lifecycle.REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the draft is closed without approval; kept with the version.",
    )  # fmt: skip
