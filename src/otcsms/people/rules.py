"""The rules of C11 in plain Python: validity of a completion, what a privilege needs before access is granted,
and a person's readiness from their records (no Django: unit-tested and benchmarked alone).

Defaults (docs/people.md):
- a completion at a NERC CIP site (one with an impact rating) is valid for 15 months (CIP-004 R2.3); elsewhere
  for the course's own validity (none: it does not expire);
- a personnel risk assessment is due again 7 years after it was completed (CIP-004 R3.5);
- access needs, by privilege: ``view`` and ``operate`` nothing by default; ``engineer`` and ``administer``
  role-based training (a current completion of a role-based or protocol-specific course) and a current
  screening; at a NERC CIP site every privilege needs current training (any course: CIP-004 R2 before access)
  and a current screening (CIP-004 R3). The courses a site requires of a CSMS role, or of everyone holding at
  least some privilege, come on top: a site makes awareness training a condition of operating by requiring it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

CIP_TRAINING_MONTHS = 15  # CIP-004 R2.3: at least once every 15 calendar months
SCREENING_YEARS = 7  # CIP-004 R3.5: a PRA at least once every 7 years
CIP_IMPACTS = frozenset({"high", "medium", "low"})

PRIVILEGES = ("view", "operate", "engineer", "administer")  # lowest first
COURSE_KINDS = ("awareness", "role-based", "protocol")

# privilege -> course kinds of which a current completion is needed (a protocol course is role-based training)
TRAINING_BY_PRIVILEGE: dict[str, tuple[str, ...]] = {
    "view": (),
    "operate": (),
    "engineer": ("role-based",),
    "administer": ("role-based",),
}
SCREENING_BY_PRIVILEGE = frozenset({"engineer", "administer"})
KIND_SATISFIED_BY: dict[str, frozenset[str]] = {
    "any": frozenset(COURSE_KINDS),
    "role-based": frozenset({"role-based", "protocol"}),
}
KIND_LABELS = {"any": "security training", "role-based": "role-based training"}


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, on the last day of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_cip_site(nerc_impact: str) -> bool:
    return nerc_impact in CIP_IMPACTS


def completion_expiry(
    completed_on: date, *, cip_site: bool, course_validity_months: int | None
) -> date | None:
    """The day a completion expires (it is valid up to and including the day before)."""
    if cip_site:
        months = CIP_TRAINING_MONTHS
        if course_validity_months is not None:
            months = min(months, course_validity_months)
        return add_months(completed_on, months)
    if course_validity_months is None:
        return None
    return add_months(completed_on, course_validity_months)


def screening_next_due(completed_on: date) -> date:
    return add_months(completed_on, 12 * SCREENING_YEARS)


def rank(privilege: str) -> int:
    return PRIVILEGES.index(privilege) if privilege in PRIVILEGES else -1


# --- readiness ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CourseRecord:
    """A person's latest completion of a course, as the readiness reads it."""

    course_id: int
    course: str
    kind: str
    completed_on: date
    expires_on: date | None  # as recorded (the home site's rule)


@dataclass(frozen=True)
class Requirement:
    course_id: int
    course: str
    kind: str
    role_id: int | None
    privilege: str  # "" whatever the privilege


@dataclass(frozen=True)
class ScreeningRecord:
    kind: str
    completed_on: date
    next_due: date
    passed: bool


@dataclass(frozen=True)
class Need:
    """One thing a person lacks (``status`` missing or expired) or holds (``ok``)."""

    what: str  # "training" or "screening"
    subject: str  # the course's title, a kind of training, or "personnel screening"
    status: str  # ok, missing, expired
    message: str
    since: date | None = None  # expired on / valid until
    course_id: int | None = None


@dataclass
class Readiness:
    privilege: str | None
    cip_site: bool
    items: list[Need] = field(default_factory=list)

    @property
    def needs(self) -> list[Need]:
        return [n for n in self.items if n.status != "ok"]

    @property
    def ready(self) -> bool:
        return not self.needs

    def reason(self) -> str:
        """One line naming everything missing, for a refusal."""
        return "; ".join(n.message for n in self.needs)


def effective_expiry(record: CourseRecord, *, cip_site: bool, validity_months: int | None) -> date | None:
    """A completion is judged by the site asking: at a NERC CIP site it lapses after 15 months whatever the
    home site recorded."""
    here = completion_expiry(record.completed_on, cip_site=cip_site, course_validity_months=validity_months)
    candidates = [d for d in (record.expires_on, here) if d is not None]
    return min(candidates) if candidates else None


def assess(
    *,
    privilege: str | None,
    nerc_impact: str,
    roles: Iterable[int],
    requirements: Sequence[Requirement],
    completions: Sequence[CourseRecord],
    screenings: Sequence[ScreeningRecord],
    today: date,
    validity: dict[int, int | None] | None = None,
) -> Readiness:
    """What a person holding ``roles`` at a site needs for ``privilege`` there (None: for the site's training
    alone), from their latest completion per course and their screenings."""
    cip = is_cip_site(nerc_impact)
    result = Readiness(privilege, cip)
    role_ids = set(roles)
    months = validity or {}
    latest: dict[int, CourseRecord] = {}
    for done in completions:
        known = latest.get(done.course_id)
        if known is None or done.completed_on > known.completed_on:
            latest[done.course_id] = done

    def state(record: CourseRecord) -> tuple[str, date | None]:
        expires = effective_expiry(record, cip_site=cip, validity_months=months.get(record.course_id))
        if expires is not None and expires <= today:
            return "expired", expires
        return "ok", expires

    required: dict[int, Requirement] = {}
    for req in requirements:
        if req.role_id is not None and req.role_id not in role_ids:
            continue
        if req.privilege and (privilege is None or rank(privilege) < rank(req.privilege)):
            continue
        required.setdefault(req.course_id, req)
    for req in sorted(required.values(), key=lambda r: r.course):
        found = latest.get(req.course_id)
        if found is None:
            result.items.append(Need("training", req.course, "missing", f"{req.course}: not completed",
                                     course_id=req.course_id))  # fmt: skip
            continue
        status, expires = state(found)
        message = (f"{req.course}: expired on {expires:%Y-%m-%d}" if status == "expired" and expires
                   else f"{req.course}: current" + (f" until {expires:%Y-%m-%d}" if expires else ""))  # fmt: skip
        result.items.append(Need("training", req.course, status, message, expires, req.course_id))

    kinds: list[str] = list(TRAINING_BY_PRIVILEGE.get(privilege or "", ()))
    if cip and privilege is not None and not kinds:
        kinds.append("any")
    for kind in kinds:
        label = KIND_LABELS[kind]
        of_kind = [r for r in latest.values() if r.kind in KIND_SATISFIED_BY[kind]]
        current = [(r, e) for r in of_kind for s, e in [state(r)] if s == "ok"]
        if current:
            best, expires = max(current, key=lambda pair: pair[1] or date.max)
            until = f" until {expires:%Y-%m-%d}" if expires else ""
            result.items.append(Need("training", label, "ok", f"{label}: {best.course}{until}", expires))
        elif of_kind:
            last = max(state(r)[1] or date.min for r in of_kind)
            result.items.append(Need("training", label, "expired",
                                     f"{label} expired on {last:%Y-%m-%d} (needed for {privilege} access)", last))  # fmt: skip
        else:
            result.items.append(
                Need("training", label, "missing", f"no {label} (needed for {privilege} access)")
            )

    if privilege is not None and (privilege in SCREENING_BY_PRIVILEGE or cip):
        passed = [s for s in screenings if s.passed]
        label = "personnel screening"
        why = "NERC CIP site" if cip and privilege not in SCREENING_BY_PRIVILEGE else f"{privilege} access"
        if not passed:
            result.items.append(Need("screening", label, "missing", f"no personnel risk assessment ({why})"))
        else:
            screening = max(passed, key=lambda s: s.next_due)
            if screening.next_due <= today:
                result.items.append(Need("screening", label, "expired",
                                         f"personnel risk assessment due since {screening.next_due:%Y-%m-%d}",
                                         screening.next_due))  # fmt: skip
            else:
                result.items.append(Need("screening", label, "ok",
                                         f"personnel risk assessment current until {screening.next_due:%Y-%m-%d}",
                                         screening.next_due))  # fmt: skip
    return result
