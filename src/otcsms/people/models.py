"""C11 Training and personnel security: courses, what a site requires of a CSMS role (or of a privilege), course
assignments, completions with their expiry, and personnel screenings (risk assessments, background checks).

Courses are organisation reference data; every other record belongs to a site (the site that recorded it) and is
scoped by it. A person's training counts wherever they work: their readiness at a site reads every completion of
theirs, judged by that site's rule (15 months at a NERC CIP site)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from otcsms.core.models import OrgWide, SiteOwned
from otcsms.core.siterules import refuse_site_move
from otcsms.org.models import CsmsRole, Person
from otcsms.people import rules


class Course(OrgWide):
    """A course of the training program: awareness, role-based or protocol-specific."""

    class Kind(models.TextChoices):
        AWARENESS = "awareness", "Security awareness"
        ROLE_BASED = "role-based", "Role-based"
        PROTOCOL = "protocol", "Protocol-specific"

    code = models.CharField(max_length=40, unique=True, help_text="The LMS's course code, e.g. OT-AWR-101.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.AWARENESS)
    description = models.TextField(blank=True, max_length=5000)
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long a completion stays valid where no NERC CIP rule applies (empty: it does not expire). "
        "At a NERC CIP site a completion is valid for 15 months at most.",
    )  # fmt: skip
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CourseRequirement(SiteOwned):
    """A site requires a course of the holders of a CSMS role (empty: of everyone it assesses), optionally only
    of those who hold at least a privilege on one of its systems."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="requirements")
    role = models.ForeignKey(
        CsmsRole, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The CSMS role that needs the course; empty: everyone at the site.",
    )  # fmt: skip
    privilege = models.CharField(
        max_length=12, blank=True,
        choices=[("view", "View"), ("operate", "Operate"), ("engineer", "Engineer / configure"),
                 ("administer", "Administer")],
        help_text="Only for access at this privilege or above; empty: whatever the access.",
    )  # fmt: skip
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["site__name", "course__title", "pk"]
        verbose_name = "course requirement"

    def __str__(self) -> str:
        who = str(self.role) if self.role_id else "everyone"
        more = f" ({self.privilege} access and above)" if self.privilege else ""
        return f"{self.course} for {who}{more}"

    def clean(self) -> None:
        refuse_site_move(self)
        if self.course_id and self.site_id:
            same = CourseRequirement.objects.filter(
                site_id=self.site_id, course_id=self.course_id, role_id=self.role_id, privilege=self.privilege
            ).exclude(pk=self.pk)
            if same.exists():
                raise ValidationError({"course": "the site requires this course of these people already"})


def _same_site_person(obj: SiteOwned, person: Person | None) -> dict[str, str]:
    if person is not None and obj.site_id and person.site_id not in (None, obj.site_id):
        return {"person": "this person belongs to another site"}
    return {}


class CourseAssignment(SiteOwned):
    """A course assigned to a person, to be completed by a date; done once a completion follows it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments")
    assigned_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "person__name", "pk"]
        verbose_name = "course assignment"

    def __str__(self) -> str:
        return f"{self.course.code} for {self.person}"

    def clean(self) -> None:
        refuse_site_move(self)
        errors = _same_site_person(self, self.person if self.person_id else None)
        if self.assigned_on and self.due_on and self.due_on < self.assigned_on:
            errors["due_on"] = "due before it is assigned"
        if errors:
            raise ValidationError(errors)


class Completion(SiteOwned):
    """A person completed a course on a date; valid until ``expires_on`` (set from the rules when not given)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Recorded by hand"
        IMPORT = "import", "LMS import"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True,
        help_text="Empty: from the rules (15 months at a NERC CIP site, else the course's validity).",
    )  # fmt: skip
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    evidence_reference = models.CharField(
        max_length=500, blank=True, help_text="Optional: the certificate's document id or URL in the LMS."
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-completed_on", "person__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "completed_on"], name="completion_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.person} completed {self.course.code} on {self.completed_on:%Y-%m-%d}"

    def clean(self) -> None:
        refuse_site_move(self)
        errors = _same_site_person(self, self.person if self.person_id else None)
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = "a completion cannot be in the future"
        if self.completed_on and self.expires_on and self.expires_on <= self.completed_on:
            errors["expires_on"] = "expires before it was completed"
        if errors:
            raise ValidationError(errors)

    def default_expiry(self) -> date | None:
        return rules.completion_expiry(
            self.completed_on, cip_site=rules.is_cip_site(self.site.nerc_impact),
            course_validity_months=self.course.validity_months,
        )  # fmt: skip

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.expires_on is None and self.completed_on and self.course_id and self.site_id:
            self.expires_on = self.default_expiry()
        super().save(*args, **kwargs)


class Screening(SiteOwned):
    """A personnel risk assessment or background check of a person, and when it is due again."""

    class Kind(models.TextChoices):
        PRA = "pra", "Personnel risk assessment"
        BACKGROUND = "background", "Background check"
        IDENTITY = "identity", "Identity verification"

    class Result(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Not passed"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PRA)
    completed_on = models.DateField()
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.PASSED)
    next_due = models.DateField(
        null=True, blank=True, help_text="Empty: 7 years after completion (CIP-004 R3.5)."
    )
    reference = models.CharField(
        max_length=500,
        blank=True,
        help_text="Optional: the case number or document reference (no personal data).",
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-completed_on", "person__name", "pk"]
        verbose_name = "personnel screening"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.person} on {self.completed_on:%Y-%m-%d}"

    def clean(self) -> None:
        refuse_site_move(self)
        errors = _same_site_person(self, self.person if self.person_id else None)
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = "a screening cannot be in the future"
        if self.completed_on and self.next_due and self.next_due <= self.completed_on:
            errors["next_due"] = "due again before it was completed"
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.next_due is None and self.completed_on:
            self.next_due = rules.screening_next_due(self.completed_on)
        super().save(*args, **kwargs)
