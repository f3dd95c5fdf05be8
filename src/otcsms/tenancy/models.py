"""The organisation, its sites and site memberships (who holds which site role).

These models lived in ``org`` until issue 8 and keep its tables (``org_site`` ...): moving them was a change of
Python home, not of data. Their audit events recorded before the move name them ``org.site`` and so on; the
trail can never be rewritten, so each model lists those labels in ``audit_former_labels`` and every lookup of
events by object type includes them (``core.history.object_types``).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSet
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from otcsms.core.models import Audited, OrgWide, SiteOwned, SiteScopedAuditedQuerySet
from otcsms.core.roles import SiteRole
from otcsms.core.siterules import refuse_site_move


class Organisation(OrgWide):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)

    audit_former_labels: ClassVar[tuple[str, ...]] = ("org.organisation",)

    class Meta:
        db_table = "org_organisation"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Organisation:
        """The instance's organisation (an instance serves one operator)."""
        org = cls.objects.order_by("pk").first()
        if org is None:
            raise cls.DoesNotExist("no organisation yet: run `otcsms init`")
        return org


class Sector(models.TextChoices):
    WATER = "water", "Water"
    WASTEWATER = "wastewater", "Wastewater"
    ELECTRIC_TRANSMISSION = "electric-transmission", "Electric transmission"
    ELECTRIC_GENERATION = "electric-generation", "Electric generation"
    ELECTRIC_DISTRIBUTION = "electric-distribution", "Electric distribution"
    OIL_GAS = "oil-gas", "Oil and gas"
    CHEMICAL = "chemical", "Chemical"
    MANUFACTURING = "manufacturing", "Manufacturing"
    FOOD_BEVERAGE = "food-beverage", "Food and beverage"
    PHARMACEUTICAL = "pharmaceutical", "Pharmaceutical"
    OTHER = "other", "Other"


class NercImpact(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    NONE = "none", "Not a BES asset"


class Site(Audited):
    """A facility. Sites are the unit of access: every site-owned record is scoped through its site."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(
        max_length=40, unique=True,
        help_text="Short identifier used by the CLI (--site); made from the name when left empty.",
    )  # fmt: skip
    sector = models.CharField(max_length=40, choices=Sector.choices, default=Sector.OTHER)
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    nerc_registration = models.CharField(
        "NERC registration", max_length=40, blank=True,
        help_text="NERC Compliance Registry id of the registered entity, if any.",
    )  # fmt: skip
    nerc_impact = models.CharField(
        "NERC impact",
        max_length=10,
        choices=NercImpact.choices,
        blank=True,
        help_text="CIP-002 impact rating, if a BES asset.",
    )

    site_path: ClassVar[str] = "pk"
    audit_former_labels: ClassVar[tuple[str, ...]] = ("org.site",)
    objects: ClassVar = SiteScopedAuditedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        db_table = "org_site"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> Q:
        return Q(pk__in=permitted_sites)

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        # A new site belongs to no site yet: creating one is an organisation-wide act.
        return None

    def audit_site_id(self) -> int | None:
        return self.pk


def site_code_for(name: str, taken: MutableSet[str]) -> str:
    """A site code (slug) made from the name, unique among ``taken``, which it joins.

    ``Bayport Refinery`` -> ``bayport-refinery``; ``bayport-refinery-2`` when that is taken.
    """
    base = slugify(name)[:34].strip("-") or "site"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


def new_site_code(name: str) -> str:
    """A code for a new site named ``name`` that no site has yet."""
    return site_code_for(name, set(Site.objects.values_list("code", flat=True)))


class SiteMembership(SiteOwned):
    """A user's role on a site: the only source of site access besides organisation admin."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=SiteRole.choices)

    audit_former_labels: ClassVar[tuple[str, ...]] = ("org.sitemembership",)

    class Meta:
        ordering = ["site__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_role_per_user_and_site")]
        db_table = "org_sitemembership"

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display()} on {self.site}"

    def clean(self) -> None:
        refuse_site_move(self)
