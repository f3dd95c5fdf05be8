"""Forms of C6 (ScopedModelForm: choices limited to what the user may see, the site to where they may write)."""

from __future__ import annotations

from django import forms

from otcsms.access.models import AccessGrant, AccessSystem, Account, ReviewCampaign
from otcsms.ui.generic import ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})


class SystemForm(ScopedModelForm):
    class Meta:
        model = AccessSystem
        fields = ["site", "name", "kind", "asset", "zone", "owner", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AccountForm(ScopedModelForm):
    class Meta:
        model = Account
        fields = [
            "site",
            "system",
            "username",
            "kind",
            "person",
            "auth",
            "privilege",
            "status",
            "last_logon",
            "note",
        ]


class GrantForm(ScopedModelForm):
    write_action = "approve"

    class Meta:
        model = AccessGrant
        fields = ["site", "person", "system", "privilege", "access_type", "justification", "requested_by",
                  "approved_by", "starts_on", "expires_on", "prerequisites", "prerequisite_exception"]  # fmt: skip
        widgets = {"justification": forms.Textarea(attrs={"rows": 3}), "starts_on": DATE, "expires_on": DATE,
                   "prerequisite_exception": forms.Textarea(attrs={"rows": 2})}  # fmt: skip


class GrantEditForm(ScopedModelForm):
    write_action = "approve"

    class Meta:
        model = AccessGrant
        fields = ["justification", "expires_on", "prerequisites"]
        widgets = {"justification": forms.Textarea(attrs={"rows": 3}), "expires_on": DATE}


class ReviewForm(ScopedModelForm):
    write_action = "approve"

    class Meta:
        model = ReviewCampaign
        fields = ["site", "title", "period_start", "period_end", "due_on", "routing"]
        widgets = {"period_start": DATE, "period_end": DATE, "due_on": DATE}
