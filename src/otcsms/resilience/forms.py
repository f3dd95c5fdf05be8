"""Forms of C10 (ScopedModelForm: choices limited to what the user may see, the site to where they may write)."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms

from otcsms.core.models import User
from otcsms.evidence.models import Document
from otcsms.org.models import CsmsRole, Person
from otcsms.plant.models import Asset, Zone
from otcsms.resilience.models import (
    DrillCadence,
    EntryKind,
    Exercise,
    Incident,
    IncidentEntry,
    IrPlan,
    Milestone,
    Outcome,
)
from otcsms.ui.generic import ScopedModelForm, TextRuleMixin

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MILESTONES = [("", "—"), *Milestone.choices]
_F = TypeVar("_F", bound=forms.Field)


def _field(form: forms.BaseForm, name: str, kind: type[_F]) -> _F:
    """The form's field ``name``, as the kind it is declared as (the stubs type every field as Field)."""
    field = form.fields[name]
    assert isinstance(field, kind)
    return field


class ExerciseForm(ScopedModelForm):
    class Meta:
        model = Exercise
        fields = ["site", "scenario", "title", "plan", "scheduled_for", "status", "held_on", "started_at",
                  "facilitator", "notes"]  # fmt: skip
        widgets = {"scheduled_for": DATE, "held_on": DATE, "started_at": DATETIME,
                   "notes": forms.Textarea(attrs={"rows": 3})}  # fmt: skip
        help_texts = {"title": "Empty: the scenario's title followed by 'drill'.",
                      "started_at": "UTC. Empty: the time of the first inject entered on the timeline."}  # fmt: skip

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["title"].required = False
        self.fields["scenario"].error_messages["required"] = "a drill needs a scenario"
        self.fields["scheduled_for"].error_messages["required"] = "a drill needs a date"
        _field(self, "started_at", forms.DateTimeField).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ]


class PlanForm(ScopedModelForm):
    """An IR plan: on an existing plan document of the site, or (no document chosen) on a new one."""

    new_title = forms.CharField(
        label="Or a new plan document titled", max_length=200, required=False,
        help_text="Creates a document of kind Plan in Evidence; upload and approve its versions there.",
    )  # fmt: skip

    class Meta:
        model = IrPlan
        fields = ["site", "document", "new_title", "scope", "bcp_document"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        docs = Document.objects.for_user(user).filter(retired_at__isnull=True).order_by("title")
        _field(self, "document", forms.ModelChoiceField).queryset = docs.filter(kind="plan")
        self.fields["document"].required = False
        _field(self, "bcp_document", forms.ModelChoiceField).queryset = docs
        if self.instance.pk:
            del self.fields["new_title"]
            self.fields["document"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            not self.instance.pk
            and not cleaned.get("document")
            and not (cleaned.get("new_title") or "").strip()
        ):
            self.add_error("document", "choose the plan's document, or give a title for a new one")
        if cleaned.get("document") and (cleaned.get("new_title") or "").strip():
            self.add_error("new_title", "either an existing document or a new title, not both")
        return cleaned

    def _post_clean(self) -> None:
        # a plan on a new document: the model is validated by services.create_plan once the document exists
        if self.instance.pk or self.cleaned_data.get("document"):
            super()._post_clean()  # type: ignore[misc]


class CadenceForm(ScopedModelForm):
    class Meta:
        model = DrillCadence
        fields = ["site", "months", "programme_start"]
        widgets = {"programme_start": DATE}


class IncidentForm(ScopedModelForm):
    class Meta:
        model = Incident
        fields = ["site", "title", "classification", "status", "detected_at", "reportable",
                  "determined_reportable_at", "plan", "description", "closed_at"]  # fmt: skip
        widgets = {"detected_at": DATETIME, "determined_reportable_at": DATETIME, "closed_at": DATETIME,
                   "description": forms.Textarea(attrs={"rows": 4})}  # fmt: skip
        help_texts = {"detected_at": "UTC.", "closed_at": "UTC."}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("detected_at", "determined_reportable_at", "closed_at"):
            _field(self, name, forms.DateTimeField).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S",
            ]


# --- rows added from a detail page ---------------------------------------------------------------------------
class EntryForm(TextRuleMixin, forms.Form):
    """A timeline line: the time (UTC, default now), what happened, and a milestone mark."""

    at = forms.DateTimeField(
        label="Time (UTC)",
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    kind = forms.ChoiceField(choices=EntryKind.choices, initial=EntryKind.ACTION)
    text = forms.CharField(max_length=1000, label="What happened")
    milestone = forms.ChoiceField(choices=MILESTONES, required=False)


class IncidentEntryForm(EntryForm):
    kind = forms.ChoiceField(choices=IncidentEntry.Kind.choices, initial=IncidentEntry.Kind.ACTION)


class ParticipantForm(TextRuleMixin, forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none())
    role = forms.CharField(max_length=200, required=False, label="Part in the drill")

    def __init__(self, *args: Any, user: User, site_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.for_user(user).filter(active=True)
        _field(self, "person", forms.ModelChoiceField).queryset = people.filter(
            site_id__in=[site_id]
        ) | people.filter(site__isnull=True)


class OutcomeForm(TextRuleMixin, forms.Form):
    criterion = forms.SlugField(max_length=60)
    result = forms.ChoiceField(choices=Outcome.choices)
    note = forms.CharField(max_length=1000, required=False)


class LessonForm(TextRuleMixin, forms.Form):
    title = forms.CharField(max_length=200, label="Lesson learned")
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(required=False, widget=DATE, label="Action due")


class PlanRoleForm(TextRuleMixin, forms.Form):
    role = forms.ModelChoiceField(queryset=CsmsRole.objects.none())
    duty = forms.CharField(max_length=500)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "role", forms.ModelChoiceField).queryset = CsmsRole.objects.for_user(user).order_by(
            "name"
        )


class PlanContactForm(ParticipantForm):
    role = None  # type: ignore[assignment]
    purpose = forms.CharField(max_length=200)
    phone = forms.CharField(max_length=40, required=False)
    order = forms.IntegerField(min_value=0, max_value=999, initial=1)


class ZoneForm(forms.Form):
    zone = forms.ModelChoiceField(queryset=Zone.objects.none())

    def __init__(self, *args: Any, user: User, site_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "zone", forms.ModelChoiceField).queryset = (
            Zone.objects.for_user(user).filter(site_id=site_id).order_by("name")
        )


class AssetForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=Asset.objects.none())

    def __init__(self, *args: Any, user: User, site_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "asset", forms.ModelChoiceField).queryset = (
            Asset.objects.for_user(user).filter(site_id=site_id).order_by("name")[:2000]
        )
