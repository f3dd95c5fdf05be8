"""The getting-started checklist of the dashboard: from an empty instance to a first gap list.

Each step is answered from the data as it is now; nothing records that a step was done, so a step ticks itself
off when its data appears and unticks if the data goes. An organisation admin gets every step for the
organisation; a site admin the steps of the sites they administer (their plant, SL-T and assessments); anyone
else no checklist. Every step links to the page where it is done, or says it is coming: never a dead link.

It reads the models of several apps, which only an entry point (this layer) may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from otcsms.assessments.models import Assessment, Response, Status
from otcsms.plant.models import Asset, Zone
from otcsms.tenancy.defaults import DEFAULT_ORGANISATION_NAME
from otcsms.tenancy.models import Organisation, Site
from otcsms.ui.site_sections import site_url

GAP_STATUSES = (Status.NOT_MET, Status.PARTIALLY_MET)
ROADMAP_URL_NAME = "web:roadmap"  # the page a roadmap app will register; until then the step says "coming"


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    url: str = ""  # where to do it; empty only for a step that is coming
    action: str = ""
    counted: bool = True  # False: shown, but the checklist is complete without it

    @property
    def coming(self) -> bool:
        return not self.url


@dataclass(frozen=True, slots=True)
class Checklist:
    steps: tuple[Step, ...]

    @property
    def counted(self) -> tuple[Step, ...]:
        """The steps the checklist is complete with (not those still coming, nor the roadmap)."""
        return tuple(step for step in self.steps if step.counted and not step.coming)

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.counted)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.counted)


def checklist_for(user) -> Checklist | None:
    """The user's checklist: all steps for an organisation admin, the site steps for a site admin, else None."""
    if not user.is_authenticated:
        return None
    sites = Site.objects.for_user(user, "admin")
    if user.is_org_admin:
        return Checklist((_organisation_step(), _sites_step(sites), *_site_steps(user, sites)))
    if sites.exists():
        return Checklist(tuple(_site_steps(user, sites)))
    return None


def _organisation_step() -> Step:
    organisation = Organisation.objects.order_by("pk").first()
    name = organisation.name.strip() if organisation is not None else ""
    named = bool(name) and name != DEFAULT_ORGANISATION_NAME
    return Step(
        "organisation", "Name the organisation", named,
        f"Called “{name}”." if named else "Still called “My organisation”: give it your utility's name.",
        reverse("web:organisation_edit"), "Name it",
    )  # fmt: skip


def _sites_step(sites: QuerySet) -> Step:
    count = sites.count()
    return Step(
        "sites", "Create the sites", count > 0,
        f"{count} site{'s' if count != 1 else ''}: add more any time." if count else "One per plant or facility.",
        reverse("web:site_create"), "Create a site",
    )  # fmt: skip


def _site_steps(user, sites: QuerySet) -> list[Step]:
    zones = Zone.objects.for_user(user).filter(site__in=sites)
    assessments = Assessment.objects.for_user(user).filter(site__in=sites)
    return [_plant_step(user, sites, zones), _sl_t_step(zones), _assessment_step(sites, assessments),
            _answers_step(user, assessments), _roadmap_step()]  # fmt: skip


def _plant_step(user, sites: QuerySet, zones: QuerySet) -> Step:
    assets = Asset.objects.for_user(user).filter(site__in=sites)
    zone_count, asset_count = zones.count(), assets.count()
    with_plant = sites.filter(pk__in=zones.values("site_id")).filter(pk__in=assets.values("site_id")).count()
    done = zone_count > 0 and asset_count > 0
    detail = (
        f"{zone_count} zones and {asset_count} assets; {with_plant} of {sites.count()} sites have both."
        if zone_count or asset_count
        else "Import zones first, then conduits and assets: the import page has a template for each."
    )
    return Step("plant", "Import the plant: zones and assets", done, detail, reverse("web:plant_import"),
                "Import a file")  # fmt: skip


def _sl_t_step(zones: QuerySet) -> Step:
    total = zones.count()
    missing = zones.filter(sl_t_1__isnull=True).order_by("site__name", "name")
    without = missing.count()
    first = missing.first()
    url = reverse("web:zone_edit", args=[first.pk]) if first is not None else reverse("web:zone_list")
    detail = (f"{total - without} of {total} zones have a target security level." if total
              else "Each zone needs its SL-T (FR1..FR7) and the reason for it.")  # fmt: skip
    action = f"Set the SL-T of {first.name}" if first is not None else "Open the zones"
    return Step("sl_t", "Set the SL-T of every zone", total > 0 and without == 0, detail, url, action)


def _assessment_step(sites: QuerySet, assessments: QuerySet) -> Step:
    count = assessments.count()
    only = sites.first() if sites.count() == 1 else None
    url = site_url("web:assessment_create", only.pk) if only is not None else reverse("web:assessment_create")
    return Step(
        "assessment", "Start a gap assessment", count > 0,
        f"{count} assessment{'s' if count != 1 else ''}." if count else "Against IEC 62443-3-3 or another framework.",
        url, "Start one",
    )  # fmt: skip


def _answers_step(user, assessments: QuerySet) -> Step:
    answers = (
        Response.objects.for_user(user).filter(assessment__in=assessments).exclude(status=Status.NOT_ASSESSED)
    )
    answered, gaps = answers.count(), answers.filter(status__in=GAP_STATUSES).count()
    latest = assessments.order_by("-started_on", "-pk").first()
    if latest is None:
        url, action = reverse("web:assessment_list"), "Open the assessments"
    elif answered:
        url, action = reverse("web:assessment_detail", args=[latest.pk]), "See the gap list"
    else:
        url, action = reverse("web:assessment_answer", args=[latest.pk]), "Answer the requirements"
    detail = (f"{answered} answers, {gaps} gap{'s' if gaps != 1 else ''}." if answered
              else "Answer the requirements: what is not met becomes the gap list.")  # fmt: skip
    return Step("answers", "Record the first answers and see the gaps", answered > 0, detail, url, action)


def _roadmap_step() -> Step:
    # Not counted: what "planned" means is the roadmap app's to say, once there is one.
    try:
        url = reverse(ROADMAP_URL_NAME)
    except NoReverseMatch:
        return Step("roadmap", "Plan the roadmap", False, "Coming: turning gaps into a roadmap is not built yet.",
                    counted=False)  # fmt: skip
    return Step("roadmap", "Plan the roadmap", False, "Turn the gaps into actions.", url, "Open the roadmap",
                counted=False)  # fmt: skip
