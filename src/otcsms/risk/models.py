"""C8 Risk register and vulnerability management: the risk matrix, threat scenarios, threat-model reviews,
CSAF advisories, their vulnerabilities and the assets they hit.

The matrix is organisation-wide; everything else belongs to one site. A scenario's derived values (worst
consequence, score, level) are computed by ``refresh_scores`` from the matrix when it is validated
(``clean``), so every write path (form, API, service) stores the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from otcsms.core.models import OrgWide, SiteOwned
from otcsms.core.siterules import refuse_site_move
from otcsms.org.models import Person
from otcsms.plant.models import Asset, Conduit, SystemUnderConsideration, Zone
from otcsms.risk import attack
from otcsms.risk import matrix as mx
from otcsms.tenancy.models import Organisation, Site


def default_likelihood() -> list[str]:
    return list(mx.DEFAULT_LIKELIHOOD)


def default_consequence() -> list[str]:
    return list(mx.DEFAULT_CONSEQUENCE)


class RiskMatrix(OrgWide):
    """The organisation's risk matrix: likelihood and consequence scales (labels, lowest first) and the
    level bands over likelihood x consequence."""

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="+")
    likelihood_labels = models.JSONField(default=default_likelihood)
    consequence_labels = models.JSONField(default=default_consequence)
    bands = models.JSONField(default=list)

    class Meta:
        ordering = ["organisation_id"]
        verbose_name = "risk matrix"
        verbose_name_plural = "risk matrices"

    def __str__(self) -> str:
        return f"{len(self.likelihood_labels)}x{len(self.consequence_labels)} risk matrix"

    @classmethod
    def of(cls, organisation_id: int) -> RiskMatrix:
        """The organisation's matrix; the default 5x5 (not saved) when it has none yet."""
        found = cls.objects.filter(organisation_id=organisation_id).first()
        if found is not None:
            return found
        return cls(organisation_id=organisation_id, bands=[dict(b) for b in mx.DEFAULT_BANDS])

    @property
    def n_likelihood(self) -> int:
        return len(self.likelihood_labels)

    @property
    def n_consequence(self) -> int:
        return len(self.consequence_labels)

    def level(self, likelihood: int, consequence: int) -> str:
        return mx.level_of(likelihood * consequence, self.bands)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("likelihood_labels", "consequence_labels"):
            if problems := mx.scale_problems(getattr(self, name), name.replace("_", " ")):
                errors[name] = problems
        if not errors and (problems := mx.band_problems(self.n_likelihood, self.n_consequence, self.bands)):
            errors["bands"] = problems
        if not errors and self.organisation_id:
            scenarios = ThreatScenario.objects.filter(site__organisation_id=self.organisation_id)
            too_likely = scenarios.filter(
                models.Q(inherent_likelihood__gt=self.n_likelihood) | models.Q(residual_likelihood__gt=self.n_likelihood)
            )  # fmt: skip
            too_severe = scenarios.filter(
                models.Q(inherent_consequence__gt=self.n_consequence)
                | models.Q(residual_consequence__gt=self.n_consequence)
            )
            if too_likely.exists() or too_severe.exists():
                errors["likelihood_labels"] = [
                    "scenarios are rated beyond the smaller scale: re-rate them first"
                ]
        if errors:
            raise ValidationError(errors)


def _level_field(verbose: str) -> models.PositiveSmallIntegerField[Any, Any]:
    return models.PositiveSmallIntegerField(verbose, null=True, blank=True)


class ThreatScenario(SiteOwned):
    """A threat scenario and its risk: who (threat source) could do what, how (vector, the vulnerability it
    exploits, ATT&CK for ICS techniques), to which zone, asset or conduit; rated inherent (no controls),
    residual (with the existing controls) and target; with its treatment, owner and review date."""

    class Assessment(models.TextChoices):
        INITIAL = "initial", "Initial (high-level, per site or system under consideration)"
        DETAILED = "detailed", "Detailed (per zone or conduit)"

    class Source(models.TextChoices):
        CRIMINAL = "criminal", "Criminal group (ransomware)"
        NATION_STATE = "nation-state", "Nation-state actor"
        HACKTIVIST = "hacktivist", "Hacktivist"
        INSIDER = "insider", "Malicious insider"
        CONTRACTOR = "contractor", "Vendor or contractor"
        OPPORTUNIST = "opportunist", "Opportunistic attacker"
        ACCIDENTAL = "accidental", "Accidental (human error)"

    class Vector(models.TextChoices):
        REMOTE_ACCESS = "remote-access", "Remote access (VPN, vendor sessions)"
        IT_NETWORK = "it-network", "From the business network"
        INTERNET = "internet", "Directly from the internet"
        REMOVABLE_MEDIA = "removable-media", "Removable media or transient devices"
        WIRELESS = "wireless", "Wireless or radio links"
        SUPPLY_CHAIN = "supply-chain", "Supply chain"
        PHYSICAL = "physical", "Physical access"
        LOCAL_NETWORK = "local-network", "Inside the control network"

    class Treatment(models.TextChoices):
        MITIGATE = "mitigate", "Mitigate"
        ACCEPT = "accept", "Accept"
        TRANSFER = "transfer", "Transfer"
        AVOID = "avoid", "Avoid"

    title = models.CharField(max_length=200)
    assessment = models.CharField(max_length=10, choices=Assessment.choices, default=Assessment.DETAILED)
    system = models.ForeignKey(
        SystemUnderConsideration, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="system under consideration",
    )  # fmt: skip
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conduit = models.ForeignKey(Conduit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    threat_source = models.CharField(max_length=20, choices=Source.choices)
    vector = models.CharField(max_length=20, choices=Vector.choices)
    vulnerability = models.TextField("vulnerability exploited", blank=True, max_length=2000)
    techniques = models.JSONField(
        "ATT&CK for ICS techniques", default=list, blank=True, help_text="Technique ids, e.g. T0866, T0843."
    )
    existing_controls = models.TextField(blank=True, max_length=2000)
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_consequences = models.JSONField(
        default=dict, help_text='Consequence level per category, e.g. {"safety": 4, "production": 5}.'
    )
    residual_likelihood = _level_field("residual likelihood")
    residual_consequences = models.JSONField(default=dict, blank=True)
    target_likelihood = _level_field("target likelihood")
    target_consequence = _level_field("target consequence")
    # Derived from the above and the matrix (refresh_scores): what lists, filters and the heat map read.
    inherent_consequence = models.PositiveSmallIntegerField(default=0, editable=False)
    inherent_score = models.PositiveSmallIntegerField(default=0, editable=False)
    inherent_level = models.CharField(max_length=10, blank=True, editable=False)
    residual_consequence = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    residual_level = models.CharField(max_length=10, blank=True, editable=False)
    treatment = models.CharField(max_length=10, choices=Treatment.choices, blank=True)
    treatment_plan = models.TextField(blank=True, max_length=2000)
    acceptance_approver = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who accepted the risk (not its owner).",
    )  # fmt: skip
    acceptance_expires = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_date = models.DateField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-inherent_score", "title", "pk"]
        verbose_name = "threat scenario"
        indexes = [models.Index(fields=["site", "residual_level"], name="risk_scenario_site_residual")]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_level(self) -> str:
        """The residual level when rated, else the inherent (an unmitigated risk)."""
        return self.residual_level or self.inherent_level

    def matrix(self) -> RiskMatrix:
        organisation_id = (
            Site.objects.filter(pk=self.site_id).values_list("organisation_id", flat=True).first()
        )
        return RiskMatrix.of(organisation_id or 0)

    def refresh_scores(self, matrix: RiskMatrix) -> None:
        self.inherent_consequence = mx.worst(self.inherent_consequences or {})
        self.inherent_score = (self.inherent_likelihood or 0) * self.inherent_consequence
        self.inherent_level = matrix.level(self.inherent_likelihood or 0, self.inherent_consequence)
        residual = mx.worst(self.residual_consequences or {})
        if self.residual_likelihood and residual:
            self.residual_consequence = residual
            self.residual_score = self.residual_likelihood * residual
            self.residual_level = matrix.level(self.residual_likelihood, residual)
        else:
            self.residual_consequence = self.residual_score = None
            self.residual_level = ""

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, Any] = {}
        errors |= self._target_problems()
        matrix = self.matrix() if self.site_id else RiskMatrix.of(0)
        errors |= self._rating_problems(matrix)
        errors |= self._treatment_problems()
        if unknown := attack.unknown_ids(self.techniques if isinstance(self.techniques, list) else ["?"]):
            errors["techniques"] = (
                f"unknown ATT&CK for ICS technique ids: {', '.join(map(str, unknown))[:200]}"
            )
        if errors:
            raise ValidationError(errors)
        self.refresh_scores(matrix)

    def _target_problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name in ("system", "zone", "asset", "conduit"):
            other = getattr(self, name) if getattr(self, f"{name}_id") else None
            if other is not None and self.site_id and other.site_id != self.site_id:
                errors[name] = f"{name} {other} belongs to another site"
        if errors:
            return errors
        asset = self.asset if self.asset_id else None
        if asset is not None and not self.zone_id and asset.zone_id:
            self.zone_id = asset.zone_id
        if asset is not None and self.zone_id and asset.zone_id not in (None, self.zone_id):
            errors["asset"] = "the asset is in another zone"
        conduit = self.conduit if self.conduit_id else None
        if (
            conduit is not None
            and self.zone_id
            and self.zone_id not in (conduit.zone_a_id, conduit.zone_b_id)
        ):
            errors["conduit"] = "the conduit does not touch this zone"
        if self.assessment == self.Assessment.DETAILED and not (self.zone_id or self.conduit_id):
            errors["zone"] = "a detailed risk is about a zone (or a conduit): choose one"
        return errors

    def _rating_problems(self, matrix: RiskMatrix) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for name in ("inherent_likelihood", "residual_likelihood", "target_likelihood"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= matrix.n_likelihood:
                errors[name] = f"a level from 1 to {matrix.n_likelihood}"
        if self.target_consequence is not None and not 1 <= self.target_consequence <= matrix.n_consequence:
            errors["target_consequence"] = f"a level from 1 to {matrix.n_consequence}"
        for name in ("inherent_consequences", "residual_consequences"):
            if problems := mx.consequence_problems(getattr(self, name), matrix.n_consequence):
                errors[name] = problems
        if "inherent_consequences" not in errors and not mx.worst(self.inherent_consequences):
            errors["inherent_consequences"] = "rate at least one consequence category"
        has_residual_c = "residual_consequences" not in errors and bool(
            mx.worst(self.residual_consequences or {})
        )
        if bool(self.residual_likelihood) != has_residual_c:
            errors["residual_likelihood"] = "rate the residual likelihood and its consequences together"
        return errors

    def _treatment_problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.treatment == self.Treatment.ACCEPT:
            if not self.acceptance_approver_id:
                errors["acceptance_approver"] = "an accepted risk needs the person who accepted it"
            elif self.acceptance_approver_id == self.owner_id:
                errors["acceptance_approver"] = "the risk owner does not approve their own acceptance"
            if not self.acceptance_expires:
                errors["acceptance_expires"] = "an acceptance has an expiry date"
        for name in ("acceptance_approver", "owner"):
            person = getattr(self, name) if getattr(self, f"{name}_id") else None
            if person is not None and self.site_id and person.site_id not in (None, self.site_id):
                errors[name] = "this person belongs to another site"
        return errors


class ThreatModelReview(SiteOwned):
    """A review of a site's (or one zone's) threat model: when, by whom, and what changed."""

    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(default=timezone.localdate)
    reviewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    changes = models.TextField("what changed", max_length=5000)
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        verbose_name = "threat-model review"

    def __str__(self) -> str:
        where = self.zone if self.zone_id else "site"
        return f"threat-model review of {where} on {self.reviewed_on}"

    def clean(self) -> None:
        refuse_site_move(self)
        errors: dict[str, str] = {}
        zone = self.zone if self.zone_id else None
        if zone is not None and self.site_id and zone.site_id != self.site_id:
            errors["zone"] = "this zone belongs to another site"
        if self.reviewer_id and self.site_id and self.reviewer.site_id not in (None, self.site_id):
            errors["reviewer"] = "this person belongs to another site"
        if self.next_review_on and self.reviewed_on and self.next_review_on <= self.reviewed_on:
            errors["next_review_on"] = "after the review"
        if errors:
            raise ValidationError(errors)


class Advisory(SiteOwned):
    """A CSAF 2.0 security advisory imported for a site: one row per tracking id, updated by a later version."""

    tracking_id = models.CharField(max_length=200)
    version = models.CharField(max_length=120)
    version_key = models.JSONField(default=list, editable=False)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=500)
    category = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    initial_release = models.CharField(max_length=40)
    current_release = models.CharField(max_length=40)
    revision_history = models.JSONField(default=list)
    products = models.JSONField(default=list, help_text="The product tree, flattened: one entry per product.")
    exploitability = models.TextField(blank=True, max_length=5000)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "advisory"
        verbose_name_plural = "advisories"
        constraints = [models.UniqueConstraint(fields=["site", "tracking_id"], name="advisory_once_per_site")]

    def __str__(self) -> str:
        return f"{self.tracking_id} v{self.version}"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    NONE = "none", "None / not scored"


def severity_of(score: float | None) -> str:
    """CVSS v3 qualitative rating of a base score."""
    if score is None or score == 0:
        return Severity.NONE
    if score >= 9:
        return Severity.CRITICAL
    if score >= 7:
        return Severity.HIGH
    return Severity.MEDIUM if score >= 4 else Severity.LOW


class Vulnerability(SiteOwned):
    """One vulnerability of an advisory (a CVE, or the advisory's own id for it)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.PROTECT, related_name="vulnerabilities")
    key = models.CharField(max_length=200, help_text="The CVE, or the advisory's id of the vulnerability.")
    cve = models.CharField("CVE", max_length=40, blank=True, db_index=True)
    title = models.CharField(max_length=500, blank=True)
    cvss_score = models.DecimalField(
        "CVSS v3 base score", max_digits=3, decimal_places=1, null=True, blank=True
    )
    cvss_vector = models.CharField("CVSS v3 vector", max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.NONE)
    cwe = models.CharField("CWE", max_length=500, blank=True)
    summary = models.TextField(blank=True, max_length=5000)
    exploitability = models.TextField("exploitability notes", blank=True, max_length=5000)

    class Meta:
        ordering = ["advisory_id", "key"]
        verbose_name = "vulnerability"
        verbose_name_plural = "vulnerabilities"
        constraints = [
            models.UniqueConstraint(fields=["advisory", "key"], name="vulnerability_once_per_advisory")
        ]

    def __str__(self) -> str:
        return self.key


class AssetVulnerability(SiteOwned):
    """A vulnerability on an asset, as the advisory's product tree matched it, tracked to closure.

    The status changes only through ``vuln_lifecycle`` (explicit transitions, each with a note)."""

    class Match(models.TextChoices):
        AFFECTED = "affected", "Affected"
        POSSIBLY = "possibly-affected", "Possibly affected (unverifiable)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PATCHED = "patched", "Patched"
        MITIGATED = "mitigated", "Mitigated"
        ACCEPTED = "accepted", "Risk accepted"
        NOT_AFFECTED = "not-affected", "Not affected"

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.PROTECT, related_name="assets")
    product_id = models.CharField(max_length=200)
    product_name = models.CharField(max_length=500)
    match = models.CharField(max_length=20, choices=Match.choices)
    match_reason = models.CharField(max_length=1000)
    remediations = models.JSONField(default=list, blank=True)
    listed = models.BooleanField(default=True, help_text="Still listed by the advisory's latest version.")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN, db_index=True)
    status_note = models.CharField(max_length=1000, blank=True)
    accepted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    accepted_until = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    TRACKED: ClassVar[tuple[str, ...]] = ("open",)

    class Meta:
        ordering = ["asset__name", "vulnerability__key"]
        verbose_name = "asset vulnerability"
        verbose_name_plural = "asset vulnerabilities"
        constraints = [
            models.UniqueConstraint(fields=["asset", "vulnerability"], name="vulnerability_once_per_asset")
        ]

    def __str__(self) -> str:
        return f"{self.vulnerability.key} on {self.asset}"

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        return None  # never created through the API: an import creates them

    def clean(self) -> None:
        refuse_site_move(self)
        if self.asset_id and self.site_id and self.asset.site_id != self.site_id:
            raise ValidationError({"asset": "this asset belongs to another site"})
