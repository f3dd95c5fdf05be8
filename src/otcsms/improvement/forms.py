"""Forms of C12 (ScopedModelForm: choices limited to what the user may see, the site to where they may write)."""

from __future__ import annotations

from django import forms

from otcsms.improvement.models import ManagementReview, Nonconformity
from otcsms.ui.generic import ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReviewForm(ScopedModelForm):
    class Meta:
        model = ManagementReview
        fields = ["site", "title", "planned_on", "chair", "attendees", "drill_results", "audit_results",
                  "threat_changes", "summary"]  # fmt: skip
        widgets = {"planned_on": DATE, "drill_results": _area(), "audit_results": _area(),
                   "threat_changes": _area(), "summary": _area()}  # fmt: skip


class NonconformityForm(ScopedModelForm):
    class Meta:
        model = Nonconformity
        fields = ["site", "title", "description", "source", "grade", "requirement", "detected_on", "root_cause",
                  "correction", "corrective_action", "owner", "due_on"]  # fmt: skip
        widgets = {"detected_on": DATE, "due_on": DATE, "description": _area(), "root_cause": _area(),
                   "correction": _area(2), "corrective_action": _area()}  # fmt: skip


class DecisionForm(forms.Form):
    text = forms.CharField(label="Decision", max_length=500)
    due_on = forms.DateField(label="Due", required=False, widget=DATE)
