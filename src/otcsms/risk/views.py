"""Pages of C8: the risk register (list with filters, detail, form), the heat map, the matrix, a zone's risk
and justified SL-T, advisories (list, upload, detail) and the vulnerabilities on assets with their status.
Workflows call ``risk.services`` and ``risk.vuln_lifecycle``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id, parse_int
from otcsms.core.scoping import can, may_write
from otcsms.links.services import LinkConflictError, LinkForbiddenError, LinkInputError
from otcsms.org.models import Person
from otcsms.plant.models import Zone
from otcsms.risk import attack, forms, services, vuln_lifecycle
from otcsms.risk import matrix as mx
from otcsms.risk.heat_chart import LEVEL_COLOURS, heat_svg
from otcsms.risk.models import Advisory, AssetVulnerability, RiskMatrix, ThreatModelReview, ThreatScenario
from otcsms.tenancy.models import Site
from otcsms.ui import exports, generic
from otcsms.ui.links import link_panel
from otcsms.ui.sites import current_site_id


def _authed(request: HttpRequest) -> AuthedRequest:
    return request  # type: ignore[return-value]  # login_required has run: request.user is a User


def _visible(model: Any, request: HttpRequest, pk: int) -> Any:
    obj = model.objects.for_user(_authed(request).user).filter(pk=pk).first()
    if obj is None:
        raise Http404(f"no {model._meta.verbose_name} {pk}")
    return obj


# --- scenarios ------------------------------------------------------------------------------------------
SCENARIO_FILTERS = {
    # query parameter -> (lookup, kind)
    "zone": ("zone_id", "id"), "asset": ("asset_id", "id"), "owner": ("owner_id", "id"),
    "inherent_likelihood": ("inherent_likelihood", "int"), "inherent_consequence": ("inherent_consequence", "int"),
    "residual_likelihood": ("residual_likelihood", "int"), "residual_consequence": ("residual_consequence", "int"),
    "inherent_level": ("inherent_level", "level"), "residual_level": ("residual_level", "level"),
    "treatment": ("treatment", "treatment"), "assessment": ("assessment", "assessment"),
}  # fmt: skip


def filter_scenarios(
    qs: QuerySet[ThreatScenario], params: Any
) -> tuple[QuerySet[ThreatScenario], dict[str, str]]:
    """Narrow the scenarios by the list's query parameters; unknown values are ignored, never an error."""
    applied: dict[str, str] = {}
    for name, (lookup, kind) in SCENARIO_FILTERS.items():
        raw = str(params.get(name, "")).strip()
        if not raw:
            continue
        value: Any
        if kind == "id":
            value = parse_id(raw)
        elif kind == "int":
            value = parse_int(raw, minimum=1, maximum=10)
        elif kind == "level":
            value = raw if raw in mx.LEVELS else None
        elif kind == "treatment":
            value = raw if raw in {*ThreatScenario.Treatment.values, "none"} else None
            value = "" if value == "none" else value
        else:
            value = raw if raw in ThreatScenario.Assessment.values else None
        if value is None:
            continue
        qs = qs.filter(**{lookup: value})
        applied[name] = raw
    if params.get("overdue") == "1":
        qs = qs.filter(review_date__lt=date.today())
        applied["overdue"] = "1"
    return qs, applied


class ScenarioViews(generic.ViewSet):
    model: Any = ThreatScenario
    url_base = "web:threatscenario"
    form_class: type[Any] | None = forms.ScenarioForm
    select_related = ("site", "zone", "asset", "conduit", "owner")


class ScenarioList(ScenarioViews, generic.ScopedListView):
    template_name = "risk/scenario_list.html"
    columns = [("Title", "title"), ("Site", "site"), ("Zone", "zone"), ("Inherent", "inherent_level"),
               ("Residual", "residual_level"), ("Treatment", "get_treatment_display"), ("Owner", "owner"),
               ("Review", "review_date")]  # fmt: skip
    search_fields = ("title", "vulnerability")

    def get_queryset(self):
        qs, self.applied = filter_scenarios(super().get_queryset(), self.request.GET)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["applied"] = self.applied
        ctx["levels"] = mx.LEVELS
        ctx["treatments"] = ThreatScenario.Treatment.choices
        ctx["zones"] = Zone.objects.for_user(self.user).for_site(self.listed_site_id()).order_by("name")[:300]
        return ctx


class ScenarioDetail(ScenarioViews, generic.ScopedDetailView):
    template_name = "risk/scenario_detail.html"
    fields = [("Site", "site"), ("Assessment", "get_assessment_display"), ("System under consideration", "system"),
              ("Zone", "zone"), ("Asset", "asset"), ("Conduit", "conduit"),
              ("Threat source", "get_threat_source_display"), ("Vector", "get_vector_display"),
              ("Vulnerability exploited", "vulnerability"), ("Existing controls", "existing_controls"),
              ("Treatment", "get_treatment_display"), ("Treatment plan", "treatment_plan"),
              ("Accepted by", "acceptance_approver"), ("Acceptance expires", "acceptance_expires"),
              ("Owner", "owner"), ("Review date", "review_date")]  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        scenario: ThreatScenario = self.object
        matrix = scenario.matrix()
        techniques = attack.catalog().techniques
        ctx["techniques"] = [techniques[t] for t in scenario.techniques if t in techniques]
        ctx["attack_notice"] = attack.catalog().notice
        ctx["ratings"] = _ratings(scenario, matrix)
        ctx["colours"] = LEVEL_COLOURS
        return ctx


def _ratings(s: ThreatScenario, matrix: RiskMatrix) -> list[dict[str, Any]]:
    def label(labels: list[str], level: int | None) -> str:
        return f"{level} {labels[level - 1]}" if level and level <= len(labels) else "—"

    rows = [("Inherent", s.inherent_likelihood, s.inherent_consequences, s.inherent_consequence, s.inherent_score,
             s.inherent_level),
            ("Residual", s.residual_likelihood, s.residual_consequences, s.residual_consequence, s.residual_score,
             s.residual_level)]  # fmt: skip
    out = []
    for name, lk, per_category, worst, score, level in rows:
        out.append({
            "name": name, "likelihood": label(matrix.likelihood_labels, lk),
            "categories": [(title, label(matrix.consequence_labels, (per_category or {}).get(key)))
                           for key, title in mx.CATEGORIES],
            "consequence": label(matrix.consequence_labels, worst), "score": score or "—", "level": level,
            "colour": LEVEL_COLOURS.get(level, "#ccc"),
        })  # fmt: skip
    target_score = (s.target_likelihood or 0) * (s.target_consequence or 0)
    out.append({"name": "Target", "likelihood": label(matrix.likelihood_labels, s.target_likelihood),
                "categories": [], "consequence": label(matrix.consequence_labels, s.target_consequence),
                "score": target_score or "—", "level": matrix.level(s.target_likelihood or 0, s.target_consequence or 0) if target_score else "",
                "colour": LEVEL_COLOURS.get(matrix.level(s.target_likelihood or 0, s.target_consequence or 0), "#ccc")})  # fmt: skip
    return out


class ScenarioCreate(ScenarioViews, generic.ScopedCreateView):
    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in ("zone", "asset"):
            if (pk := parse_id(self.request.GET.get(name, ""))) is not None:
                initial[name] = pk
        return initial


class ScenarioUpdate(ScenarioViews, generic.ScopedUpdateView):
    pass


class ScenarioDelete(ScenarioViews, generic.ScopedDeleteView):
    pass


# --- threat-model reviews --------------------------------------------------------------------------------
class ReviewViews(generic.ViewSet):
    model: Any = ThreatModelReview
    url_base = "web:threatmodelreview"
    form_class: type[Any] | None = forms.ReviewForm
    select_related = ("site", "zone", "reviewer")


class ReviewList(ReviewViews, generic.ScopedListView):
    columns = [("Review", "reviewed_on"), ("Site", "site"), ("Zone", "zone"), ("Reviewer", "reviewer"),
               ("What changed", "changes"), ("Next review", "next_review_on")]  # fmt: skip
    search_fields = ("changes",)


class ReviewDetail(ReviewViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Zone", "zone"), ("Reviewed on", "reviewed_on"), ("Reviewer", "reviewer"),
              ("What changed", "changes"), ("Next review", "next_review_on")]  # fmt: skip


class ReviewCreate(ReviewViews, generic.ScopedCreateView):
    pass


class ReviewUpdate(ReviewViews, generic.ScopedUpdateView):
    pass


class ReviewDelete(ReviewViews, generic.ScopedDeleteView):
    pass


# --- heat map, matrix, zone -----------------------------------------------------------------------------
HEAT_CELL = 64  # px: the page's cells hold two counts


def heat_map_svg(matrix: RiskMatrix, scenarios: QuerySet[ThreatScenario], site_id: int | None) -> str:
    """The heat map of the page: per cell the inherent / residual count, each a link to the scenarios rated
    there (narrowed to the page's site)."""
    site = f"&site={site_id}" if site_id else ""
    listed = reverse("web:threatscenario_list")

    def href(rating: str, cell: services.HeatCell) -> str:
        return f"{listed}?{rating}_likelihood={cell.likelihood}&{rating}_consequence={cell.consequence}{site}"

    return heat_svg(matrix, services.heat_map(matrix, scenarios), title="Risk heat map: likelihood by consequence",
                    href=href, cell=HEAT_CELL)  # fmt: skip


@login_required
def heat_map_page(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    site_id = parse_id(request.GET.get("site", "")) or current_site_id(request)
    scenarios = ThreatScenario.objects.for_user(user).for_site(site_id)
    matrix = forms.matrix_for(user)
    return render(request, "risk/heat_map.html", {
        "heat_map": heat_map_svg(matrix, scenarios, site_id), "matrix": matrix,
        "consequence_labels": list(enumerate(matrix.consequence_labels, start=1)),
        "total": scenarios.count(), "site": Site.objects.for_user(user).filter(pk=site_id).first() if site_id else None,
        "top": scenarios.select_related("site", "zone").order_by("-residual_score", "-inherent_score", "pk")[:10],
        "colours": LEVEL_COLOURS,
    })  # fmt: skip


@login_required
def matrix_page(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    matrix = forms.matrix_for(user)
    editable = may_write(user, RiskMatrix, None) and matrix.organisation_id
    form = forms.MatrixForm(request.POST or None, matrix=matrix)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("only organisation admins change the risk matrix")
        if form.is_valid():
            try:
                services.save_matrix(matrix)
                messages.success(request, "Saved the risk matrix; every scenario is re-levelled.")
                return HttpResponseRedirect(reverse("web:risk_matrix"))
            except ValidationError as exc:
                for problem in exc.messages:
                    form.add_error(None, problem)
    cat = attack.catalog()
    return render(request, "risk/matrix.html", {
        "matrix": matrix, "form": form, "editable": editable, "categories": mx.CATEGORIES,
        "grid": [{"label": f"{lk} {matrix.likelihood_labels[lk - 1]}",
                  "cells": [{"level": matrix.level(lk, c), "score": lk * c} for c in range(1, matrix.n_consequence + 1)]}
                 for lk in range(matrix.n_likelihood, 0, -1)],
        "band_sl_t": mx.BAND_SL_T, "techniques": cat.techniques.values(), "mitigations": cat.mitigations.values(),
        "notice": cat.notice, "colours": LEVEL_COLOURS,
    })  # fmt: skip


@login_required
def zone_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    zone = _visible(Zone, request, pk)
    visible = ThreatScenario.objects.for_user(user)
    return render(request, "risk/zone.html", {
        "zone": zone, "risk": services.zone_risk(zone, visible), "band_sl_t": mx.BAND_SL_T,
        "scenarios": visible.filter(zone=zone).select_related("asset", "owner"),
        "can_add": may_write(user, ThreatScenario, zone.site_id), "colours": LEVEL_COLOURS,
        "vulnerabilities": AssetVulnerability.objects.for_user(user).filter(asset__zone=zone, status="open")
        .select_related("asset", "vulnerability")[:50],
    })  # fmt: skip


# --- advisories -----------------------------------------------------------------------------------------
ADVISORY_COLUMNS = (("Advisory", "tracking_id"), ("Title", "title"), ("Site", "site.name"), ("Version", "version"),
                    ("Released", "current_release"), ("Assets", "affected"), ("Imported", "imported_at"))  # fmt: skip


@login_required
def advisory_list(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    site_id = parse_id(request.GET.get("site", "")) or current_site_id(request)
    advisories = (
        Advisory.objects.for_user(user).for_site(site_id).select_related("site")
        .annotate(affected=Count("vulnerabilities__assets", filter=Q(vulnerabilities__assets__listed=True)))
    )  # fmt: skip
    file = exports.answer(request, "Advisories", ADVISORY_COLUMNS, lambda: advisories)
    if file is not None:
        return file
    writable = Site.objects.for_user(user, "change").order_by("name")
    return render(request, "risk/advisory_list.html", {
        "advisories": advisories[:200], "sites": writable, "current_site": site_id,
        "max_mb": services.MAX_ADVISORY_BYTES // 2**20, "export_links": exports.export_links(request),
    })  # fmt: skip


@login_required
@require_POST
def advisory_import(request: HttpRequest) -> HttpResponse:
    user = _authed(request).user
    back = HttpResponseRedirect(reverse("web:advisory_list"))
    site_id = parse_id(request.POST.get("site", ""))
    site = Site.objects.for_user(user, "change").filter(pk=site_id).first() if site_id is not None else None
    if site is None:
        messages.error(request, "choose a site where you may import")
        return back
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "choose the CSAF advisory (.json) to import")
        return back
    if upload.size and upload.size > services.MAX_ADVISORY_BYTES:
        messages.error(request, f"the file is larger than {services.MAX_ADVISORY_BYTES // 2**20} MB")
        return back
    try:
        result = services.import_advisory(
            site, upload.read(services.MAX_ADVISORY_BYTES + 1), upload.name or "", by=user
        )
    except services.AdvisoryRefused as exc:
        messages.error(request, f"nothing was imported: {exc}")
        return back
    messages.success(request, result.describe())
    return HttpResponseRedirect(reverse("web:advisory_detail", args=[result.advisory.pk]))


@login_required
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    advisory = _visible(Advisory, request, pk)
    items = (AssetVulnerability.objects.for_user(user).filter(vulnerability__advisory=advisory)
             .select_related("asset", "asset__zone", "vulnerability"))  # fmt: skip
    return render(request, "risk/advisory_detail.html", {
        "advisory": advisory, "vulnerabilities": advisory.vulnerabilities.all(), "items": items,
        "history_url": reverse("web:history", args=[advisory._meta.label_lower, advisory.pk]),
    })  # fmt: skip


# --- vulnerabilities on assets --------------------------------------------------------------------------
class AssetVulnerabilityList(generic.ScopedListView):
    model: Any = AssetVulnerability
    form_class = None
    url_base = "web:assetvulnerability"
    template_name = "risk/vulnerability_list.html"
    select_related = ("site", "asset", "vulnerability", "vulnerability__advisory")
    columns = [("Vulnerability", "vulnerability.key"), ("Asset", "asset"), ("Severity", "vulnerability.severity"),
               ("CVSS", "vulnerability.cvss_score"), ("Match", "get_match_display"), ("Status", "get_status_display"),
               ("Advisory", "vulnerability.advisory")]  # fmt: skip
    search_fields = ("vulnerability__key", "asset__name")

    def url(self, kind: str, *args: Any) -> str:
        # Vulnerabilities come from advisories: "create" is the advisory import.
        return reverse("web:advisory_list") if kind == "create" else super().url(kind, *args)

    def get_queryset(self):
        qs = super().get_queryset()
        status, severity, match = (self.request.GET.get(k, "") for k in ("status", "severity", "match"))
        if status in AssetVulnerability.Status.values:
            qs = qs.filter(status=status)
        if severity in ("critical", "high", "medium", "low", "none"):
            qs = qs.filter(vulnerability__severity=severity)
        if match in AssetVulnerability.Match.values:
            qs = qs.filter(match=match)
        if (asset := parse_id(self.request.GET.get("asset", ""))) is not None:
            qs = qs.filter(asset_id=asset)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["can_create"] = False
        ctx["statuses"] = AssetVulnerability.Status.choices
        ctx["applied"] = {k: self.request.GET.get(k, "") for k in ("status", "severity", "match")}
        return ctx


@login_required
def asset_vulnerability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    item = _visible(AssetVulnerability, request, pk)
    people = Person.objects.for_user(user).filter(Q(site=item.site_id) | Q(site__isnull=True), active=True)
    return render(request, "risk/vulnerability_detail.html", {
        "item": item, "vuln": item.vulnerability, "advisory": item.vulnerability.advisory,
        "transitions": [(s, AssetVulnerability.Status(s).label) for s in vuln_lifecycle.allowed(item.status)],
        "can_change": can(user, "change", item.site_id), "can_accept": can(user, "approve", item.site_id),
        "people": people.order_by("name")[:500],
        "history_url": reverse("web:history", args=[item._meta.label_lower, item.pk]),
        **link_panel(user, item),
    })  # fmt: skip


@login_required
@require_POST
def asset_vulnerability_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    item = _visible(AssetVulnerability, request, pk)
    back = HttpResponseRedirect(reverse("web:assetvulnerability_detail", args=[item.pk]))
    approver = None
    if (person_id := parse_id(request.POST.get("accepted_by", ""))) is not None:
        approver = Person.objects.for_user(user).filter(pk=person_id).first()
    until = None
    if raw := request.POST.get("accepted_until", "").strip():
        try:
            until = date.fromisoformat(raw[:10])
        except ValueError:
            messages.error(request, "accepted until: a date (YYYY-MM-DD)")
            return back
    try:
        vuln_lifecycle.change_status(item, request.POST.get("status", ""), note=request.POST.get("note", "")[:1000],
                                     by=user, accepted_by=approver, accepted_until=until)  # fmt: skip
    except vuln_lifecycle.TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from None
    except vuln_lifecycle.TransitionError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, f"{item}: {item.get_status_display()}.")
    return back


@login_required
@require_POST
def asset_vulnerability_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    user = _authed(request).user
    item = _visible(AssetVulnerability, request, pk)
    if not may_write(user, ThreatScenario, item.site_id):
        raise PermissionDenied("you may not add threat scenarios here")
    try:
        with transaction.atomic():
            scenario = services.scenario_from_vulnerability(item, by=user)
    except (ValidationError, LinkInputError, LinkConflictError, LinkForbiddenError) as exc:
        messages.error(request, f"no scenario was created: {exc}")
        return HttpResponseRedirect(reverse("web:assetvulnerability_detail", args=[item.pk]))
    messages.success(request, f"Created the scenario {scenario}: rate its consequences and controls.")
    return HttpResponseRedirect(reverse("web:threatscenario_edit", args=[scenario.pk]))
