"""Forms of C9 (ScopedModelForm: choices limited to what the user may see, the site to where they may write)."""

from __future__ import annotations

from typing import Any

from django import forms

from otcsms.catalogs.models import Requirement
from otcsms.roadmap.models import Action, BusinessGoal
from otcsms.ui.generic import ScopedModelForm

DATE = forms.DateInput(attrs={"type": "date"})


class GoalForm(ScopedModelForm):
    class Meta:
        model = BusinessGoal
        fields = ["name", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ActionForm(ScopedModelForm):
    """An action with its dependencies (actions of the same site) and the requirements it satisfies, written
    as ``framework:ref`` (``iec62443-3-3:SR 1.1``), one per line or separated by ``;``."""

    depends_on = forms.ModelMultipleChoiceField(
        queryset=Action.objects.none(),
        required=False,
        help_text="Actions of the same site that must come first.",
    )
    requirement_refs = forms.CharField(
        label="Requirements it satisfies", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "iec62443-3-3:SR 1.1; nerc-cip:CIP-004-7 R3"}),
    )  # fmt: skip

    class Meta:
        model = Action
        fields = ["site", "title", "description", "owner", "goal", "effort_days", "cost", "risk_reduction",
                  "risk_reduction_manual", "start_on", "due_on", "pinned_phase"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "start_on": DATE, "due_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = Action.objects.for_user(self.user).select_related("site").order_by("site__name", "title")
        if self.instance.pk:
            candidates = candidates.filter(site_id=self.instance.site_id).exclude(pk=self.instance.pk)
            self.fields["depends_on"].initial = list(
                self.instance.dependency_rows.values_list("depends_on_id", flat=True)
            )
            self.fields["requirement_refs"].initial = "; ".join(
                f"{r.requirement.framework.key}:{r.requirement.ref}"
                for r in self.instance.requirement_rows.select_related("requirement__framework")
            )
            self.fields["site"].disabled = True
        field = self.fields["depends_on"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates

    def clean_requirement_refs(self) -> list[int]:
        text = self.cleaned_data.get("requirement_refs") or ""
        ids = []
        for ref in (r.strip() for r in text.replace("\n", ";").split(";")):
            if not ref:
                continue
            framework, _, requirement = ref.partition(":")
            found = Requirement.objects.filter(framework__key=framework.strip(), framework__is_current=True,
                                               ref=requirement.strip()).values_list("pk", flat=True).first()  # fmt: skip
            if found is None:
                raise forms.ValidationError(
                    f"no requirement {ref[:80]!r}: write framework:ref, e.g. iec62443-3-3:SR 1.1"
                )
            ids.append(found)
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        site = cleaned.get("site") or (self.instance.site if self.instance.site_id else None)
        for other in cleaned.get("depends_on") or []:
            if site is not None and other.site_id != site.pk:
                self.add_error("depends_on", f"{other} is an action of another site")
        return cleaned


class TransitionForm(forms.Form):
    name = forms.ChoiceField(choices=[(n, n) for n in ("plan", "unplan", "start", "finish", "cancel")])
    reason = forms.CharField(required=False, max_length=1000)
