"""Assessment pages: list, create, overview (progress, SL heat map, coverage, gaps, lifecycle), fast answering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from otcsms.assessments import (
    answer_html,
    explain,
    gapexport,
    gapimport,
    inheritance,
    lifecycle,
    services,
    signoff,
    snapshot,
    wording,
)
from otcsms.assessments.forms import AssessmentForm
from otcsms.assessments.models import Assessment, Response, Status
from otcsms.assessments.results import HEAT_MET, HEAT_NOT_ASSESSED, HEAT_SHORT_MORE, HEAT_SHORT_ONE, HeatCell
from otcsms.assessments.scope import Slot
from otcsms.catalogs.models import ShownGuidance
from otcsms.core import registry
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import InputError, parse_id, parse_int
from otcsms.core.lifecycle import Transition
from otcsms.core.scoping import may_write
from otcsms.iec62443.security_levels import FR_COUNT, MET_FOR_SL_A
from otcsms.plant.models import Zone
from otcsms.ui import generic
from otcsms.ui.links import link_panel
from otcsms.ui.sites import current_site_id

FR_LABELS = ["FR 1 IAC", "FR 2 UC", "FR 3 SI", "FR 4 DC", "FR 5 RDF", "FR 6 TRE", "FR 7 RA"]
HEAT_LEGEND = [
    (HEAT_MET, "✓", "target met (SL-A ≥ SL-T)"),
    (HEAT_SHORT_ONE, "−1", "one level short"),
    (HEAT_SHORT_MORE, "✗", "two or more levels short"),
    (HEAT_NOT_ASSESSED, "?", "not assessed: no answers yet"),
]
MAX_ROWS_SHOWN = 1000
HISTORY_PLACEHOLDER = 999_999_999_999
MAX_GAPS_SHOWN = 500  # on the overview; the downloads and the printable view list all
MAX_SLOTS_PER_SAVE = 2000  # the API's bulk limit
INFERRED_STATUSES = ("not_met", "partially_met", "met")
# A refused workflow's status: who (403), the state or a concurrent write (409), the values (422).
REFUSAL_STATUS: dict[type[Exception], int] = {
    services.TransitionForbiddenError: 403,
    services.AssessmentStateError: 409,
    services.AssessmentConflictError: 409,
    services.AssessmentInputError: 422,
}
REFUSALS = tuple(REFUSAL_STATUS)


def _refusal_status(exc: Exception) -> int:
    return next(status for kind, status in REFUSAL_STATUS.items() if isinstance(exc, kind))


class AssessmentList(generic.ScopedListView):
    model = Assessment
    url_base = "web:assessment"
    select_related = ("site", "framework")
    columns = [("Assessment", "name"), ("Site", "site"), ("Framework", "framework"), ("State", "state"),
               ("Started", "started_on")]  # fmt: skip
    search_fields = ("name", "framework__name")


def _visible(request: AuthedRequest, pk: int) -> Assessment:
    qs = Assessment.objects.for_user(request.user).select_related("site", "framework", "completed_by")
    return get_object_or_404(qs, pk=pk)


def _may_answer(request: AuthedRequest, assessment: Assessment) -> bool:
    return assessment.answerable and may_write(request.user, Assessment, assessment.site_id)


@login_required
def create(request: AuthedRequest) -> HttpResponse:
    form = AssessmentForm(request.POST or None, user=request.user, initial={"site": current_site_id(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not may_write(request.user, Assessment, data["site"].pk):
            raise PermissionDenied("you may not assess this site")
        try:
            with transaction.atomic():
                assessment = services.create_assessment(
                    site=data["site"], framework=data["framework"], name=data["name"],
                    zone_ids=[z.pk for z in data["zones"]], target_maturity=data["target_maturity"],
                    assessor=request.user, description=data["description"],
                )  # fmt: skip
        except services.AssessmentInputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Created {assessment}.")
            return redirect("web:assessment_answer", pk=assessment.pk)
    return render(request, "assessments/form.html", {"form": form})


# --- overview and lifecycle -----------------------------------------------------------------------


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible(request, pk))


def _detail_page(request: AuthedRequest, assessment: Assessment, status: int = 200) -> HttpResponse:
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    answer_url = reverse("web:assessment_answer", args=[assessment.pk])
    heat = [
        {
            "zone": zone,
            "cells": [
                (FR_LABELS[cell.fr - 1], cell, _heat_link(answer_url, zone.pk, cell)) for cell in cells
            ],
        }
        for zone, cells in services.heat_rows(assessment)
    ]
    gaps = gapexport.gap_rows(assessment)
    transitions = [
        t
        for t in lifecycle.available(assessment.state)
        if signoff.may_transition(request.user, assessment, t)
    ]
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "progress": services.progress(assessment), "heat": heat,
        "fr_labels": FR_LABELS, "heat_legend": HEAT_LEGEND, "coverage": services.coverage_report(assessment),
        "gap_groups": gapexport.grouped(gaps[:MAX_GAPS_SHOWN]), "gap_count": len(gaps),
        "gaps_shown": MAX_GAPS_SHOWN, "zones": zones, "can_answer": _may_answer(request, assessment),
        "redundant": services.redundancy_report(assessment)[:50], "transitions": transitions,
        "reason_max": lifecycle.REASON_MAX, **link_panel(request.user, assessment),
        "scope_changes": snapshot.scope_changes(assessment), "fr_names": FR_LABELS,
    }, status=status)  # fmt: skip


def _heat_link(answer_url: str, zone_id: int, cell: HeatCell) -> str:
    """The answer page for one heat-map cell: the zone's requirements in that FR, only those holding SL-A down
    unless the target is met (then all of them, to review)."""
    query = {"zone": zone_id, "fr": cell.fr}
    if cell.state != HEAT_MET:
        query["failing"] = 1
    return f"{answer_url}?{urlencode(query)}"


@login_required
@require_POST
def complete(request: AuthedRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lifecycle.COMPLETE)


@login_required
@require_POST
def reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, lifecycle.REOPEN)


def _transition(request: AuthedRequest, pk: int, transition: Transition) -> HttpResponse:
    assessment = _visible(request, pk)
    run = signoff.complete_assessment if transition is lifecycle.COMPLETE else signoff.reopen_assessment
    try:
        with transaction.atomic():
            done = run(assessment, request.user, request.POST.get("reason", ""))
    except REFUSALS as exc:
        messages.error(request, f"Not {transition.verb}: {exc}.")
        return _detail_page(request, assessment, status=_refusal_status(exc))
    messages.success(request, f"{transition.verb.capitalize()} {done.name}.")
    return redirect("web:assessment_detail", pk=done.pk)


@login_required
@require_POST
def rescope(request: AuthedRequest, pk: int) -> HttpResponse:
    """Adopt the zones' current SL-T as the assessment's scope (audited)."""
    assessment = _visible(request, pk)
    try:
        snapshot.rescope(assessment, request.user)
    except REFUSALS as exc:
        messages.error(request, f"Not rescoped: {exc}.")
        return _detail_page(request, assessment, status=_refusal_status(exc))
    messages.success(request, "Rescoped: the assessment now follows the zones' current SL-T.")
    return redirect("web:assessment_detail", pk=assessment.pk)


# --- the gap list as it leaves the tool ----------------------------------------------------------


@login_required
def gaps_download(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    """The gap list as CSV or XLSX: the columns of `otcsms gaps`, comments and evidence included."""
    assessment = _visible(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("no such format")
    data = gapexport.write(assessment, gapexport.gap_rows(assessment), fmt)
    response = HttpResponse(data, content_type=gapexport.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{gapexport.filename(assessment, fmt)}"'
    return response


@login_required
@require_POST
def gaps_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """The gap list back, edited (status, owner, comment): all or nothing, every problem listed."""
    from otcsms.plant.importfiles import MAX_FILE_BYTES, ImportRejected

    assessment = _visible(request, pk)
    if not _may_answer(request, assessment):
        raise PermissionDenied("only contributors of the site answer an assessment in progress")
    upload = request.FILES.get("file")
    detail = reverse("web:assessment_detail", args=[assessment.pk]) + "#gaps-heading"
    if upload is None or (upload.size or 0) > MAX_FILE_BYTES:
        messages.error(request, "Choose the edited gap list (.xlsx or .csv, at most 50 MB).")
        return redirect(detail)
    try:
        with transaction.atomic():
            result = gapimport.import_gaps(assessment, upload.read(MAX_FILE_BYTES + 1), upload.name or "",
                                           by=request.user)  # fmt: skip
    except ImportRejected as exc:
        shown = "; ".join(str(p) for p in exc.problems[:20])
        more = f" (and {len(exc.problems) - 20} more)" if len(exc.problems) > 20 else ""
        messages.error(request, f"{len(exc.problems)} problem(s), nothing was changed: {shown}{more}")
        return redirect(detail)
    messages.success(request, result.describe()[:1].upper() + result.describe()[1:] + ".")
    return redirect(detail)


@login_required
def gaps_print(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every gap on a plain page made for printing (no navigation)."""
    assessment = _visible(request, pk)
    rows = gapexport.gap_rows(assessment)
    return render(request, "assessments/gaps_print.html", {
        "assessment": assessment, "gap_groups": gapexport.grouped(rows), "gap_count": len(rows),
        "printed": timezone.localtime(),
    })  # fmt: skip


# --- answering ------------------------------------------------------------------------------------


@login_required
def answer_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """One row per requirement and zone; keyboard: j/k move, 1-4 and 0 set a status, x select, / filter."""
    return _answer_page(request, _visible(request, pk))


def _answer_filters(query: QueryDict, zones: dict, groups: list[str], by_fr: bool) -> dict[str, str]:
    """The page's filters; a value it does not offer (a hand-edited URL) is ignored rather than showing
    an empty page. ``fr`` (1-7, 62443-3-3 only) and ``failing`` (rows holding SL-A down: not met, partially
    met or not assessed) are what a heat-map cell links to."""
    raw_zone = query.get("zone", "")
    zone = parse_id(raw_zone)
    status = query.get("status", "")
    group = query.get("group", "")
    fr = parse_int(query.get("fr", ""), minimum=1, maximum=FR_COUNT) if by_fr else None
    return {
        "zone": "site" if raw_zone == "site" and zones else str(zone) if zone in zones else "",
        "status": status if status in Status.values else "",
        "group": group if group in groups else "",
        "fr": str(fr) if fr is not None else "",
        "failing": "1" if query.get("failing", "") == "1" else "",
    }


@dataclass
class AnswerRow:
    """One row of the answer page: a requirement where it may be answered (a zone, a parent zone for the zones
    below it, or the site), its own response and, when that has no real answer, the one it inherits."""

    slot: Slot
    title: str
    group: str
    fr: int | None
    zone: Zone | None
    response: Response | None  # its own (None: never answered here)
    in_force: inheritance.Effective[Response] | None  # the answer it shows: its own, or inherited
    inherited_from: str  # "" or "site" or a zone's name
    for_many: bool  # answers for the zones below it (the site, or a zone with zones below)
    guidance: ShownGuidance | None
    # built once per page (see _prepare_selects): the <option>s of its status and owner selects, its history
    status_options: str = ""
    owner_options: str = ""
    history_url: str = ""
    why_url: str = ""
    # the evidence cell (safe HTML) from the apps that contribute one (core.registry ``response_evidence``)
    evidence: str = ""

    @property
    def status(self) -> str:
        return self.in_force.answer.status if self.in_force else Status.NOT_ASSESSED

    @property
    def key(self) -> str:
        """``requirement:zone`` as the page posts it (zone empty for the site)."""
        zone = self.slot.zone_id
        return f"{self.slot.requirement_id}:{'' if zone is None else zone}"

    @property
    def scope_key(self) -> str:
        return "site" if self.slot.zone_id is None else str(self.slot.zone_id)


def _answer_rows(assessment: Assessment, zones: dict[int, Zone]) -> list[AnswerRow]:
    zone_slots = services.slots(assessment)
    allowed = services.answer_scopes(assessment, zone_slots)
    own = services.responses_by_slot(assessment)
    in_force = services.effective_responses(assessment, list(allowed.values()), own)
    meta = services.requirement_meta(assessment.framework)
    guidance = services.guidance_by_requirement(assessment.framework)
    fr_of = services.fr_by_requirement(assessment.framework) if zones else {}
    key = assessment.framework.key
    zone_rows = {(s.requirement_id, s.zone_id) for s in zone_slots}
    rows = []
    for where, slot in allowed.items():
        info = meta.get((key, slot.ref))
        found = in_force.get(where)
        shown = guidance.get(slot.requirement_id)
        rows.append(AnswerRow(
            slot, info.title if info else "", info.group if info else "", fr_of.get(slot.requirement_id),
            zones.get(slot.zone_id) if slot.zone_id is not None else None, own.get(where), found,
            gapexport.inherited_label(found.source, zones) if found and found.inherited else "",
            (bool(zones) and where not in zone_rows)
            or (slot.zone_id is not None and _has_below(slot.zone_id, zones)),
            shown,
        ))  # fmt: skip
    return rows


def _has_below(zone_id: int, zones: dict[int, Zone]) -> bool:
    return any(z.parent_id == zone_id for z in zones.values())


def _answer_page(request: AuthedRequest, assessment: Assessment, status: int = 200) -> HttpResponse:
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    by_fr = bool(zones)  # a zone-based framework (62443-3-3): its rows have an FR
    everything = _answer_rows(assessment, zones)
    groups = list(dict.fromkeys(row.group for row in everything))
    filters = _answer_filters(request.GET, zones, groups, by_fr)
    fr = int(filters["fr"]) if filters["fr"] else None
    rows = [
        row
        for row in everything
        if (
            row.scope_key == filters["zone"] if filters["zone"] else row.slot.zone_id is not None or not zones
        )
        and (not filters["status"] or row.status == filters["status"])
        and (not filters["group"] or row.group == filters["group"])
        and (fr is None or row.fr == fr)
        and (not filters["failing"] or row.status not in MET_FOR_SL_A)
    ]
    if zones:  # a zone's rows together, zones by name, each in reading order (site rows come alone)
        order = {r.pk: i for i, r in enumerate(services.framework_requirements(assessment.framework))}
        names = {pk: i for i, pk in enumerate(zones)}
        rows.sort(key=lambda r: (names.get(r.slot.zone_id or 0, -1), order.get(r.slot.requirement_id, 0)))
    shown_rows = rows[:MAX_ROWS_SHOWN]
    owners = list(services.site_members(assessment.site_id).values_list("pk", "username"))
    _prepare_selects(shown_rows, owners, assessment)
    # Each requirement's guidance is rendered once (a <template>), not once per zone: the page's script copies it
    # into a row's panel when that is opened. A 62443-3-3 site has the same SR in every zone.
    guidance = {
        row.slot.requirement_id: {"pk": row.slot.requirement_id, "shown_guidance": row.guidance}
        for row in shown_rows
        if row.guidance
    }
    evidence_column = _evidence_cells(request, shown_rows)
    can_answer = _may_answer(request, assessment)
    return render(request, "assessments/answer.html", {
        "assessment": assessment, "rows": shown_rows, "truncated": len(rows) > MAX_ROWS_SHOWN,
        "rows_html": answer_html.rows_html(
            shown_rows, can_answer=can_answer, zone_based=by_fr, evidence_column=evidence_column
        ),
        "guidance": guidance.values(),
        "evidence_column": evidence_column,
        "zones": zones.values(), "groups": groups, "statuses": Status.choices, "filters": filters,
        "filtered": any(filters.values()), "fr_choices": list(enumerate(FR_LABELS, start=1)) if by_fr else [],
        "progress": services.progress(assessment), "can_answer": can_answer,
        "has_maturity": services.has_maturity(assessment.framework),
        "zone_based": by_fr,
    }, status=status)  # fmt: skip


def _evidence_cells(request: AuthedRequest, rows: list[AnswerRow]) -> bool:
    """Each row's evidence cell (``row.evidence``, safe HTML), from the apps above this one that contribute
    one (core.registry ``response_evidence``); False when none does and the page has no such column."""
    hooks = registry.response_evidence()
    for row in rows:
        row.evidence = SafeString("")  # a cell that is not SafeString itself stays escaped when added
    ids = [row.response.pk for row in rows if row.response is not None]
    for hook in hooks:
        cells = registry.resolve(hook)(request.user, ids)
        for row in rows:
            if row.response is not None and row.response.pk in cells:
                row.evidence = SafeString(row.evidence + cells[row.response.pk])
    return bool(hooks)


def _options(choices: list[tuple[Any, str]], selected: Any) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, " selected" if v == selected else "", label) for v, label in choices),
    )


def _prepare_selects(rows: list[AnswerRow], owners: list[tuple[int, str]], assessment: Assessment) -> None:
    """The options of each row's status and owner selects, built once per distinct value: rendering them in the
    template for each of up to 1,000 rows took most of the page's time."""
    statuses = {code: _options(list(Status.choices), code) for code in Status.values}
    # one reverse() for the page, not one per row: the history URL with a placeholder id
    history = reverse("web:history", args=["assessments.response", HISTORY_PLACEHOLDER])
    why = f"{reverse('web:assessment_inferred', args=[assessment.pk])}?framework={quote(assessment.framework.key)}"
    owner_choices: list[tuple[Any, str]] = [("", "—"), *owners]
    by_owner: dict[int | None, str] = {}
    for row in rows:
        owner_id = row.response.owner_id if row.response else None
        if owner_id not in by_owner:
            by_owner[owner_id] = _options(owner_choices, owner_id if owner_id is not None else "")
        row.status_options = statuses[row.status]
        row.owner_options = by_owner[owner_id]
        zone = f"&zone={row.slot.zone_id}" if row.slot.zone_id is not None else ""
        row.why_url = f"{why}&requirement={quote(row.slot.ref)}{zone}"
        if row.response is not None:
            row.history_url = history.replace(f"/{HISTORY_PLACEHOLDER}/", f"/{row.response.pk}/")


@login_required
@require_POST
def answer_override(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give a zone its own answer where it inherits one: a copy of the inherited answer, to change from there."""
    assessment = _visible(request, pk)
    if not may_write(request.user, Assessment, assessment.site_id):
        return _answer_refused(request, assessment, "you may not answer this assessment", 403)
    try:
        requirement_id, zone_id = _parse_slot(request.POST.get("slot", ""))
        if zone_id is None:
            raise InputError("the site's answer is inherited by nothing: choose a zone's row")
        with transaction.atomic():
            services.override_inherited(assessment, requirement_id, zone_id, request.user)
    except InputError as exc:
        return _answer_refused(request, assessment, str(exc), 400)
    except REFUSALS as exc:
        return _answer_refused(request, assessment, str(exc), _refusal_status(exc))
    messages.success(request, "The zone now has its own answer (a copy of the one it inherited).")
    return redirect(f"{reverse('web:assessment_answer', args=[assessment.pk])}?zone={zone_id}")


@login_required
@require_POST
def answer_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save one row (the answer page's script) or a bulk selection ("slot" repeated as requirement:zone).

    Only the fields posted change: the script posts the status and/or the comment it changed, so evidence
    and maturity set through the API stay. The bulk bar's empty comment means "keep the comments".
    """
    assessment = _visible(request, pk)
    if not may_write(request.user, Assessment, assessment.site_id):
        return _answer_refused(request, assessment, "you may not answer this assessment", 403)
    try:
        answers = _answers_from(request.POST)
    except InputError as exc:
        return _answer_refused(request, assessment, str(exc), 400)
    try:
        with transaction.atomic():
            services.set_responses(assessment, answers, request.user)
    except REFUSALS as exc:
        return _answer_refused(request, assessment, str(exc), _refusal_status(exc))
    if request.htmx:
        progress = services.progress(assessment)
        return HttpResponse(
            f"{progress['answered']} / {progress['total']} answered ({progress['percent']}%)",
            content_type="text/plain; charset=utf-8",
        )
    messages.success(request, f"Saved {len(answers)} answer{'s' if len(answers) != 1 else ''}.")
    return redirect("web:assessment_answer", pk=assessment.pk)


def _answer_refused(
    request: AuthedRequest, assessment: Assessment, message: str, status: int
) -> HttpResponse:
    """The script shows the server's words on the row; a plain form post gets the page back, read-only if
    the assessment is completed."""
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, f"Not saved: {message}.")
    return _answer_page(request, assessment, status=status)


def _answers_from(data: QueryDict) -> list[services.Answer]:
    raw_slots = data.getlist("slot")
    if not raw_slots:
        raise InputError("nothing selected: choose at least one row")
    if len(raw_slots) > MAX_SLOTS_PER_SAVE:
        raise InputError(f"at most {MAX_SLOTS_PER_SAVE} rows at once: narrow the selection")
    fields = _posted_fields(data)
    return [services.Answer(*_parse_slot(raw), **fields) for raw in raw_slots]


def _parse_slot(raw: str) -> tuple[int, int | None]:
    """``requirement:zone`` as two database ids; the zone is empty for a site-wide requirement."""
    requirement, _, zone = raw.partition(":")
    requirement_id = parse_id(requirement)
    zone_id = parse_id(zone) if zone else None
    if requirement_id is None or (zone and zone_id is None):
        raise InputError("malformed row: expected requirement:zone (ids)")
    return requirement_id, zone_id


def _posted_fields(data: QueryDict) -> dict[str, Any]:
    """The answer fields the request gives; a field not posted keeps its stored value."""
    fields: dict[str, Any] = {}
    if "status" in data:
        fields["status"] = data["status"]
    if "comment" in data and (data["comment"] or data.get("empty_comment") != "keep"):
        fields["comment"] = data["comment"]
    if "owner" in data:
        raw_owner = data.get("owner") or ""
        owner = parse_id(raw_owner)
        if raw_owner and owner is None:
            raise InputError("owner must be a user id (empty clears it)")
        fields["owner_id"] = owner
    if "maturity" in data:
        raw = data.get("maturity") or ""
        level = parse_int(raw, minimum=0, maximum=4)
        if raw.strip() and level is None:
            raise InputError("maturity must be a level from 0 to 4 (empty clears it)")
        fields["maturity"] = level
    return fields


@login_required
def inferred_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """Why one requirement has its status in one scope: the answers it is inferred from, hop by hop, or for a
    direct answer what it gives the other frameworks."""
    assessment = _visible(request, pk)
    framework = request.GET.get("framework", "")[:100]
    ref = request.GET.get("requirement", "")[:100]
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    zone_id = parse_id(request.GET.get("zone", ""))  # anything but an id: the site-wide result
    explanation = explain.explain(assessment, zone_id, (framework, ref))
    return render(request, "assessments/inferred.html", {
        "inherited_from": _inherited_from(assessment, zones, zone_id, framework, ref),
        "assessment": assessment, "x": explanation, "zone": zones.get(zone_id) if zone_id else None,
        "why_url": reverse("web:assessment_inferred", args=[assessment.pk]),
        "partial_evidence_note": wording.partial_evidence_note(),
    })  # fmt: skip


def _inherited_from(
    assessment: Assessment, zones: dict[int, Zone], zone_id: int | None, key: str, ref: str
) -> str:
    """Where the zone's answer to a requirement of the assessed framework comes from when it inherits it: "site"
    or the zone's name; "" for its own answer (or none)."""
    if zone_id is None or zone_id not in zones or key != assessment.framework.key:
        return ""
    slot = next((s for s in services.slots(assessment) if s.ref == ref and s.zone_id == zone_id), None)
    if slot is None:
        return ""
    found = services.effective_responses(assessment, [slot]).get((slot.requirement_id, zone_id))
    return gapexport.inherited_label(found.source, zones) if found and found.inherited else ""


@login_required
def inferred_list(request: AuthedRequest, pk: int) -> HttpResponse:
    """What the assessment's answers imply for one other framework (the coverage bar's detail)."""
    assessment = _visible(request, pk)
    names = services.catalog_index().names
    framework = request.GET.get("framework", "")[:100]
    if framework not in names or framework == assessment.framework.key:
        framework = ""
    status = request.GET.get("status", "")
    if status not in INFERRED_STATUSES:
        status = ""
    rows, total = explain.inferred_results(assessment, framework, status) if framework else ([], 0)
    return render(request, "assessments/inferred_list.html", {
        "assessment": assessment, "framework": framework, "framework_name": names.get(framework, ""),
        "status": status, "rows": rows, "total": total, "zones": {z.pk: z for z in services.zones_in_scope(assessment)},
        "frameworks": sorted((name, key) for key, name in names.items() if key != assessment.framework.key),
        "why_url": reverse("web:assessment_inferred", args=[assessment.pk]), "status_choices": INFERRED_STATUSES,
    })  # fmt: skip
