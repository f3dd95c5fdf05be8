"""Workflows of C11: a person's readiness at a site (for a privilege), the training matrix of a site, and the
import of completions from an LMS export. Plain values and model instances in and out; never a request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from otcsms.core.audit import insert_audited
from otcsms.core.models import User
from otcsms.org.models import Person, RoleAssignment
from otcsms.people import rules
from otcsms.people.completionfile import CompletionFileRejected, CompletionRow, Problem, read_completions
from otcsms.people.models import Completion, Course, CourseAssignment, CourseRequirement, Screening
from otcsms.tenancy.models import Site

_T = TypeVar("_T")


# --- readiness ----------------------------------------------------------------------------------------------
class ReadinessBook:
    """Everything the readiness of some people at one site reads, loaded in a constant number of queries
    (roles, requirements, courses, completions, screenings), then assessed per person and privilege.

    ``user`` narrows the completions and screenings read to those the user may see (a page); None reads them
    all (the grant rule and the checks, which act for the platform)."""

    def __init__(self, site: Site, person_ids: Iterable[int], *, today: date | None = None,
                 user: User | None = None) -> None:  # fmt: skip
        self.site = site
        self.today = today or timezone.localdate()
        ids = sorted(set(person_ids))
        self.roles: dict[int, set[int]] = defaultdict(set)
        active = Q(ends_on__isnull=True) | Q(ends_on__gte=self.today)
        for person_id, role_id in RoleAssignment.objects.filter(
            active, site=site, person_id__in=ids
        ).values_list("person_id", "role_id"):
            self.roles[person_id].add(role_id)
        self.requirements = [
            rules.Requirement(r.course_id, r.course.title, r.course.kind, r.role_id, r.privilege)
            for r in CourseRequirement.objects.filter(site=site, course__active=True).select_related("course")
        ]
        completions = Completion.objects.filter(person_id__in=ids)
        screenings = Screening.objects.filter(person_id__in=ids)
        if user is not None:
            completions = Completion.objects.for_user(user).filter(person_id__in=ids)
            screenings = Screening.objects.for_user(user).filter(person_id__in=ids)
        self.validity: dict[int, int | None] = {}
        self.completions: dict[int, list[rules.CourseRecord]] = defaultdict(list)
        for c in completions.select_related("course"):
            self.validity[c.course_id] = c.course.validity_months
            self.completions[c.person_id].append(
                rules.CourseRecord(c.course_id, c.course.title, c.course.kind, c.completed_on, c.expires_on)
            )
        self.screenings: dict[int, list[rules.ScreeningRecord]] = defaultdict(list)
        for s in screenings:
            self.screenings[s.person_id].append(
                rules.ScreeningRecord(
                    s.kind,
                    s.completed_on,
                    s.next_due or rules.screening_next_due(s.completed_on),
                    s.result == Screening.Result.PASSED,
                )
            )

    def of(self, person_id: int, privilege: str | None = None) -> rules.Readiness:
        return rules.assess(
            privilege=privilege, nerc_impact=self.site.nerc_impact, roles=self.roles.get(person_id, set()),
            requirements=self.requirements, completions=self.completions.get(person_id, []),
            screenings=self.screenings.get(person_id, []), today=self.today, validity=self.validity,
        )  # fmt: skip


def readiness(person: Person, site: Site, privilege: str | None = None, *, today: date | None = None,
              user: User | None = None) -> rules.Readiness:  # fmt: skip
    """What ``person`` still needs before ``privilege`` access at ``site`` (None: the site's training alone)."""
    return ReadinessBook(site, [person.pk], today=today, user=user).of(person.pk, privilege)


# --- the training matrix ------------------------------------------------------------------------------------
@dataclass
class MatrixCell:
    status: str  # ok, expiring, expired, missing, "" (not required of the person)
    label: str
    completed_on: date | None = None
    expires_on: date | None = None


@dataclass
class MatrixRow:
    person: Person
    cells: list[MatrixCell]

    @property
    def compliant(self) -> bool:
        return all(c.status in ("ok", "expiring", "") for c in self.cells)


@dataclass
class Matrix:
    site: Site
    courses: list[Course]
    rows: list[MatrixRow] = field(default_factory=list)

    @property
    def percent(self) -> int:
        required = sum(1 for r in self.rows for c in r.cells if c.status)
        met = sum(1 for r in self.rows for c in r.cells if c.status in ("ok", "expiring"))
        return 100 if not required else met * 100 // required


EXPIRING_DAYS = 60


def training_matrix(user: User | None, site: Site, *, today: date | None = None, query: str = "",
                    offset: int = 0, limit: int = 100) -> tuple[Matrix, int]:  # fmt: skip
    """People of the site (their home site, or a CSMS role there) x the courses the site requires: each cell the
    state of the person's latest completion, judged by the site's rule. Returns the page and the total count.
    ``user`` None: every record (the command line)."""
    day = today or timezone.localdate()
    people = (
        (Person.objects.for_user(user) if user is not None else Person.objects.all())
        .filter(Q(site=site) | Q(role_assignments__site=site), active=True)
        .distinct()
        .order_by("name", "pk")
    )
    if query:
        people = people.filter(Q(name__icontains=query[:200]) | Q(email__icontains=query[:200]))
    total = people.count()
    page = list(people[offset : offset + limit])
    course_ids = CourseRequirement.objects.filter(site=site, course__active=True).values_list(
        "course_id", flat=True
    )
    courses = list(Course.objects.filter(pk__in=course_ids).order_by("kind", "title"))
    book = ReadinessBook(site, [p.pk for p in page], today=day, user=user)
    matrix = Matrix(site, courses)
    for person in page:
        readiness = book.of(person.pk)
        by_course = {n.course_id: n for n in readiness.items if n.course_id is not None}
        latest: dict[int, rules.CourseRecord] = {}
        for record in book.completions.get(person.pk, []):
            if record.course_id not in latest or record.completed_on > latest[record.course_id].completed_on:
                latest[record.course_id] = record
        cells = []
        for course in courses:
            need = by_course.get(course.pk)
            last = latest.get(course.pk)
            done = last.completed_on if last else None
            if need is None:
                cells.append(
                    MatrixCell("", "not required" + (f" (done {done:%Y-%m-%d})" if done else ""), done)
                )
            elif need.status == "ok":
                soon = need.since is not None and (need.since - day).days <= EXPIRING_DAYS
                status = "expiring" if soon else "ok"
                until = f", valid until {need.since:%Y-%m-%d}" if need.since else ""
                cells.append(MatrixCell(status, f"done {done:%Y-%m-%d}{until}", done, need.since))
            elif need.status == "expired":
                cells.append(MatrixCell("expired", f"expired on {need.since:%Y-%m-%d}", done, need.since))
            else:
                cells.append(MatrixCell("missing", "not completed"))
        matrix.rows.append(MatrixRow(person, cells))
    return matrix, total


# --- completions ----------------------------------------------------------------------------------------------
def save_completion(completion: Completion) -> Completion:
    with transaction.atomic():
        completion.full_clean()
        completion.save()
    return completion


def assignments_open(person: Person) -> QuerySet[CourseAssignment]:
    """Assignments of the person not followed by a completion of their course."""
    done = Completion.objects.filter(person=person).values_list("course_id", "completed_on")
    latest: dict[int, date] = {}
    for course_id, day in done:
        latest[course_id] = max(day, latest.get(course_id, day))
    open_ids = [
        a.pk for a in CourseAssignment.objects.filter(person=person)
        if latest.get(a.course_id) is None or latest[a.course_id] < a.assigned_on
    ]  # fmt: skip
    return CourseAssignment.objects.filter(pk__in=open_ids).select_related("course")


@dataclass
class ImportResult:
    site: Site
    rows: int
    created: int
    unchanged: int

    def as_dict(self) -> dict[str, object]:
        return {
            "site": self.site.code,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
        }

    def describe(self) -> str:
        return (f"{self.rows} completions read for {self.site.name}: {self.created} recorded, "
                f"{self.unchanged} already there")  # fmt: skip


def import_completions(site: Site, data: bytes, filename: str = "") -> ImportResult:
    """Record the LMS export's completions at ``site``, all or nothing (CompletionFileRejected with every
    reason: an unreadable file, a bad row, a person or course nobody knows). People are matched by e-mail
    address, else by name, among the site's people and the organisation-wide staff; courses by code, else by
    title. A completion already recorded (person, course, date) is left as it is."""
    rows = read_completions(data)
    people = Person.objects.filter(Q(site=site) | Q(site__isnull=True), organisation_id=site.organisation_id)
    by_email: dict[str, list[Person]] = defaultdict(list)
    by_name: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        if person.email:
            by_email[person.email.casefold()].append(person)
        by_name[person.name.casefold()].append(person)
    courses = list(Course.objects.all())
    by_code = {c.code.casefold(): c for c in courses}
    by_title: dict[str, list[Course]] = defaultdict(list)
    for course in courses:
        by_title[course.title.casefold()].append(course)
    problems: list[Problem] = []
    resolved: list[tuple[CompletionRow, Person, Course]] = []
    for row in rows:
        who = _one(
            by_email.get(row.email.casefold(), []) if row.email else by_name.get(row.name.casefold(), [])
        )
        if who is None:
            found = len(
                by_email.get(row.email.casefold(), []) if row.email else by_name.get(row.name.casefold(), [])
            )
            column = "email" if row.email else "name"
            why = (
                "names several people: use the e-mail address" if found else "names nobody known at this site"
            )
            problems.append(Problem(row.row, column, f"{row.person!r} {why}"))
        what = by_code.get(row.course.casefold()) or _one(by_title.get(row.course.casefold(), []))
        if what is None:
            problems.append(
                Problem(row.row, "course", f"{row.course!r} is no course code or title known here")
            )
        if row.completed_on > timezone.localdate():
            problems.append(Problem(row.row, "completed_on", "in the future"))
        if who is not None and what is not None:
            resolved.append((row, who, what))
    if problems:
        raise CompletionFileRejected(problems)
    with transaction.atomic():
        existing = set(
            Completion.objects.filter(person_id__in={p.pk for _, p, _ in resolved}).values_list(
                "person_id", "course_id", "completed_on"
            )
        )
        new: list[Completion] = []
        unchanged = 0
        for row, person, course in resolved:
            if (person.pk, course.pk, row.completed_on) in existing:
                unchanged += 1
                continue
            existing.add((person.pk, course.pk, row.completed_on))
            completion = Completion(
                site=site, person=person, course=course, completed_on=row.completed_on, expires_on=row.expires_on,
                score=row.score, evidence_reference=row.evidence, source=Completion.Source.IMPORT,
                note=f"LMS import {filename}"[:500] if filename else "LMS import",
            )  # fmt: skip
            if completion.expires_on is None:
                completion.expires_on = completion.default_expiry()
            new.append(completion)
        insert_audited(Completion, new)
    return ImportResult(site, len(rows), len(new), unchanged)


def _one(found: list[_T]) -> _T | None:
    return found[0] if len(found) == 1 else None


__all__ = ["CompletionFileRejected", "ReadinessBook", "import_completions", "readiness", "training_matrix"]
