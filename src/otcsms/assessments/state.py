"""Inference state per assessment, cached per process and checked against the database before each use.

Rebuilding an assessment's state reads its responses and loads them into an ``InferenceEngine``; a change
made through this process updates the cached engine incrementally (only what the changed answer reaches).
A change made by another process changes the revision (count, last id, last answer time of the
responses, and the crosswalk's revision), so no process ever answers from stale state. Nothing here is
needed by another process: it is a cache of what the database holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Count, Max

from otcsms.assessments.inference import InferenceEngine
from otcsms.assessments.models import Response
from otcsms.catalogs import graph

ReqKey = tuple[str, str]
_CAPACITY = 64


@dataclass
class AssessmentState:
    revision: tuple
    engine: InferenceEngine
    index: graph.CrosswalkIndex


_lock = threading.Lock()
_states: OrderedDict[int, AssessmentState] = OrderedDict()


def responses_revision(assessment_id: int) -> tuple:
    agg = Response.objects.filter(assessment_id=assessment_id).aggregate(
        n=Count("id"), last_id=Max("id"), last_answer=Max("answered_at")
    )
    return agg["n"], agg["last_id"], agg["last_answer"]


def direct_answers(assessment) -> dict[int | None, dict[ReqKey, str]]:
    """Responses of an assessment as {zone id or None: {(framework key, ref): status}}."""
    key = assessment.framework.key
    by_scope: dict[int | None, dict[ReqKey, str]] = {}
    rows = Response.objects.filter(assessment=assessment).values_list("zone_id", "requirement__ref", "status")
    for zone_id, ref, status in rows.iterator(chunk_size=5000):
        by_scope.setdefault(zone_id, {})[(key, ref)] = status
    return by_scope


def state_for(assessment) -> AssessmentState:
    index = graph.current_index()
    revision = (responses_revision(assessment.pk), index.revision)
    with _lock:
        state = _states.get(assessment.pk)
        if state is not None and state.revision == revision:
            _states.move_to_end(assessment.pk)
            return state
    state = AssessmentState(revision, InferenceEngine(index), index)
    for scope, answers in direct_answers(assessment).items():
        state.engine.load(scope, answers)
    with _lock:
        _states[assessment.pk] = state
        while len(_states) > _CAPACITY:
            _states.popitem(last=False)
    return state


def apply_change(
    assessment, zone_id: int | None, key: ReqKey, status: str, previous_revision: tuple
) -> set[ReqKey]:
    """After saving one response: update the cached engine in place if it was current before the change."""
    with _lock:
        state = _states.get(assessment.pk)
    if state is None or state.revision[0] != previous_revision:
        return set()
    changed = state.engine.set_direct(zone_id, key, status)
    with _lock:
        state.revision = (responses_revision(assessment.pk), state.revision[1])
    return changed


def forget(assessment_id: int | None = None) -> None:
    with _lock:
        if assessment_id is None:
            _states.clear()
        else:
            _states.pop(assessment_id, None)
