"""C3 Framework library: frameworks (one row per loaded version), their requirements, mapping sets and mappings.

Everything here is organisation reference data (``OrgWide``): every member reads it, organisation admins load
it. A loaded framework version is never edited: a changed catalog is loaded as a new version, and the old one
stays for the assessments made against it (see ``catalogs.loader``). Rows are written only by the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import models
from django.utils import timezone

from otcsms.catalogs.libformat import version_sort_key
from otcsms.core.models import OrgWide


class Origin(models.TextChoices):
    SHIPPED = "shipped", "Shipped with otcsms"
    IMPORTED = "imported", "Imported by the organisation"


class Framework(OrgWide):
    """One version of a catalog (IEC 62443-3-3 2013, NIST SP 800-53 5.1.1, ...)."""

    key = models.CharField(max_length=100, help_text="The library id, e.g. iec62443-3-3.")
    version = models.CharField(max_length=500)
    name = models.CharField(max_length=500)
    edition = models.CharField(
        max_length=500, help_text="Edition of the standard; versions of one key share the first one's."
    )
    publisher = models.CharField(max_length=500)
    licence = models.CharField(max_length=500, help_text="Licence of this catalog's content.")
    copyright_note = models.TextField(blank=True)
    description = models.TextField(blank=True)
    levels = models.JSONField(
        default=dict, blank=True, help_text="{scheme, values: [{level, name, description}]}"
    )
    provenance = models.JSONField(null=True, blank=True, help_text="Default provenance of its requirements.")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    is_current = models.BooleanField(default=True, help_text="The newest loaded version of its key.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical library document.")
    source_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the file it was loaded from (fast reload check)."
    )
    requirements_count = models.PositiveIntegerField(default=0)
    assessable_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="one_framework_per_key_version")
        ]
        indexes = [models.Index(fields=["key", "is_current"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def label(self) -> str:
        """``key@version``, how the CLI names one version."""
        return f"{self.key}@{self.version}"

    @property
    def verified(self) -> bool | None:
        return None if not self.provenance else bool(self.provenance.get("verified"))


class Requirement(OrgWide):
    """A node of a framework: structure (family, FR, clause) or an assessable requirement."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="requirements")
    ref = models.CharField(max_length=100, help_text="The id as the standard writes it: SR 1.1, IA-2(1).")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=500)
    text = models.TextField(blank=True, help_text="Full text, when the licence allows it.")
    assessable = models.BooleanField()
    kind = models.CharField(max_length=20)
    order = models.PositiveIntegerField(default=0, help_text="Sort key among siblings.")
    depth = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0, help_text="Place in reading (tree) order.")
    attributes = models.JSONField(default=dict, blank=True)
    provenance = models.JSONField(null=True, blank=True, help_text="{source, verified, note}")
    guidance = models.JSONField(
        null=True,
        blank=True,
        help_text="{good, evidence: [...], pitfalls: [...], source, verified}: help for judging an answer, "
        "in the catalog author's own words (not the standard's text).",
    )

    class Meta:
        ordering = ["framework_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "ref"], name="one_requirement_per_framework_ref")
        ]
        indexes = [
            models.Index(fields=["framework", "position"]),
            models.Index(fields=["framework", "kind"]),
            models.Index(fields=["ref"]),
        ]

    def __str__(self) -> str:
        # The framework is in memory wherever requirements are created (bulk loads stay one query per batch).
        return f"{self.ref} ({self.framework.key} {self.framework.version})"

    @property
    def verified(self) -> bool | None:
        return None if not self.provenance else bool(self.provenance.get("verified"))

    @cached_property
    def shown_guidance(self) -> ShownGuidance | None:
        """The guidance to show beside this requirement: its own, or, when this version carries none (a licensed
        text imported without it), the newest other version's of the same framework for the same id."""
        if self.guidance:
            return ShownGuidance.of(self.guidance, self.framework.version, inherited=False)
        others = (
            Requirement.objects.filter(
                framework__key=self.framework.key, ref=self.ref, guidance__isnull=False
            )
            .exclude(pk=self.pk)
            .select_related("framework")
        )
        carriers = [(other.framework.version, other.guidance) for other in others if other.guidance]
        if not carriers:
            return None
        version, guidance = max(carriers, key=lambda carrier: version_sort_key(carrier[0]))
        return ShownGuidance.of(guidance, version, inherited=True)


@dataclass(frozen=True)
class ShownGuidance:
    """A requirement's guidance as the pages and the API show it, with the framework version it comes from."""

    good: str
    evidence: tuple[str, ...]
    pitfalls: tuple[str, ...]
    source: str
    verified: bool
    version: str
    inherited: bool  # from another version of the same framework: this version carries none

    @classmethod
    def of(cls, data: dict[str, Any], version: str, *, inherited: bool) -> ShownGuidance:
        return cls(
            good=str(data.get("good", "")),
            evidence=tuple(str(item) for item in data.get("evidence") or ()),
            pitfalls=tuple(str(item) for item in data.get("pitfalls") or ()),
            source=str(data.get("source", "")),
            verified=bool(data.get("verified")),
            version=version,
            inherited=inherited,
        )

    @property
    def note(self) -> str:
        """What the provenance badge says when hovered."""
        if self.verified:
            return f"reviewed against the standard: {self.source}"
        return "written in its author's own words; not yet reviewed against the standard"

    def as_dict(self) -> dict[str, Any]:
        return {
            "good": self.good, "evidence": list(self.evidence), "pitfalls": list(self.pitfalls),
            "source": self.source, "verified": self.verified, "version": self.version, "inherited": self.inherited,
        }  # fmt: skip


class MappingSet(OrgWide):
    """One version of a crosswalk between two framework versions."""

    key = models.CharField(max_length=100)
    version = models.CharField(max_length=500)
    name = models.CharField(max_length=500)
    licence = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    source_framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="outgoing_sets")
    target_framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="incoming_sets")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    is_current = models.BooleanField(default=True, help_text="The newest loaded version of its key.")
    content_hash = models.CharField(max_length=64)
    source_digest = models.CharField(max_length=64, blank=True)
    mappings_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="one_mapping_set_per_key_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class Relationship(models.TextChoices):
    EQUAL = "equal", "equal"
    SUBSET = "subset", "subset"
    SUPERSET = "superset", "superset"
    INTERSECT = "intersect", "intersect"


class Mapping(OrgWide):
    """'source relationship target': one link of a crosswalk, with why and where it comes from."""

    mapping_set = models.ForeignKey(MappingSet, on_delete=models.PROTECT, related_name="mappings")
    source = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="mappings_out")
    target = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="mappings_in")
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    strength = models.PositiveSmallIntegerField()
    rationale = models.TextField(blank=True)
    source_ref = models.TextField(blank=True)
    verified = models.BooleanField(
        default=False, help_text="Checked against its recorded source; unverified rows await review."
    )
    reviewer = models.CharField(max_length=200, blank=True, help_text="Who or what checked it.")

    class Meta:
        ordering = ["mapping_set_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mapping_set", "source", "target"], name="one_mapping_per_pair"),
            models.CheckConstraint(condition=models.Q(strength__lte=10), name="mapping_strength_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.source.ref} {self.relationship} {self.target.ref}"
