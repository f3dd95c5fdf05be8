"""Assessment workflows: create, answer (one or many), and read the results. Plain values in, models out."""

from __future__ import annotations

import copy
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from otcsms.assessments import inheritance, lifecycle, results, state
from otcsms.assessments.inference import InferenceEngine
from otcsms.assessments.models import Assessment, AssessmentZone, Response, Status
from otcsms.assessments.scope import SITE, ZONE_FRAMEWORKS, Slot, is_zone_based, sl_catalog, slots_for
from otcsms.catalogs import graph
from otcsms.catalogs.libformat import version_sort_key
from otcsms.catalogs.models import Framework, Requirement, ShownGuidance
from otcsms.core import inputs
from otcsms.core.models import User
from otcsms.core.scoping import memberships
from otcsms.iec62443.security_levels import SlRequirement, SlTable, SlVector, requirements_in_scope, sl_table
from otcsms.plant.models import Zone
from otcsms.plant.services import AchievedLevels

ReqKey = tuple[str, str]


class AssessmentInputError(ValueError):
    """An answer or assessment the rules do not allow; the message says why."""


# --- scope ----------------------------------------------------------------------------------------


def zones_in_scope(assessment: Assessment) -> list[Zone]:
    """The zones the assessment covers, each with the SL-T it is assessed against: the snapshot taken when the
    assessment started (or was last rescoped), not the zone's current SL-T. A zone added to the site since is
    outside the scope until a rescope. The instances are read for this call only and never saved."""
    if not is_zone_based(assessment.framework.key):
        return []
    chosen = list(assessment.zones.order_by("name"))
    return as_assessed(
        assessment, chosen or list(Zone.objects.filter(site_id=assessment.site_id).order_by("name"))
    )


def as_assessed(assessment: Assessment, zones: Iterable[Zone]) -> list[Zone]:
    """Copies of those of ``zones`` in the assessment's snapshot, each holding its SL-T as snapshotted."""
    snapshot = assessment.sl_t_snapshot
    if snapshot is None:  # not taken (a framework answered per site): the zones as they are
        return list(zones)
    assessed = []
    for zone in zones:
        if str(zone.pk) in snapshot:
            view = copy.copy(zone)  # the assessment's view of the zone: in memory only, never saved
            view.sl_t = snapshot[str(zone.pk)]
            assessed.append(view)
    return assessed


def current_sl_t(zones: Iterable[Zone]) -> dict[str, list[int] | None]:
    """A snapshot of the zones' SL-T as stored now: {"<zone id>": [FR1..FR7] or None}."""
    return {str(z.pk): list(z.sl_t) if z.sl_t is not None else None for z in zones}


def zone_parents(site_id: int) -> dict[int, int | None]:
    """Every zone of a site -> the zone it is nested in (None at the top)."""
    return dict(Zone.objects.filter(site_id=site_id).values_list("pk", "parent_id"))


@dataclass(frozen=True, slots=True)
class RequirementRow:
    pk: int
    ref: str
    title: str
    assessable: bool
    attributes: dict
    parent_id: int | None


def framework_requirements(framework: Framework) -> tuple[RequirementRow, ...]:
    """A framework version's requirements in reading order (a loaded version never changes: cached)."""
    return _requirements_of(framework.pk, framework.loaded_at)


@functools.lru_cache(maxsize=32)
def _requirements_of(framework_id: int, loaded_at) -> tuple[RequirementRow, ...]:
    rows = Requirement.objects.filter(framework_id=framework_id).order_by("position")
    return tuple(
        RequirementRow(*row)
        for row in rows.values_list("id", "ref", "title", "assessable", "attributes", "parent_id")
    )


def slots(assessment: Assessment) -> list[Slot]:
    """Every requirement to answer in every zone in scope (or once for the site): what progress counts."""
    return slots_for(assessment, zones_in_scope(assessment), framework_requirements(assessment.framework))


def answer_scopes(
    assessment: Assessment, zone_slots: list[Slot] | None = None
) -> dict[tuple[int, int | None], Slot]:
    """Where each requirement may be answered: its slots, and in a zone-based framework also the site and each
    zone in scope with a zone below it that has the requirement in scope (answered once, inherited below)."""
    found = zone_slots if zone_slots is not None else slots(assessment)
    allowed = {(s.requirement_id, s.zone_id): s for s in found}
    if not is_zone_based(assessment.framework.key):
        return allowed
    by_requirement = {s.requirement_id: s for s in found}
    parents = zone_parents(assessment.site_id)
    zone_ids = [z for z in {s.zone_id for s in found} if z is not None]
    pairs = [(s.requirement_id, s.zone_id) for s in found if s.zone_id is not None]
    for requirement_id, scope in inheritance.answer_scopes(pairs, parents, zone_ids):
        if (requirement_id, scope) not in allowed:
            slot = by_requirement[requirement_id]
            allowed[(requirement_id, scope)] = Slot(requirement_id, slot.ref, scope, slot.sl_required)
    return allowed


def effective_responses(
    assessment: Assessment,
    zone_slots: list[Slot] | None = None,
    stored: dict[tuple[int, int | None], Response] | None = None,
) -> dict[tuple[int, int | None], inheritance.Effective[Response]]:
    """The response in force for every slot: the zone's own answer, else the nearest ancestor zone's, else the
    site's (zone-based frameworks); a slot answered nowhere is left out. ``stored``: the assessment's responses
    if the caller has read them already (``responses_by_slot``)."""
    found = zone_slots if zone_slots is not None else slots(assessment)
    if stored is None:
        rows = Response.objects.filter(assessment=assessment).exclude(status=Status.NOT_ASSESSED)
        stored = {(r.requirement_id, r.zone_id): r for r in rows.select_related("assessor", "owner")}
    answered = {key: r for key, r in stored.items() if r.status != Status.NOT_ASSESSED}
    parents = zone_parents(assessment.site_id) if is_zone_based(assessment.framework.key) else {}
    return inheritance.effective(((s.requirement_id, s.zone_id) for s in found), answered, parents)


def _with_inherited(
    direct: dict[int | None, dict[ReqKey, str]],
    key: str,
    zone_slots: list[Slot],
    parents: dict[int, int | None],
) -> dict[int | None, dict[ReqKey, str]]:
    """``direct`` answers per scope, plus for every zone slot without a real answer of its own the answer it
    inherits: what inference, coverage, the heat map and the delta count for the zone."""
    in_scope: dict[int, list[ReqKey]] = {}
    for s in zone_slots:
        if s.zone_id is not None:
            in_scope.setdefault(s.zone_id, []).append((key, s.ref))
    return inheritance.with_inherited(direct, in_scope, parents, Status.NOT_ASSESSED)


def answers_in_force(assessment: Assessment) -> dict[int | None, dict[ReqKey, str]]:
    """Statuses per scope as inference reads them: the direct answers, and the inherited ones in every zone."""
    direct = state.direct_answers(assessment)
    if not is_zone_based(assessment.framework.key):
        return direct
    return _with_inherited(
        direct, assessment.framework.key, slots(assessment), zone_parents(assessment.site_id)
    )


def inference_state(assessment: Assessment) -> state.AssessmentState:
    """The assessment's inference engine and crosswalk index (cached per process, see state.py)."""
    return state.state_for(assessment, answers_in_force)


# --- writing --------------------------------------------------------------------------------------


def create_assessment(
    *,
    site,
    framework: Framework,
    name: str,
    zone_ids: Iterable[int] = (),
    target_maturity: int | None = None,
    assessor=None,
    description: str = "",
) -> Assessment:
    zone_ids = list(zone_ids)
    zones = list(Zone.objects.filter(site=site, pk__in=zone_ids))
    if len(zones) != len(set(zone_ids)):
        raise AssessmentInputError("every zone must belong to the assessment's site")
    if target_maturity is not None and not has_maturity(framework):
        raise AssessmentInputError(f"{framework.name} has no maturity levels")
    assessment = Assessment(
        site=site, framework=framework, name=name, target_maturity=target_maturity, assessor=assessor,
        description=description,
        target_impact=site.nerc_impact if framework.key.startswith("nerc-cip") and site.nerc_impact != "none" else "",
    )  # fmt: skip
    if is_zone_based(framework.key):
        assessment.sl_t_snapshot = current_sl_t(zones or Zone.objects.filter(site=site))
    with transaction.atomic():
        assessment.full_clean()
        assessment.save()
        for zone in zones:
            AssessmentZone.objects.create(site=site, assessment=assessment, zone=zone)
    return assessment


def has_maturity(framework: Framework) -> bool:
    return (framework.levels or {}).get("scheme") == "maturity-level"


class _Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


# "Not given": an update leaves the field as stored. None, "" and () are values: they clear the field.
UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]
ANSWER_FIELDS = ("status", "maturity", "comment", "evidence", "owner_id")


@dataclass(frozen=True, slots=True)
class Answer:
    """A change to one response: only the fields given are written (a new response starts not assessed)."""

    requirement_id: int
    zone_id: int | None
    status: str | Unset = UNSET
    maturity: int | Unset | None = UNSET
    comment: str | Unset = UNSET
    evidence: tuple[str, ...] | Unset = UNSET
    owner_id: int | Unset | None = UNSET

    def given(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in ANSWER_FIELDS if getattr(self, name) is not UNSET}


CLOSED_MESSAGE = (
    "the assessment is completed: its answers are read-only (an approver can reopen it, with a reason)"
)


class AssessmentStateError(Exception):
    """Not in a state that allows this (answers to a completed assessment, a transition from the wrong
    state, completing with nothing answered); the message says how to proceed."""


class AssessmentConflictError(Exception):
    """Someone else wrote the same rows at the same moment; trying again is safe."""


class TransitionForbiddenError(Exception):
    """This user may not make this lifecycle transition (role, or four eyes)."""


def set_response(assessment: Assessment, answer: Answer, user=None) -> Response:
    """Record one answer (new or changed) and update the inferred results it reaches."""
    return set_responses(assessment, [answer], user)[0]


def set_responses(assessment: Assessment, answers: list[Answer], user=None) -> list[Response]:
    """Record several answers in one transaction; every one is checked before anything is written.

    Each answer changes only the fields it gives, so an answer given in the UI (status and comment)
    keeps the evidence and maturity set through the API. Several answers for one requirement and zone
    apply in order (the last wins). Returns one response per requirement and zone, in first-seen order.
    """
    if not lifecycle.answerable(assessment.state):  # the locked check below is the one that counts
        raise AssessmentStateError(CLOSED_MESSAGE)
    allowed = answer_scopes(assessment)
    for answer in answers:
        _check_answer(assessment, answer, allowed)
    _check_owners(assessment, {a.owner_id for a in answers if isinstance(a.owner_id, int)})
    now = timezone.now()
    try:
        with transaction.atomic():
            before = _lock_answerable(assessment)
            merged = _merge(assessment, answers)
            for response in merged:
                response.assessor = user
                response.answered_at = now
                _validate(response)
            for response in merged:
                response.save()
            after = state.bump_inference_version(assessment.pk)
            if len(merged) == 1 and _changes_one_scope(assessment, merged[0]):
                # Once committed (never for a rolled-back write), this process's cached engine takes the change
                # in place; many answers at once, or one inherited by other zones, are cheaper to reload at
                # the next read.
                only = merged[0]
                key = (assessment.framework.key, allowed[(only.requirement_id, only.zone_id)].ref)
                transaction.on_commit(
                    functools.partial(
                        state.apply_change, assessment.pk, only.zone_id, key, only.status, before, after
                    )
                )
    except IntegrityError:
        raise AssessmentConflictError(
            "another answer to the same requirement was saved at the same moment: try again"
        ) from None
    return merged


def _changes_one_scope(assessment: Assessment, response: Response) -> bool:
    """Whether the answer's status is in force in its own scope only: always for a framework answered per
    site; in a zone-based one, a real answer of a zone with no zones below it (a site answer, a parent zone's
    answer, or "not assessed" that lets an inherited answer through reach other slots)."""
    if not is_zone_based(assessment.framework.key):
        return True
    if response.zone_id is None or response.status == Status.NOT_ASSESSED:
        return False
    return not Zone.objects.filter(parent_id=response.zone_id).exists()


def override_inherited(assessment: Assessment, requirement_id: int, zone_id: int, user: User) -> Response:
    """Give a zone its own answer where it inherits one: a copy of the inherited status, comment, evidence
    and owner (audited like any answer), which the assessor then changes."""
    zone_slots = slots(assessment)
    found = effective_responses(assessment, zone_slots).get((requirement_id, zone_id))
    if found is None or not found.inherited:
        raise AssessmentInputError("this row inherits no answer: answer it directly")
    source = found.answer
    answer = Answer(
        requirement_id, zone_id, status=source.status, comment=source.comment, evidence=tuple(source.evidence),
        owner_id=source.owner_id, maturity=source.maturity,
    )  # fmt: skip
    return set_response(assessment, answer, user)


def _lock_answerable(assessment: Assessment) -> int:
    """Refuse answers unless the assessment is in progress, holding its row until the answers are written;
    returns its inference version before the answers.

    The lock (PostgreSQL; SQLite transactions are serialised anyway) orders this against a completion
    running at the same time: no answer can slip in after an assessment is completed.
    """
    row = (
        Assessment.objects.select_for_update()
        .filter(pk=assessment.pk)
        .values_list("state", "inference_version")
        .first()
    )
    if row is None:
        raise AssessmentStateError("the assessment no longer exists")
    current, version = row
    if not lifecycle.answerable(current):
        raise AssessmentStateError(CLOSED_MESSAGE)
    return version


def _merge(assessment: Assessment, answers: list[Answer]) -> list[Response]:
    keys = {(a.requirement_id, a.zone_id) for a in answers}
    existing = {
        (r.requirement_id, r.zone_id): r
        for r in Response.objects.filter(
            assessment=assessment, requirement_id__in={k[0] for k in keys}
        ).select_related("requirement")
        if (r.requirement_id, r.zone_id) in keys
    }
    for answer in answers:
        key = (answer.requirement_id, answer.zone_id)
        response = existing.get(key)
        if response is None:
            response = existing[key] = Response(
                site_id=assessment.site_id, assessment=assessment, requirement_id=answer.requirement_id,
                zone_id=answer.zone_id,
            )  # fmt: skip
        for name, value in answer.given().items():
            setattr(response, name, list(value) if isinstance(value, tuple) else value)  # evidence: a list
    order = list(dict.fromkeys((a.requirement_id, a.zone_id) for a in answers))
    return [existing[key] for key in order]


def _validate(response: Response) -> None:
    """The rules that depend on the merged result (a status change may rely on a stored comment)."""
    if response.status == Status.NOT_APPLICABLE and not response.comment.strip():
        raise AssessmentInputError(f"{_where(response)}: not applicable needs a reason in the comment")
    try:
        response.full_clean(exclude=["assessment", "requirement", "zone", "site", "assessor", "owner"])
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        raise AssessmentInputError(f"{_where(response)}: {problems}") from None


def _where(response: Response) -> str:
    zone = f" in zone {response.zone_id}" if response.zone_id else ""
    return f"requirement {response.requirement_id}{zone}"


def site_members(site_id: int) -> QuerySet[User]:
    """The active users with a role at the site: who may own a response there."""
    members = memberships().filter(site_id=site_id).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members).order_by("username")


def _check_owners(assessment: Assessment, owner_ids: set[int]) -> None:
    if not owner_ids:
        return
    found = set(site_members(assessment.site_id).filter(pk__in=owner_ids).values_list("pk", flat=True))
    missing = sorted(owner_ids - found)
    if missing:
        raise AssessmentInputError(f"owner {missing[0]} is not a member of the assessment's site")


def _check_answer(assessment: Assessment, answer: Answer, allowed: dict) -> None:
    """What can be checked on the answer alone, before reading anything stored."""
    if (answer.requirement_id, answer.zone_id) not in allowed:
        where = f"zone {answer.zone_id}" if answer.zone_id else "the site"
        raise AssessmentInputError(
            f"requirement {answer.requirement_id} is not in this assessment's scope for {where} "
            "(zone-based frameworks follow each zone's SL-T; the site or a parent zone takes answers for the "
            "requirements of the zones below it)"
        )
    if not answer.given():
        raise AssessmentInputError("give at least one of status, maturity, comment, evidence, owner_id")
    if answer.status is not UNSET and answer.status not in Status.values:
        raise AssessmentInputError(f"unknown status {answer.status!r}; use one of {', '.join(Status.values)}")
    if answer.maturity is not UNSET and answer.maturity is not None:
        if not has_maturity(assessment.framework):
            raise AssessmentInputError(f"{assessment.framework.name} has no maturity levels")
        if isinstance(answer.maturity, bool) or not 0 <= answer.maturity <= 4:
            raise AssessmentInputError("maturity must be 0-4")
    if answer.comment is not UNSET:
        problem = inputs.text_problem(answer.comment, multiline=True)
        if problem:
            raise AssessmentInputError(f"comment {problem}")
    if answer.evidence is not UNSET:
        for item in answer.evidence:
            problem = inputs.text_problem(item, multiline=False) if isinstance(item, str) else "is not text"
            if problem:
                raise AssessmentInputError(f"evidence {item!r:.60} {problem}")


# --- reading --------------------------------------------------------------------------------------


def responses_by_slot(assessment: Assessment) -> dict[tuple[int, int | None], Response]:
    return {
        (r.requirement_id, r.zone_id): r
        for r in Response.objects.filter(assessment=assessment).select_related("assessor", "owner")
    }


def progress(assessment: Assessment) -> dict[str, int]:
    """Slots answered, their own answer or an inherited one."""
    zone_slots = slots(assessment)
    total = len(zone_slots)
    real = Response.objects.filter(assessment=assessment).exclude(status=Status.NOT_ASSESSED)
    given: dict[tuple[int, int | None], bool] = dict.fromkeys(
        real.values_list("requirement_id", "zone_id"), True
    )
    parents = zone_parents(assessment.site_id) if is_zone_based(assessment.framework.key) else {}
    answered = len(inheritance.effective(((s.requirement_id, s.zone_id) for s in zone_slots), given, parents))
    return {"total": total, "answered": answered, "percent": round(100 * answered / total) if total else 0}


def gaps(assessment: Assessment) -> list[results.Gap]:
    """Requirements of the assessment's own framework that are not met or partially met (in a zone-based
    framework, by the answer in force: its own or inherited)."""
    return [gap for gap, _answer in gaps_with_answers(assessment)]


def gaps_with_answers(
    assessment: Assessment,
) -> list[tuple[results.Gap, inheritance.Effective[Response]]]:
    """The gaps, each with the response in force that makes it one (for its comment, evidence and owner)."""
    all_slots = slots(assessment)
    by_id = {(s.requirement_id, s.zone_id): s for s in all_slots}
    key = assessment.framework.key
    outcomes: dict[results.Slot, results.Outcome] = {}
    sl_required: dict[results.Slot, int] = {}
    answers: dict[results.Slot, inheritance.Effective[Response]] = {}
    # An answer outside the slots (given before a rescope lowered the zone's SL-T) is no longer required.
    for (requirement_id, zone_id), found in effective_responses(assessment, all_slots).items():
        slot = by_id[(requirement_id, zone_id)]
        if found.answer.status not in results.GAP_STATUSES:
            continue
        where = (zone_id, (key, slot.ref))
        outcomes[where] = results.Outcome(found.answer.status)
        answers[where] = found
        if slot.sl_required is not None:
            sl_required[where] = slot.sl_required
    found_gaps = results.gap_list(outcomes, requirement_meta(assessment.framework), sl_required)
    return [(gap, answers[(gap.scope, gap.key)]) for gap in found_gaps]


@functools.lru_cache(maxsize=64)
def _meta_cached(framework_id: int, loaded_at) -> dict[ReqKey, results.RequirementMeta]:
    rows = list(
        Requirement.objects.filter(framework_id=framework_id)
        .order_by("position")
        .values_list("id", "framework__key", "ref", "title", "parent_id")
    )
    parent = {row[0]: row[4] for row in rows}
    ref_of = {row[0]: row[2] for row in rows}
    meta = {}
    for pk, key, ref, title, _parent in rows:
        top = pk
        while parent.get(top) is not None:
            top = parent[top]
        meta[(key, ref)] = results.RequirementMeta((key, ref), ref, title, ref_of[top])
    return meta


def requirement_meta(framework: Framework) -> dict[ReqKey, results.RequirementMeta]:
    """Ref, title and top-level group of every requirement of a framework version (cached: versions never change)."""
    return _meta_cached(framework.pk, framework.loaded_at)


def scopes(assessment: Assessment) -> list[int | None]:
    zones = zones_in_scope(assessment)
    return [z.pk for z in zones] if zones else [SITE]


@dataclass(frozen=True)
class CatalogIndex:
    """Assessable requirements of the current frameworks, by group: what coverage counts against."""

    names: dict[str, str]  # framework key -> name
    sizes: dict[str, dict[str, int]]  # framework key -> group -> assessable requirements
    group_of: dict[ReqKey, str]


@functools.lru_cache(maxsize=4)
def _catalog_index(revision) -> CatalogIndex:
    frameworks = list(Framework.objects.filter(is_current=True).order_by("name"))
    names = {f.key: f.name for f in frameworks}
    sizes: dict[str, dict[str, int]] = {f.key: {} for f in frameworks}
    group_of: dict[ReqKey, str] = {}
    for framework in frameworks:
        for key, info in requirement_meta(framework).items():
            if key in _assessable_keys(framework.pk, framework.loaded_at):
                group_of[key] = info.group
                sizes[framework.key][info.group] = sizes[framework.key].get(info.group, 0) + 1
    return CatalogIndex(names, sizes, group_of)


@functools.lru_cache(maxsize=64)
def _assessable_keys(framework_id: int, loaded_at) -> frozenset[ReqKey]:
    rows = Requirement.objects.filter(framework_id=framework_id, assessable=True).values_list(
        "framework__key", "ref"
    )
    return frozenset(rows)


def catalog_index() -> CatalogIndex:
    return _catalog_index(graph.revision())


def coverage_report(assessment: Assessment) -> list[results.Coverage]:
    """Coverage of the assessment's own framework (direct) and of every other current framework (inferred)."""
    engine = inference_state(assessment).engine
    return _coverage(assessment, engine, zones_in_scope(assessment), catalog_index())


def recompute_fleet(assessments: list[Assessment]) -> dict[int, list[results.Coverage]]:
    """Inference and coverage of many assessments at once (fleet dashboards, KPI snapshots): the same
    answers as ``coverage_report`` for each, from a handful of queries instead of several per assessment."""
    index, catalog = graph.current_index(), catalog_index()
    ids = [a.pk for a in assessments]
    site_zones: dict[int, list] = {}
    for zone in Zone.objects.filter(site_id__in={a.site_id for a in assessments}).order_by("name"):
        site_zones.setdefault(zone.site_id, []).append(zone)
    chosen: dict[int, set[int]] = {}
    for assessment_id, zone_id in AssessmentZone.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "zone_id"
    ):
        chosen.setdefault(assessment_id, set()).add(zone_id)
    answers: dict[int, dict] = {}
    rows = Response.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "zone_id", "requirement__framework__key", "requirement__ref", "status"
    )
    for assessment_id, zone_id, key, ref, status in rows.iterator(chunk_size=10_000):
        answers.setdefault(assessment_id, {}).setdefault(zone_id, {})[(key, ref)] = status
    report = {}
    for assessment in assessments:
        engine = InferenceEngine(index)
        zones: list[Zone] = []
        in_force = answers.get(assessment.pk, {})
        if is_zone_based(assessment.framework.key):
            zones = site_zones.get(assessment.site_id, [])
            if assessment.pk in chosen:
                zones = [z for z in zones if z.pk in chosen[assessment.pk]]
            zones = as_assessed(assessment, zones)
            parents = {z.pk: z.parent_id for z in site_zones.get(assessment.site_id, [])}
            zone_slots = slots_for(assessment, zones, framework_requirements(assessment.framework))
            in_force = _with_inherited(in_force, assessment.framework.key, zone_slots, parents)
        for scope, scope_answers in in_force.items():
            engine.load(scope, scope_answers)
        report[assessment.pk] = _coverage(assessment, engine, zones, catalog)
    return report


def _coverage(assessment: Assessment, engine, zones: list, index: CatalogIndex) -> list[results.Coverage]:
    own = assessment.framework
    scope_list = [z.pk for z in zones] or [SITE]
    universe = [
        (slot.zone_id, (own.key, slot.ref))
        for slot in slots_for(assessment, zones, framework_requirements(own))
    ]
    outcomes = {
        (scope, key): results.Outcome(status)
        for scope in scope_list
        for key, status in engine.direct(scope).items()
    }
    report = [
        results.coverage(universe, outcomes, requirement_meta(own)).get(own.key) or results.Coverage(own.key)
    ]
    report[0].framework = own.name
    others = {fw: groups for fw, groups in index.sizes.items() if fw != own.key}
    inferred = results.coverage_of_reached(
        others, index.group_of, (engine.statuses(scope) for scope in scope_list)
    )
    for fw in sorted(inferred, key=lambda k: index.names[k]):
        inferred[fw].framework = index.names[fw]
        report.append(inferred[fw])
    return report


def inferred_for(assessment: Assessment, zone_id: int | None, key: ReqKey):
    """The effective status of any requirement in one scope, with its sources (for the 'why' of a result)."""
    return inference_state(assessment).engine.result(zone_id, key)


@dataclass(frozen=True)
class SlPrepared:
    """A 62443-3-3 version's SL selection, prepared once (a loaded version never changes: cached)."""

    catalog: tuple[SlRequirement, ...]
    table: SlTable
    ref_of: dict[int, str]  # requirement id -> ref, for the requirements of the catalog


@functools.lru_cache(maxsize=32)
def _sl_prepared(framework_id: int, loaded_at) -> SlPrepared:
    rows = _requirements_of(framework_id, loaded_at)
    catalog = tuple(sl_catalog(rows))
    refs = {req.id for req in catalog}
    return SlPrepared(catalog, sl_table(catalog), {row.pk: row.ref for row in rows if row.ref in refs})


def sl_prepared(framework: Framework) -> SlPrepared:
    return _sl_prepared(framework.pk, framework.loaded_at)


def zone_sl_statuses(
    assessment: Assessment, zones: Iterable[Zone]
) -> tuple[dict[results.Scope, dict[str, str]], dict[int, list[str]]]:
    """For each of ``zones`` (in scope) with an SL-T: its 62443-3-3 statuses in force by ref (as
    ``answers_in_force`` gives them: its own answers, and inherited ones where its SL-T selects a requirement it
    has no real answer to), and the refs its SL-T selects, in catalog order. Two queries (the answers as plain
    values and the zone tree), whatever the number of zones: what SL-A and the heat map are computed from."""
    prepared = sl_prepared(assessment.framework)
    direct: dict[int | None, dict[str, str]] = {}
    rows = (
        Response.objects.filter(assessment=assessment)
        .order_by()
        .values_list("zone_id", "requirement_id", "status")
    )
    for zone_id, requirement_id, status in rows.iterator(chunk_size=5000):
        ref = prepared.ref_of.get(requirement_id)
        if ref is not None:
            direct.setdefault(zone_id, {})[ref] = status
    selected: dict[int, list[str]] = {}
    by_target: dict[SlVector, list[str]] = {}
    for zone in zones:
        target = zone.sl_t
        if target is not None:
            if target not in by_target:
                by_target[target] = requirements_in_scope(target, prepared.table)
            selected[zone.pk] = by_target[target]
    merged = inheritance.with_inherited(
        direct, selected, zone_parents(assessment.site_id), Status.NOT_ASSESSED
    )
    statuses: dict[results.Scope, dict[str, str]] = {pk: merged.get(pk, {}) for pk in selected}
    return statuses, selected


def heat_rows(assessment: Assessment) -> list[tuple[Zone, list[results.HeatCell]]]:
    """The SL heat map per zone in scope with an SL-T: per FR its SL-A, SL-T, state and share answered."""
    zones = {z.pk: z for z in zones_in_scope(assessment)}
    if not zones:
        return []
    prepared = sl_prepared(assessment.framework)
    fr_of = {req.id: req.fr for req in prepared.catalog}
    statuses, in_scope = zone_sl_statuses(assessment, zones.values())
    targets: dict[results.Scope, SlVector] = {pk: z.sl_t for pk, z in zones.items() if z.sl_t is not None}
    selected: dict[int, dict[int, list[str]]] = {pk: {} for pk in in_scope}
    for zone_id, refs in in_scope.items():
        for ref in refs:
            selected[zone_id].setdefault(fr_of[ref], []).append(ref)
    heat = []
    for row in results.sl_heatmap(targets, statuses, prepared.table):
        zone_id = cast(int, row.zone)  # the keys of `targets`
        heat.append((zones[zone_id], results.heat_cells(row, selected[zone_id], statuses[zone_id])))
    return heat


def fr_by_requirement(framework: Framework) -> dict[int, int]:
    """Requirement id -> its 62443-3-3 foundational requirement (1-7), for the requirements that name one."""
    return {
        r.pk: int(r.attributes["fr"])
        for r in framework_requirements(framework)
        if "fr" in (r.attributes or {}) and str(r.attributes["fr"]).isdigit()
    }


def guidance_by_requirement(framework: Framework) -> dict[int, ShownGuidance]:
    """The guidance to show beside each requirement of a framework version (as ``Requirement.shown_guidance``),
    in at most two queries: its own, else the newest other version's of the same framework for the same ref."""
    own = Requirement.objects.filter(framework=framework).values_list("id", "ref", "guidance")
    shown: dict[int, ShownGuidance] = {}
    missing: dict[str, list[int]] = {}
    for pk, ref, data in own:
        if data:
            shown[pk] = ShownGuidance.of(data, framework.version, inherited=False)
        else:
            missing.setdefault(ref, []).append(pk)
    if not missing:
        return shown
    newest: dict[str, tuple[tuple, dict, str]] = {}
    others = (
        Requirement.objects.filter(framework__key=framework.key, guidance__isnull=False)
        .exclude(framework=framework)
        .values_list("ref", "guidance", "framework__version")
    )
    for ref, data, version in others:
        if ref in missing and data:
            order = version_sort_key(version)
            if ref not in newest or order > newest[ref][0]:
                newest[ref] = (order, data, version)
    for ref, (_order, data, version) in newest.items():
        for pk in missing[ref]:
            shown[pk] = ShownGuidance.of(data, version, inherited=True)
    return shown


def heatmap(assessment: Assessment) -> list[results.ZoneLevels]:
    zones = zones_in_scope(assessment)
    if not zones:
        return []
    statuses, _selected = zone_sl_statuses(assessment, zones)
    targets: dict[results.Scope, SlVector] = {z.pk: z.sl_t for z in zones if z.sl_t is not None}
    return results.sl_heatmap(targets, statuses, sl_prepared(assessment.framework).table)


def redundancy_report(assessment: Assessment) -> list[results.RedundantSet]:
    """Answers (here and in the site's other assessments) that the crosswalk says are the same control."""
    index = inference_state(assessment).index
    direct: dict = {}
    for other in Assessment.objects.filter(site_id=assessment.site_id).select_related("framework"):
        for answers in state.direct_answers(other).values():
            for key, status in answers.items():
                direct[("site", key)] = status
    return results.redundancy(direct, index.reach)


def delta_between(older: Assessment, newer: Assessment) -> list[results.Change]:
    if older.framework.key != newer.framework.key or older.site_id != newer.site_id:
        raise AssessmentInputError("a delta compares two assessments of the same site and framework")

    def flat(a: Assessment) -> dict:
        return {(scope, k): s for scope, answers in answers_in_force(a).items() for k, s in answers.items()}

    return results.delta(flat(older), flat(newer))


def latest_assessment(site, framework_key: str) -> Assessment | None:
    return (
        Assessment.objects.filter(site=site, framework__key=framework_key)
        .select_related("framework")
        .order_by("-started_on", "-pk")
        .first()
    )


# --- the plant diagram's SL-A ---------------------------------------------------------------------


def diagram_levels(site) -> AchievedLevels | None:
    """The SL-A of the site's zones for the plant diagram: from its latest completed IEC 62443-3-3 assessment,
    else its latest one in progress (the legend says which, and that unanswered requirements count as unmet);
    None when the site has none. Handed to plant by AssessmentsConfig.ready()."""
    candidates = list(
        Assessment.objects.filter(site=site, framework__key__in=ZONE_FRAMEWORKS).select_related("framework")
    )  # newest first (the model's ordering); a site has a few
    if not candidates:
        return None
    assessment = next((a for a in candidates if a.state == lifecycle.COMPLETED), candidates[0])
    if assessment.state == lifecycle.COMPLETED:
        when = f"completed {assessment.completed_on:%Y-%m-%d}" if assessment.completed_on else "completed"
    else:
        when = "in progress: requirements not answered yet count as not met"
    return AchievedLevels(
        source=f"SL-A from the assessment “{assessment.name}” ({when})",
        by_zone={cast(int, row.zone): row.sl_a for row in heatmap(assessment)},
    )
