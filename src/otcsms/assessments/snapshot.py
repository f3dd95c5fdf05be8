"""The scope snapshot: the SL-T an assessment follows, how the zones' SL-T differs from it now, and rescoping.

An assessment records its zones' SL-T when it starts (``Assessment.sl_t_snapshot``) and follows that, not the
zones' current targets, until someone with the right to answer adopts the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from otcsms.assessments import lifecycle, state
from otcsms.assessments.models import Assessment
from otcsms.assessments.scope import slots_for
from otcsms.assessments.services import (
    AssessmentInputError,
    AssessmentStateError,
    TransitionForbiddenError,
    as_assessed,
    current_sl_t,
    framework_requirements,
)
from otcsms.core.audit import with_reason
from otcsms.core.models import User
from otcsms.core.scoping import may_write
from otcsms.plant.models import Zone


@dataclass(frozen=True, slots=True)
class LevelChange:
    """One FR of one zone whose SL-T differs from the assessment's snapshot (None: no SL-T, or no zone)."""

    zone_id: int
    zone: str
    fr: int  # 1-7
    old: int | None
    new: int | None


@dataclass(frozen=True, slots=True)
class ScopeChanges:
    """What a rescope would change: SL-T per zone and FR, and the (zone, requirement) rows entering or leaving
    the scope; ``zone`` names are the current ones ("zone N" for one deleted since)."""

    levels: tuple[LevelChange, ...]
    added: tuple[tuple[str, str], ...]  # (zone, requirement ref), in zone then reading order
    removed: tuple[tuple[str, str], ...]

    def __bool__(self) -> bool:
        return bool(self.levels or self.added or self.removed)


def _zones_now(assessment: Assessment) -> list[Zone]:
    chosen = list(assessment.zones.order_by("name"))
    return chosen or list(Zone.objects.filter(site_id=assessment.site_id).order_by("name"))


def scope_changes(assessment: Assessment) -> ScopeChanges:
    """The difference between the SL-T the assessment follows (its snapshot) and the zones' SL-T now."""
    snapshot = assessment.sl_t_snapshot
    if snapshot is None:
        return ScopeChanges((), (), ())
    now = _zones_now(assessment)
    names = {z.pk: z.name for z in now}
    current = current_sl_t(now)
    levels = []
    for key in sorted(set(snapshot) | set(current), key=lambda k: (names.get(int(k), f"zone {k}"), int(k))):
        old, new = snapshot.get(key), current.get(key)
        for fr in range(1, 8):
            before = old[fr - 1] if old else None
            after = new[fr - 1] if new else None
            if before != after:
                levels.append(LevelChange(int(key), names.get(int(key), f"zone {key}"), fr, before, after))
    requirements = framework_requirements(assessment.framework)
    order = {r.pk: i for i, r in enumerate(requirements)}
    then = {
        (s.zone_id, s.requirement_id): s.ref
        for s in slots_for(assessment, as_assessed(assessment, now), requirements)
    }
    fresh = {(s.zone_id, s.requirement_id): s.ref for s in slots_for(assessment, now, requirements)}

    def listed(
        keys: set[tuple[int | None, int]], refs: dict[tuple[int | None, int], str]
    ) -> tuple[tuple[str, str], ...]:
        ordered = sorted(keys, key=lambda k: (names.get(k[0] or 0, ""), order.get(k[1], 0)))
        return tuple((names.get(k[0] or 0, "site"), refs[k]) for k in ordered)

    return ScopeChanges(
        tuple(levels), listed(set(fresh) - set(then), fresh), listed(set(then) - set(fresh), then)
    )


def rescope(assessment: Assessment, user: User) -> Assessment:
    """Adopt the zones' current SL-T (and zones added since) as the assessment's scope: an audited change of
    the assessment, by a writer of its site, while it is in progress."""
    if not may_write(user, Assessment, assessment.site_id, "change"):
        raise TransitionForbiddenError("only those who may answer the assessment may rescope it")
    if assessment.sl_t_snapshot is None:
        raise AssessmentInputError(f"{assessment.framework.name} is answered per site: it has no SL-T scope")
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("framework").get(pk=assessment.pk)
        if not lifecycle.answerable(locked.state):
            raise AssessmentStateError("the assessment is completed: reopen it (with a reason) to rescope it")
        locked.sl_t_snapshot = current_sl_t(_zones_now(locked))
        with_reason(locked, "rescoped to the zones' current SL-T")
        locked.full_clean()
        locked.save()
        state.bump_inference_version(locked.pk)
    return locked
