"""Forms of C11 (ScopedModelForm: choices limited to what the user may see, the site to where they may write)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError

from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.ui.generic import ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})


class _SiteFixed(ScopedModelForm):
    """The site (and the person) of a record never change once it exists: shown read-only on edit."""

    fixed_on_edit: ClassVar[tuple[str, ...]] = ("site", "person", "course")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in self.fixed_on_edit:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None:
            for name in self.fixed_on_edit:
                if name in self.fields and name in self.data:
                    sent = str(self.data.get(name, ""))
                    if sent and sent != str(getattr(self.instance, f"{name}_id", "")):
                        raise ValidationError({name: f"the {name} of a recorded row does not change"})
        return data


class CourseForm(ScopedModelForm):
    class Meta:
        model = Course
        fields = ["code", "title", "kind", "validity_months", "active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RequirementForm(_SiteFixed):
    fixed_on_edit = ("site", "course")

    class Meta:
        model = CourseRequirement
        fields = ["site", "course", "role", "privilege", "note"]


class AssignmentForm(_SiteFixed):
    class Meta:
        model = CourseAssignment
        fields = ["site", "person", "course", "assigned_on", "due_on", "note"]
        widgets = {"assigned_on": DATE, "due_on": DATE}


class CompletionForm(_SiteFixed):
    class Meta:
        model = Completion
        fields = [
            "site",
            "person",
            "course",
            "completed_on",
            "expires_on",
            "score",
            "evidence_reference",
            "note",
        ]
        widgets = {"completed_on": DATE, "expires_on": DATE}


class ScreeningForm(_SiteFixed):
    class Meta:
        model = Screening
        fields = ["site", "person", "kind", "completed_on", "result", "next_due", "reference", "note"]
        widgets = {"completed_on": DATE, "next_due": DATE}
