"""Evidence and document control (C5): documents, their immutable versions, approvals, reviews and evidence links.

A document is the controlled record (a policy, a network diagram, a device configuration); its versions are the
files, each named by the SHA-256 of its content and stored once in the evidence blob store (``blobstore``). A
version moves through ``evidence.lifecycle``; approving one supersedes the version in force before it, and the
document points at the version in force (``current_version``). Evidence links say which records a document
evidences: the document (meaning its version in force) or one pinned version, with an optional validity date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from otcsms.core.models import SiteOwned, SiteScopedAuditedQuerySet
from otcsms.core.roles import Action
from otcsms.core.scoping import AnyUser, sites_where
from otcsms.evidence import lifecycle


class DocumentKind(models.TextChoices):
    POLICY = "policy", "Policy"
    PROCEDURE = "procedure", "Procedure"
    PLAN = "plan", "Plan"
    STANDARD = "standard", "Standard"
    NETWORK_DIAGRAM = "network-diagram", "Network diagram"
    CONFIGURATION = "configuration", "Configuration file"
    RECORD = "record", "Record"
    REPORT = "report", "Report"
    OTHER = "other", "Other"


# Months between reviews when a document does not say otherwise; 0: no periodic review (a record or a report
# documents a moment, it is not kept current).
DEFAULT_REVIEW_MONTHS: dict[str, int] = {
    DocumentKind.POLICY: 12, DocumentKind.PROCEDURE: 12, DocumentKind.PLAN: 12, DocumentKind.STANDARD: 24,
    DocumentKind.NETWORK_DIAGRAM: 12, DocumentKind.CONFIGURATION: 6, DocumentKind.RECORD: 0,
    DocumentKind.REPORT: 0, DocumentKind.OTHER: 12,
}  # fmt: skip


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class VersionStatus(models.TextChoices):
    DRAFT = lifecycle.DRAFT, "Draft"
    IN_REVIEW = lifecycle.IN_REVIEW, "In review"
    APPROVED = lifecycle.APPROVED, "Approved"
    SUPERSEDED = lifecycle.SUPERSEDED, "Superseded"
    RETIRED = lifecycle.RETIRED, "Retired"


class ReviewOutcome(models.TextChoices):
    NO_CHANGE = "no-change", "No change"
    REVISED = "revised", "Revised"
    RETIRED = "retired", "Retired"


def _user_fk(help_text: str = "") -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=help_text,
    )  # fmt: skip


# The stubs' plugin types ``as_manager`` per queryset class; core's own mixed queryset needs the same ignore.
_M = TypeVar("_M", bound="SiteOwned")


class SharedDocumentQuerySet(SiteScopedAuditedQuerySet[_M]):  # type: ignore[override]
    """Site scoping of a document and of what is part of it (its versions, signatures, reviews): the rows of the
    document's own site, and for reading also the rows of documents that cover one of the user's sites
    (``CoveredSite``). Writing stays with the owning site. Still ``for_user``: one scoping mechanism, the
    covered sites a second subquery of the same statement (docs/decisions/0005-shared-documents.md)."""

    # The path from the row to its document's primary key ("pk" for the document itself).
    document_key: ClassVar[str] = "document_id"

    def _covering(self, covers: models.Q) -> models.Q:
        documents = CoveredSite.objects.filter(covers).values("document_id")
        return models.Q(**{f"{self.document_key}__in": documents})

    def for_user(self, user: AnyUser, action: Action = "view") -> Self:
        if action != "view" or not user.is_authenticated or not user.is_active or user.is_org_admin:
            return super().for_user(user, action)
        permitted = sites_where(user, action)
        return self.filter(models.Q(site__in=permitted) | self._covering(models.Q(site__in=permitted)))

    def for_site(self, site_id: int | None) -> Self:
        """The rows of one site (the site switcher): its own documents and those covering it."""
        if site_id is None:
            return self
        return self.filter(models.Q(site_id=site_id) | self._covering(models.Q(site_id=site_id)))


class DocumentQuerySet(SharedDocumentQuerySet[_M]):  # type: ignore[override]
    document_key = "pk"


class SignatureQuerySet(SharedDocumentQuerySet[_M]):  # type: ignore[override]
    document_key = "version__document_id"


class Document(SiteOwned):
    """A controlled document of its site (the owning site: who may write it, approve it, review it). It may also
    cover other sites (``covered_sites``): their users read it and link it as evidence of their records."""

    objects: ClassVar = DocumentQuerySet.as_manager()

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    owner = _user_fk("Keeps the document current; reminded when its review falls due.")
    approver = _user_fk("Who is expected to approve its versions (any approver of the site may).")
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.INTERNAL
    )
    tags = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated words, e.g. 'firewall, sr-1.3'."
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=12, help_text="0: no periodic review. Defaults by kind (policies yearly)."
    )
    next_review = models.DateField(null=True, blank=True, db_index=True)
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The approved version in force.",
    )  # fmt: skip
    retired_at = models.DateTimeField(null=True, blank=True)
    zones = models.ManyToManyField("plant.Zone", through="CoveredZone", related_name="+", blank=True)
    assets = models.ManyToManyField("plant.Asset", through="CoveredAsset", related_name="+", blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [
            models.Index(fields=["site", "kind"], name="evidence_doc_site_kind"),
            models.Index(fields=["site", "next_review"], name="evidence_doc_site_review"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from otcsms.core.siterules import site_move_problem

        if problem := site_move_problem(type(self), self.pk, self.site_id):
            raise ValidationError({"site": problem})
        if self.review_interval_months > 120:
            raise ValidationError({"review_interval_months": "at most 120 months (ten years)"})

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def tag_list(self) -> list[str]:
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]

    def review_overdue(self, today: object | None = None) -> bool:
        day = today or timezone.localdate()
        return not self.is_retired and self.next_review is not None and self.next_review < day  # type: ignore[operator]


class CoveredSite(SiteOwned):
    """Another site a document covers (a group policy, a company standard): its users read the document, its
    versions and their approvals, and link it as evidence of their site's records. ``site`` is the covered site
    (so the row, and its audit event, belong to it); the document's own site is never listed here."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="covered_sites")

    class Meta:
        ordering = ["document_id", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "site"], name="evidence_one_cover_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.document} covers the site {self.site}"

    def clean(self) -> None:
        if (
            self.document_id is not None
            and self.site_id is not None
            and self.document.site_id == self.site_id
        ):
            raise ValidationError({"site": "the document's own site is covered already"})


class CoveredZone(SiteOwned):
    """A zone a document covers (a network diagram of the zone, a procedure for it)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="covered_zones")
    zone = models.ForeignKey("plant.Zone", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["document_id", "zone_id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "zone"], name="evidence_one_cover_per_zone")
        ]

    def __str__(self) -> str:
        return f"{self.document} covers {self.zone}"


class CoveredAsset(SiteOwned):
    """An asset a document covers (its configuration file, its hardening record)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="covered_assets")
    asset = models.ForeignKey("plant.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["document_id", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "asset"], name="evidence_one_cover_per_asset")
        ]

    def __str__(self) -> str:
        return f"{self.document} covers {self.asset}"


class Blob(models.Model):
    """A stored file content, named by its SHA-256 (the store's file ``sha256/ab/cd/<hash>``), shared by every
    version with that content. Versions reference it by a foreign key the database enforces: a blob row (and
    its file) can only go when no version points at it (``evidence.blobs``). Bookkeeping of the store, not a
    record of the program: the versions that use it are audited, and each pins the hash."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sha256"]

    def __str__(self) -> str:
        return f"blob {self.sha256[:12]} ({self.size} bytes)"


class DocumentVersion(SiteOwned):
    """One file of a document. Its content is the blob named by ``sha256`` and never changes."""

    objects: ClassVar = SharedDocumentQuerySet.as_manager()

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    # The column keeps its name: ``sha256`` holds the hash, now a key the database checks against Blob.
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, db_column="sha256", related_name="versions")
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100, help_text="Detected from the content, not from the name.")
    claimed_type = models.CharField(max_length=100, blank=True, help_text="What the uploader's client said.")
    type_mismatch = models.BooleanField(default=False, help_text="The content is not what was claimed.")
    file_name = models.CharField(max_length=200, help_text="For display and downloads only, never a path.")
    change_summary = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True, help_text="The text of a text-like version, for search and diffs.")
    uploaded_by = _user_fk()
    uploaded_at = models.DateTimeField(default=timezone.now)
    submitted_by = _user_fk()
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = _user_fk()
    approved_at = models.DateTimeField(null=True, blank=True)

    # The text is derived from the blob (which the hash already pins): the trail need not carry it.
    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"text"})
    # What an approved version keeps for good (only its state moves on).
    FROZEN_FIELDS: ClassVar[tuple[str, ...]] = (
        "document_id", "number", "blob_id", "size", "media_type", "claimed_type", "type_mismatch", "file_name",
        "change_summary", "uploaded_by_id", "uploaded_at", "approved_by_id", "approved_at",
    )  # fmt: skip

    class Meta:
        ordering = ["document_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="evidence_one_version_number"),
        ]
        indexes = [models.Index(fields=["site", "status"], name="evidence_version_site_status")]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    @property
    def sha256(self) -> str:
        return str(self.blob_id)

    def clean(self) -> None:
        loaded = getattr(self, "_audit_loaded", None)
        if self.pk and loaded and loaded.get("status") not in (lifecycle.DRAFT, lifecycle.IN_REVIEW, None):
            changed = [
                name
                for name in self.FROZEN_FIELDS
                if loaded.get(name, getattr(self, name)) != getattr(self, name)
            ]
            if changed:
                raise ValidationError(
                    f"version {self.number} is {loaded['status']}: it cannot change ({changed[0]})"
                )

    @property
    def is_text(self) -> bool:
        from otcsms.evidence.sniff import is_text_like

        return is_text_like(self.media_type)


class ApprovalSignature(SiteOwned):
    """The electronic signature of one approval: who signed which content (by its hash), when, meaning what."""

    objects: ClassVar = SignatureQuerySet.as_manager()

    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200, help_text="The signer's name when they signed.")
    signed_at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64, help_text="The content signed.")
    meaning = models.CharField(max_length=50, default="approved")
    digest = models.CharField(max_length=64, help_text="HMAC of signer, time, content, meaning and how.")
    reauthenticated = models.BooleanField(
        default=False, help_text="The signer re-entered their password in the request that signed."
    )
    channel = models.CharField(
        max_length=20, blank=True, help_text="How the request came: a browser session (user) or an API token."
    )

    class Meta:
        ordering = ["-signed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.signer_name} {self.meaning} {self.version}"


class DocumentReview(SiteOwned):
    """A periodic review: its outcome, and the next review date it set."""

    objects: ClassVar = SharedDocumentQuerySet.as_manager()

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(max_length=12, choices=ReviewOutcome.choices)
    note = models.TextField(blank=True, max_length=2000)
    reviewed_by = _user_fk()
    reviewed_at = models.DateTimeField(default=timezone.now)
    next_review = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"review of {self.document}: {self.get_outcome_display().lower()}"


class EvidenceLink(SiteOwned):
    """``document`` (its version in force) or one pinned ``version`` evidences the target record."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="evidence_links")
    version = models.ForeignKey(
        DocumentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty: whichever version of the document is approved and in force.",
    )  # fmt: skip
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target_repr = models.CharField(max_length=200, blank=True)
    valid_until = models.DateField(
        null=True, blank=True, help_text="The evidence says nothing after this day."
    )
    note = models.CharField(max_length=500, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "target_type", "target_id"], name="evidence_one_link_per_document_target",
                violation_error_message="this document already evidences that record",
            )
        ]  # fmt: skip
        indexes = [models.Index(fields=["target_type", "target_id"], name="evidence_link_target")]

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        """The document's site; the API's create is its own (``evidence.api.create_link``): the link belongs to the
        target's site, checked by the service once it has found the target among what the caller sees."""
        document_id = data.get("document_id")
        if not isinstance(document_id, int):
            return None
        found: int | None = Document.objects.filter(pk=document_id).values_list("site_id", flat=True).first()
        return found

    def __str__(self) -> str:
        pinned = f" v{self.version.number}" if self.version_id and self.version else ""
        return f"{self.document.title}{pinned} evidences {self.target_repr}"


class ReviewReminder(SiteOwned):
    """An in-app reminder to a document's owner that its review is due (one per document, owner and date)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reminder went out in an e-mail digest (never twice)."
    )

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"read_at"})

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "recipient", "due"], name="evidence_one_reminder_per_due"
            )
        ]

    def __str__(self) -> str:
        return f"review of {self.document} due {self.due:%Y-%m-%d}"


class CompletenessSnapshot(SiteOwned):
    """A site's documentation completeness on one day: the trend behind the score."""

    taken_on = models.DateField()
    score = models.PositiveSmallIntegerField(help_text="Percent of what should be evidenced that is.")
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["site_id", "-taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["site", "taken_on"], name="evidence_one_snapshot_per_day")
        ]

    def __str__(self) -> str:
        return f"completeness {self.score}% on {self.taken_on:%Y-%m-%d}"


class SigningThrottle(models.Model):
    """Wrong passwords a user gave to sign approvals, and the lock they earned (the login's limits:
    ``OTCSMS_LOGIN_FAILURE_LIMIT`` failures lock signing for ``OTCSMS_LOGIN_COOLOFF_MINUTES``). Bookkeeping, not a
    record of the program: a failure writes no audit event (a refused approval writes nothing), the lock does
    (``services.check_signing_password``); a right password clears the count."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"signing by user {self.user_id}: {self.failures} wrong passwords"


class StaleMark(SiteOwned):
    """Another app's word that a document no longer describes what runs, e.g. a configuration record of an asset
    whose running configuration drifted from its baseline. While a mark is on a document, every evidence link to
    it is stale with the mark's reason. The app that set a mark lifts it (``evidence.stale_marks``); this app
    never names that app: ``key`` says who set it and about what (``configs.drift:asset:12``)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="stale_marks")
    key = models.CharField(max_length=100)
    reason = models.CharField(max_length=300)
    since = models.DateTimeField()

    class Meta:
        ordering = ["document_id", "since", "pk"]
        constraints = [models.UniqueConstraint(fields=["document", "key"], name="evidence_one_mark_per_key")]
        indexes = [models.Index(fields=["key"], name="evidence_stale_mark_key")]

    def __str__(self) -> str:
        return f"{self.document} stale: {self.reason}"
