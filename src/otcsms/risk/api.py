"""REST endpoints of C8: Resources (core.crud) plus the workflows (advisory import, status changes, a
scenario from a vulnerability, the heat map and a zone's justified SL-T)."""

# No `from __future__ import annotations`: ninja reads the handlers' annotations when they are defined.
from typing import Any

from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from otcsms.core.api_auth import API_AUTH
from otcsms.core.crud import Resource, get_visible_or_404, register, require_write
from otcsms.core.http import AuthedRequest
from otcsms.core.models import User
from otcsms.links.services import LinkConflictError, LinkForbiddenError, LinkInputError
from otcsms.org.models import Person
from otcsms.plant.api import refuse_oversized_upload
from otcsms.plant.models import Zone
from otcsms.risk import attack, services, vuln_lifecycle
from otcsms.risk import matrix as mx
from otcsms.risk import schemas as s
from otcsms.risk.models import (
    Advisory,
    AssetVulnerability,
    RiskMatrix,
    ThreatModelReview,
    ThreatScenario,
    Vulnerability,
)
from otcsms.tenancy.models import Site

router = Router(tags=["risk"])
MAX_ADVISORY_BYTES = services.MAX_ADVISORY_BYTES


def _bands(data: dict[str, Any]) -> None:
    if data.get("bands") is not None:
        data["bands"] = [dict(b) for b in data["bands"]]


def _create_matrix(user: User, data: dict[str, Any]) -> RiskMatrix:
    _bands(data)
    if RiskMatrix.objects.filter(organisation_id=data["organisation_id"]).exists():
        raise HttpError(409, "the organisation has its matrix already: change it (PATCH)")
    return services.save_matrix(RiskMatrix(**data))


def _update_matrix(user: User, matrix: RiskMatrix, data: dict[str, Any]) -> RiskMatrix:
    _bands(data)
    for name, value in data.items():
        setattr(matrix, name, value)
    return services.save_matrix(matrix)


def _create_scenario(user: User, data: dict[str, Any]) -> ThreatScenario:
    return services.save_scenario(ThreatScenario(**data))


def _update_scenario(user: User, scenario: ThreatScenario, data: dict[str, Any]) -> ThreatScenario:
    for name, value in data.items():
        setattr(scenario, name, value)
    return services.save_scenario(scenario)


def _create_review(user: User, data: dict[str, Any]) -> ThreatModelReview:
    if data.get("reviewed_on") is None:
        data.pop("reviewed_on", None)
    review = ThreatModelReview(**data)
    review.full_clean()
    review.save()
    return review


MATRIX = Resource(RiskMatrix, "risk-matrix", s.MatrixOut, s.MatrixCreate, s.MatrixUpdate, deletable=False,
                  create_hook=_create_matrix, update_hook=_update_matrix, tags=["risk"])  # fmt: skip
SCENARIOS = Resource(ThreatScenario, "threat-scenarios", s.ScenarioOut, s.ScenarioCreate, s.ScenarioUpdate,
                     filters=s.ScenarioFilter, ordering=("-inherent_score", "title", "pk"),
                     create_hook=_create_scenario, update_hook=_update_scenario, tags=["risk"])  # fmt: skip
REVIEWS = Resource(ThreatModelReview, "threat-model-reviews", s.ReviewOut, s.ReviewCreate, s.ReviewUpdate,
                   filters=s.ReviewFilter, ordering=("-reviewed_on", "-pk"), create_hook=_create_review,
                   tags=["risk"])  # fmt: skip
ADVISORIES = Resource(Advisory, "advisories", s.AdvisoryOut, filters=s.AdvisoryFilter, deletable=False,
                      ordering=("-imported_at", "-pk"), tags=["risk"])  # fmt: skip
VULNERABILITIES = Resource(Vulnerability, "vulnerabilities", s.VulnerabilityOut, filters=s.VulnerabilityFilter,
                           deletable=False, ordering=("advisory_id", "key", "pk"), tags=["risk"])  # fmt: skip
ASSET_VULNERABILITIES = Resource(AssetVulnerability, "asset-vulnerabilities", s.AssetVulnerabilityOut,
                                 filters=s.AssetVulnerabilityFilter, deletable=False,
                                 ordering=("asset_id", "vulnerability_id", "pk"), tags=["risk"])  # fmt: skip
for resource in (MATRIX, SCENARIOS, REVIEWS, ADVISORIES, VULNERABILITIES, ASSET_VULNERABILITIES):
    register(router, resource)


@router.get("/threat-scenarios/heat-map", response=s.HeatMapOut, operation_id="threat_scenarios_heat_map")
def heat_map(request: AuthedRequest, filters: Query[s.ScenarioFilter]):
    """Counts of the scenarios you can see (narrowed by the list's filters) per likelihood x consequence cell,
    inherent and residual, with each cell's level on the organisation's matrix."""
    scenarios = filters.filter(ThreatScenario.objects.for_user(request.user))
    site = Site.objects.for_user(request.user).order_by("pk").first()
    matrix = RiskMatrix.of(site.organisation_id if site else 0)
    rows = services.heat_map(matrix, scenarios)
    return {"likelihood_labels": matrix.likelihood_labels, "consequence_labels": matrix.consequence_labels,
            "items": [cell for row in rows for cell in row]}  # fmt: skip


@router.get("/risk-zones/{id:pk}", response=s.ZoneRiskOut, operation_id="risk_zone")
def zone_risk(request: AuthedRequest, pk: int):
    """The SL-T a zone's worst residual (else unmitigated) risk justifies, by otcsms's band -> SL-T convention
    (docs/risk.md), beside the zone's recorded SL-T. Nothing is changed on the zone."""
    zone = Zone.objects.for_user(request.user).filter(pk=pk).first()
    if zone is None:
        raise HttpError(404, f"zone {pk} not found")
    found = services.zone_risk(zone, ThreatScenario.objects.for_user(request.user))
    convention = ", ".join(f"{level} -> SL {sl}" for level, sl in mx.BAND_SL_T.items())
    return {"zone_id": zone.pk, "site_id": zone.site_id, "scenarios": found.scenarios,
            "worst_level": found.worst_level, "justified_sl_t": found.justified_sl_t,
            "recorded_sl_t": found.recorded_sl_t, "gap": found.gap, "convention": convention}  # fmt: skip


@router.get("/attack-ics", response=dict[str, Any], operation_id="attack_ics")
def attack_ics(request: AuthedRequest):
    """The shipped MITRE ATT&CK for ICS selection (techniques and mitigations), with MITRE's notice."""
    if not Site.objects.for_user(request.user).exists():
        raise HttpError(403, "members of the organisation only")
    cat = attack.catalog()
    return {"notice": cat.notice,
            "techniques": [{"id": t.id, "name": t.name, "tactic": t.tactic, "note": t.note} for t in cat.techniques.values()],
            "mitigations": [{"id": m.id, "name": m.name, "note": m.note} for m in cat.mitigations.values()]}  # fmt: skip


@router.post(
    "/advisories",
    response={201: list[s.ImportOut], 200: list[s.ImportOut]},
    operation_id="advisories_import",
    summary="Import a CSAF 2.0 advisory for a site and match it to the site's assets",
    auth=[refuse_oversized_upload, *API_AUTH],
)
def import_advisory(request: AuthedRequest, site_id: int, file: File[UploadedFile]):
    """201 with what changed (200 when this version was imported before); 422 naming the JSON path of the
    first problem of a malformed file, or when it is older than the version imported; nothing is written then."""
    site = Site.objects.for_user(request.user).filter(pk=site_id).first()
    if site is None:
        raise HttpError(404, f"site {site_id} not found")
    require_write(request, Advisory, site.pk, "change")
    if file.size is not None and file.size > MAX_ADVISORY_BYTES:
        raise HttpError(413, f"the file is larger than {MAX_ADVISORY_BYTES // 2**20} MB")
    try:
        result = services.import_advisory(
            site, file.read(MAX_ADVISORY_BYTES + 1), file.name or "", by=request.user
        )
    except services.AdvisoryRefused as exc:
        raise HttpError(422, str(exc)) from None
    return Status(200 if result.outcome == "unchanged" else 201, [result.as_dict() | {"site_id": site.pk}])


@router.post(
    "/asset-vulnerabilities/{id:pk}/status",
    response=s.AssetVulnerabilityOut,
    operation_id="asset_vulnerabilities_status",
)
def change_status(request: AuthedRequest, pk: int, payload: s.StatusChange):
    """Move the vulnerability on this asset to another status (docs/risk.md lists the transitions): 409 when
    the transition is not allowed, 422 when it misses its note, approver or expiry."""
    item = get_visible_or_404(ASSET_VULNERABILITIES, request, pk)
    require_write(request, AssetVulnerability, item.site_id, "change")
    approver = None
    if payload.accepted_by_id is not None:
        approver = Person.objects.for_user(request.user).filter(pk=payload.accepted_by_id).first()
        if approver is None:
            raise HttpError(422, f"accepted_by_id: no person with id {payload.accepted_by_id}")
    try:
        return vuln_lifecycle.change_status(
            item, payload.status, note=payload.note, by=request.user, accepted_by=approver,
            accepted_until=payload.accepted_until,
        )  # fmt: skip
    except vuln_lifecycle.TransitionForbidden as exc:
        raise HttpError(403, str(exc)) from None
    except vuln_lifecycle.TransitionError as exc:
        conflict = "cannot become" in str(exc)
        raise HttpError(409 if conflict else 422, str(exc)) from None


@router.post(
    "/asset-vulnerabilities/{id:pk}/scenario",
    response={201: s.ScenarioOut},
    operation_id="asset_vulnerabilities_scenario",
)
def scenario_from_vulnerability(request: AuthedRequest, pk: int):
    """Create a threat scenario seeded from this vulnerability on this asset, linked to it as its source."""
    item = get_visible_or_404(ASSET_VULNERABILITIES, request, pk)
    require_write(request, ThreatScenario, item.site_id, "change")
    try:
        scenario = services.scenario_from_vulnerability(item, by=request.user)
    except (LinkInputError, LinkConflictError) as exc:
        raise HttpError(409, str(exc)) from None
    except LinkForbiddenError as exc:
        raise HttpError(403, str(exc)) from None
    return Status(201, scenario)
