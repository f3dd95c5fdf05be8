"""Inference state per assessment, cached per process and checked against the database before each use.

Rebuilding an assessment's state reads its responses and loads them into an ``InferenceEngine``; a change
made through this process updates the cached engine incrementally (only what the changed answer reaches),
once its transaction has committed. Freshness is a real version, not a guess: every write of an assessment's
responses (or scope) runs ``bump_inference_version`` in its own transaction, an ``UPDATE ... SET
inference_version = inference_version + 1`` on the assessment row, and a cached state is used only while the
row holds the version it was built at (and the crosswalk's revision is unchanged). No clock is compared, so a
server whose clock is behind another's never answers from stale state. Nothing here is needed by another
process: it is a cache of what the database holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F

from otcsms.assessments.inference import InferenceEngine
from otcsms.assessments.models import Assessment, Response
from otcsms.catalogs import graph

ReqKey = tuple[str, str]
_CAPACITY = 64


@dataclass
class AssessmentState:
    revision: tuple[int, graph.Revision]  # (inference_version, crosswalk revision) it was built at
    engine: InferenceEngine
    index: graph.CrosswalkIndex


_lock = threading.Lock()
_states: OrderedDict[int, AssessmentState] = OrderedDict()


def inference_version(assessment_id: int) -> int:
    """The assessment's current version (0 for a row that no longer exists)."""
    found = Assessment.objects.filter(pk=assessment_id).values_list("inference_version", flat=True).first()
    return found or 0


def bump_inference_version(assessment_id: int) -> int:
    """Move the assessment to a new version; call it inside the transaction of the change. Returns the new
    version (the row is locked by the UPDATE until the transaction ends, so no one else moves it meanwhile)."""
    Assessment.objects.filter(pk=assessment_id).update(inference_version=F("inference_version") + 1)
    return inference_version(assessment_id)


def direct_answers(assessment) -> dict[int | None, dict[ReqKey, str]]:
    """Responses of an assessment as {zone id or None: {(framework key, ref): status}}."""
    key = assessment.framework.key
    by_scope: dict[int | None, dict[ReqKey, str]] = {}
    rows = Response.objects.filter(assessment=assessment).values_list("zone_id", "requirement__ref", "status")
    for zone_id, ref, status in rows.iterator(chunk_size=5000):
        by_scope.setdefault(zone_id, {})[(key, ref)] = status
    return by_scope


def state_for(assessment, load: Callable[[Any], dict[int | None, dict[ReqKey, str]]]) -> AssessmentState:
    """The cached inference state of ``assessment``, rebuilt from ``load(assessment)`` (the answers in force per
    scope, inherited ones included: ``services.answers_in_force``) when the assessment or the crosswalk moved."""
    index = graph.current_index()
    # The version is read before the responses: a write committed in between leaves the state older than its
    # responses (rebuilt at the next use), never the other way round.
    revision = (inference_version(assessment.pk), index.revision)
    with _lock:
        state = _states.get(assessment.pk)
        if state is not None and state.revision == revision:
            _states.move_to_end(assessment.pk)
            return state
    state = AssessmentState(revision, InferenceEngine(index), index)
    for scope, answers in load(assessment).items():
        state.engine.load(scope, answers)
    with _lock:
        _states[assessment.pk] = state
        while len(_states) > _CAPACITY:
            _states.popitem(last=False)
    return state


def apply_change(
    assessment_id: int, zone_id: int | None, key: ReqKey, status: str, before: int, after: int
) -> set[ReqKey]:
    """After one response was committed, moving the assessment from version `before` to `after`: update the
    cached engine in place if it was built at `before`; otherwise leave it (the next use rebuilds it)."""
    with _lock:
        state = _states.get(assessment_id)
        if state is None or state.revision[0] != before:
            return set()
        changed = state.engine.set_direct(zone_id, key, status)
        state.revision = (after, state.revision[1])
        return changed


def forget(assessment_id: int | None = None) -> None:
    with _lock:
        if assessment_id is None:
            _states.clear()
        else:
            _states.pop(assessment_id, None)
