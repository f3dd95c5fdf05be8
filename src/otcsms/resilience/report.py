"""The drill report (``otcsms report drills``, the Reports page, ``/api/v1/reports/drills``): per exercise of a
site, the scenario, participants, timeline, measured times, outcome per success criterion and the lessons with
the roadmap actions they became. The reports app renders it to HTML and PDF (declared in registry.py).

This app sits below the reports app, so the builder returns a mapping (title, template, context, summary) and
refuses a bad parameter with ValueError, as docs/reports.md asks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from otcsms import __version__
from otcsms.core.inputs import parse_id
from otcsms.core.models import AuditChainHead, AuditEvent, User
from otcsms.resilience.models import Exercise
from otcsms.tenancy.models import Site

MAX_EXERCISES = 25  # the latest of a site, when no exercise is named


def exercise_section(exercise: Exercise) -> dict[str, Any]:
    outcomes = {o.criterion: o for o in exercise.outcomes.all()}
    criteria = []
    for c in exercise.scenario.success_criteria:
        o = outcomes.get(c["key"])
        criteria.append({"text": c["text"], "result": o.get_result_display() if o else "Not assessed",
                         "key": o.result if o else "", "note": o.note if o else ""})  # fmt: skip
    return {
        "exercise": exercise,
        "scenario": exercise.scenario,
        "participants": list(exercise.participants.select_related("person")),
        "entries": list(exercise.entries.all()),
        "measures": exercise.measured_times(),
        "criteria": criteria,
        "met": sum(1 for c in criteria if c["key"] == "met"),
        "lessons": list(exercise.lessons.select_related("action")),
    }


def build(site: Site, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """The exercises of ``site`` the user can see: the one named by ``params['exercise']``, else the latest."""
    exercises = Exercise.objects.for_user(user).filter(site=site).select_related("scenario", "plan__document")
    unknown = set(params) - {"exercise", "assessment"}
    if unknown:
        raise ValueError(f"the drill report takes no parameter {sorted(unknown)[0]!r}")
    if params.get("exercise"):
        pk = parse_id(params["exercise"])
        chosen = exercises.filter(pk=pk).first() if pk is not None else None
        if chosen is None:
            raise ValueError(f"exercise: no exercise {params['exercise'][:40]!r} at {site}")
        picked = [chosen]
    else:
        picked = list(exercises.order_by("-scheduled_for", "-pk")[:MAX_EXERCISES])
    sections = [exercise_section(e) for e in picked]
    held = sum(1 for e in picked if e.status == Exercise.Status.HELD)
    lessons = sum(len(s["lessons"]) for s in sections)
    title = f"Drill report: {picked[0]}" if params.get("exercise") else "Drill report"
    return {
        "title": title,
        "template": "resilience/drill_report.html",
        "context": {"sections": sections},
        "summary": f"{len(picked)} exercise{'s' if len(picked) != 1 else ''} ({held} held), {lessons} lesson"
        f"{'s' if lessons != 1 else ''} learned",
    }


def page_provenance(user: User) -> dict[str, Any]:
    """When, by whom and from which data, for the report shown as a page (the reports app stamps its files)."""
    first = AuditEvent.objects.filter(seq=1).values_list("hash", flat=True).first()
    return {
        "made_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
        "made_by": user.get_username(),
        "instance_id": first[:16] if first else "uninitialised",
        "audit_seq": AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0,
        "version": __version__,
    }
