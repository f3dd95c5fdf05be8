"""Assessment pages: list, create, overview (progress, SL heat map, coverage, gaps), fast answering."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from otcsms.assessments import services
from otcsms.assessments.forms import AssessmentForm
from otcsms.assessments.models import Assessment, Status
from otcsms.core.scoping import may_write
from otcsms.web import generic
from otcsms.web.sites import current_site_id

FR_LABELS = ["FR 1 IAC", "FR 2 UC", "FR 3 SI", "FR 4 DC", "FR 5 RDF", "FR 6 TRE", "FR 7 RA"]


class AssessmentList(generic.ScopedListView):
    model = Assessment
    url_base = "web:assessment"
    select_related = ("site", "framework")
    columns = [("Assessment", "name"), ("Site", "site"), ("Framework", "framework"), ("State", "state"),
               ("Started", "started_on")]  # fmt: skip
    search_fields = ("name", "framework__name")


def _visible(request: HttpRequest, pk: int) -> Assessment:
    qs = Assessment.objects.for_user(request.user).select_related("site", "framework")
    return get_object_or_404(qs, pk=pk)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = AssessmentForm(request.POST or None, user=request.user, initial={"site": current_site_id(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not may_write(request.user, Assessment, data["site"].pk):
            raise PermissionDenied("you may not assess this site")
        try:
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


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    heat = [
        {"zone": zones[row.zone], "cells": list(zip(FR_LABELS, row.sl_t, row.sl_a, row.gap, strict=True))}
        for row in services.heatmap(assessment)
    ]
    gaps = services.gaps(assessment)
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "progress": services.progress(assessment), "heat": heat,
        "fr_labels": FR_LABELS, "coverage": services.coverage_report(assessment), "gaps": gaps[:200],
        "gap_count": len(gaps), "zones": zones, "can_answer": may_write(request.user, Assessment, assessment.site_id),
        "redundant": services.redundancy_report(assessment)[:50],
    })  # fmt: skip


@login_required
def answer_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per requirement and zone; keyboard: j/k move, 1-5 set a status, x select, / filter."""
    assessment = _visible(request, pk)
    zones = {z.pk: z for z in services.zones_in_scope(assessment)}
    responses = services.responses_by_slot(assessment)
    meta = services.requirement_meta(assessment.framework)
    key = assessment.framework.key
    zone_filter = request.GET.get("zone", "")
    status_filter = request.GET.get("status", "")
    group_filter = request.GET.get("group", "")
    rows = []
    groups: OrderedDict[str, None] = OrderedDict()
    for slot in services.slots(assessment):
        info = meta.get((key, slot.ref))
        group = info.group if info else ""
        groups[group] = None
        response = responses.get((slot.requirement_id, slot.zone_id))
        status = response.status if response else Status.NOT_ASSESSED
        if zone_filter and str(slot.zone_id) != zone_filter:
            continue
        if status_filter and status != status_filter:
            continue
        if group_filter and group != group_filter:
            continue
        rows.append({"slot": slot, "title": info.title if info else "", "group": group, "status": status,
                     "response": response, "zone": zones.get(slot.zone_id)})  # fmt: skip
    return render(request, "assessments/answer.html", {
        "assessment": assessment, "rows": rows[:1000], "truncated": len(rows) > 1000, "zones": zones.values(),
        "groups": list(groups), "statuses": Status.choices, "filters": {"zone": zone_filter,
        "status": status_filter, "group": group_filter}, "progress": services.progress(assessment),
        "can_answer": may_write(request.user, Assessment, assessment.site_id),
        "has_maturity": services.has_maturity(assessment.framework),
    })  # fmt: skip


@login_required
@require_POST
def answer_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one row (htmx) or a bulk selection ("slot" repeated as requirement:zone)."""
    assessment = _visible(request, pk)
    if not may_write(request.user, Assessment, assessment.site_id):
        raise PermissionDenied("you may not answer this assessment")
    answers = []
    for raw in request.POST.getlist("slot"):
        requirement, _, zone = raw.partition(":")
        if not requirement.isdigit() or (zone and not zone.isdigit()):
            return HttpResponse("malformed slot", status=400)
        maturity = request.POST.get("maturity", "")
        answers.append(services.Answer(
            requirement_id=int(requirement), zone_id=int(zone) if zone else None,
            status=request.POST.get("status", ""), comment=request.POST.get("comment", "")[:10000],
            maturity=int(maturity) if maturity.isdigit() else None,
        ))  # fmt: skip
    if not answers:
        return HttpResponse("nothing selected", status=400)
    try:
        services.set_responses(assessment, answers, request.user)
    except services.AssessmentInputError as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=422)
        messages.error(request, str(exc))
        return redirect("web:assessment_answer", pk=assessment.pk)
    if request.htmx:
        progress = services.progress(assessment)
        return HttpResponse(f"{progress['answered']} / {progress['total']} answered ({progress['percent']}%)")
    messages.success(request, f"Saved {len(answers)} answer{'s' if len(answers) != 1 else ''}.")
    return redirect("web:assessment_answer", pk=assessment.pk)


@login_required
def inferred_page(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible(request, pk)
    framework = request.GET.get("framework", "")[:100]
    ref = request.GET.get("requirement", "")[:100]
    zone = request.GET.get("zone", "")
    zone_id = int(zone) if zone.isdigit() else None
    result = services.inferred_for(assessment, zone_id, (framework, ref))
    return render(request, "assessments/inferred.html", {
        "assessment": assessment, "framework": framework, "ref": ref, "zone_id": zone_id, "result": result,
    })  # fmt: skip
