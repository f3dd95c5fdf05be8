from __future__ import annotations

from django import forms

from otcsms.org import services
from otcsms.org.models import (
    CsmsActivity,
    CsmsRole,
    Person,
    Responsibility,
    RoleAssignment,
    Site,
    SiteMembership,
)
from otcsms.web.generic import ScopedModelForm


class SiteForm(ScopedModelForm):
    write_action = "admin"

    class Meta:
        model = Site
        fields = ["name", "code", "sector", "location", "nerc_registration", "nerc_impact", "description"]


class PersonForm(ScopedModelForm):
    class Meta:
        model = Person
        fields = ["name", "site", "email", "job_title", "employer", "active"]


class CsmsRoleForm(ScopedModelForm):
    class Meta:
        model = CsmsRole
        fields = ["name", "description"]


class CsmsActivityForm(ScopedModelForm):
    class Meta:
        model = CsmsActivity
        fields = ["name", "reference", "order", "description"]


class RoleAssignmentForm(ScopedModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["site", "role", "person", "starts_on", "ends_on", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }


class ResponsibilityForm(ScopedModelForm):
    class Meta:
        model = Responsibility
        fields = ["site", "activity", "role", "raci"]


class MembershipForm(ScopedModelForm):
    write_action = "admin"

    class Meta:
        model = SiteMembership
        fields = ["site", "user", "role"]


class ScopeForm(forms.Form):
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    boundaries = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    exclusions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    bcp_title = forms.CharField(max_length=200, required=False, label="Business continuity plan")
    bcp_reference = forms.CharField(max_length=500, required=False, label="BCP document id or link")

    FIELDS = services.SCOPE_FIELDS
