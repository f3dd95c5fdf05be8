"""Forms of C8 (ScopedModelForm: choices limited to what the user may see, the site to where they may write).

A scenario's consequences are one select per category (inherent and residual), its techniques one line of ids;
both are turned into the model's JSON values before the model validates them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from otcsms.core.models import User
from otcsms.risk import attack
from otcsms.risk import matrix as mx
from otcsms.risk.models import RiskMatrix, ThreatModelReview, ThreatScenario
from otcsms.tenancy.models import Site
from otcsms.ui.generic import FieldGroup, ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})


def matrix_for(user: User) -> RiskMatrix:
    site = Site.objects.for_user(user).order_by("pk").first()
    return RiskMatrix.of(site.organisation_id if site else 0)


def _choices(labels: list[str], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *[(str(i), f"{i} {label}") for i, label in enumerate(labels, start=1)]]


class ScenarioForm(ScopedModelForm):
    techniques_text = forms.CharField(
        label="ATT&CK for ICS techniques", required=False, max_length=300,
        help_text="Technique ids separated by commas or spaces, e.g. T0866, T0843 (see the shipped list on the "
                  "risk matrix page).",
    )  # fmt: skip

    class Meta:
        model = ThreatScenario
        fields = ["site", "title", "assessment", "system", "zone", "asset", "conduit", "threat_source", "vector",
                  "vulnerability", "existing_controls", "inherent_likelihood", "residual_likelihood",
                  "target_likelihood", "target_consequence", "treatment", "treatment_plan", "owner",
                  "acceptance_approver", "acceptance_expires", "review_date"]  # fmt: skip
        widgets = {"vulnerability": forms.Textarea(attrs={"rows": 3}),
                   "existing_controls": forms.Textarea(attrs={"rows": 3}),
                   "treatment_plan": forms.Textarea(attrs={"rows": 2}),
                   "acceptance_expires": DATE, "review_date": DATE}  # fmt: skip

    field_groups = (
        FieldGroup("Inherent consequences (no controls)", tuple(f"inherent_{k}" for k in mx.CATEGORY_KEYS),
                   "The risk is the worst category."),
        FieldGroup("Residual consequences (with the existing controls)",
                   tuple(f"residual_{k}" for k in mx.CATEGORY_KEYS)),
    )  # fmt: skip

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.matrix = matrix_for(user)
        likelihood = _choices(self.matrix.likelihood_labels, "—")
        consequence = _choices(self.matrix.consequence_labels, "—")
        for name in ("inherent_likelihood", "residual_likelihood", "target_likelihood"):
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label, choices=likelihood, coerce=int, empty_value=None,
                required=name == "inherent_likelihood",
            )  # fmt: skip
        self.fields["target_consequence"] = forms.TypedChoiceField(
            label="Target consequence", choices=consequence, coerce=int, empty_value=None, required=False
        )
        instance: ThreatScenario = self.instance
        for kind in ("inherent", "residual"):
            current = getattr(instance, f"{kind}_consequences") or {}
            for key, label in mx.CATEGORIES:
                self.fields[f"{kind}_{key}"] = forms.TypedChoiceField(
                    label=label, choices=consequence, coerce=int, empty_value=None, required=False,
                    initial=current.get(key),
                )  # fmt: skip
        self.fields["techniques_text"].initial = ", ".join(instance.techniques or [])
        self.order_fields([*self.Meta.fields[:10], "techniques_text", "existing_controls", "inherent_likelihood",
                           *(f"inherent_{k}" for k in mx.CATEGORY_KEYS), "residual_likelihood",
                           *(f"residual_{k}" for k in mx.CATEGORY_KEYS)])  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ids = [
            t.strip().upper()
            for t in cleaned.get("techniques_text", "").replace(",", " ").split()
            if t.strip()
        ]
        if unknown := attack.unknown_ids(ids):
            self.add_error("techniques_text", f"unknown technique ids: {', '.join(unknown)[:200]}")
        self.instance.techniques = list(dict.fromkeys(ids))
        for kind in ("inherent", "residual"):
            values = {k: cleaned.get(f"{kind}_{k}") for k in mx.CATEGORY_KEYS}
            setattr(self.instance, f"{kind}_consequences", {k: v for k, v in values.items() if v})
        if not self.instance.inherent_consequences:
            self.add_error("inherent_safety", "rate at least one consequence category")
        return cleaned

    # The model names its JSON fields; the form shows them as selects and a line of ids.
    ERROR_FIELDS = {"inherent_consequences": "inherent_safety", "residual_consequences": "residual_safety",
                    "techniques": "techniques_text"}  # fmt: skip

    def _update_errors(self, errors: ValidationError) -> None:
        """Model errors about fields the form shows differently go to the field that shows them (once)."""
        mapped: dict[str, list[str]] = {}
        for name, messages in errors.message_dict.items():
            target = self.ERROR_FIELDS.get(name, name)
            if target not in self.fields:
                target = NON_FIELD_ERRORS
            already = [str(e) for e in self.errors.get(target, [])] if target in self.errors else []
            mapped.setdefault(target, []).extend(m for m in messages if m not in already)
        # ModelForm's own hook for model errors; the stubs do not declare it.
        super()._update_errors(ValidationError({k: v for k, v in mapped.items() if v}))  # type: ignore[misc]


class ReviewForm(ScopedModelForm):
    class Meta:
        model = ThreatModelReview
        fields = ["site", "zone", "reviewed_on", "reviewer", "changes", "next_review_on"]
        widgets = {"changes": forms.Textarea(attrs={"rows": 5}), "reviewed_on": DATE, "next_review_on": DATE}


class MatrixForm(forms.Form):
    """The matrix as an organisation admin edits it: one label per line, and each level's score range."""

    likelihood = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), help_text="One label per line, lowest first."
    )
    consequence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), help_text="One label per line, lowest first."
    )

    def __init__(self, *args: Any, matrix: RiskMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.fields["likelihood"].initial = "\n".join(matrix.likelihood_labels)
        self.fields["consequence"].initial = "\n".join(matrix.consequence_labels)
        bands = {b["level"]: b for b in matrix.bands}
        for level in mx.LEVELS:
            for end in ("min", "max"):
                self.fields[f"{level}_{end}"] = forms.IntegerField(
                    label=f"{level} {end}", min_value=1, max_value=100, required=False,
                    initial=bands.get(level, {}).get(end),
                )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.matrix.likelihood_labels = [
            x.strip() for x in cleaned.get("likelihood", "").splitlines() if x.strip()
        ]
        self.matrix.consequence_labels = [
            x.strip() for x in cleaned.get("consequence", "").splitlines() if x.strip()
        ]
        self.matrix.bands = [
            {"level": level, "min": cleaned[f"{level}_min"], "max": cleaned[f"{level}_max"]}
            for level in mx.LEVELS
            if cleaned.get(f"{level}_min") is not None and cleaned.get(f"{level}_max") is not None
        ]
        return cleaned
