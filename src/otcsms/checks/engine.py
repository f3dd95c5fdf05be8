"""The continuous checks: a registry of checks, and the runner that turns what they report into findings.

A check is a function in the app that owns the data, registered with ``@check``; it takes a site and returns
the problems it sees there (an object and a message each). An app names its checks module in its registry.py
(``Contributions.checks_module``); this app imports every one when Django starts. The runner evaluates every check on every site, then, per site in one short
transaction under the site's lock, opens a finding for each new problem, marks the live ones still reported
as seen, closes those no longer reported and reopens accepted ones whose acceptance expired (the lifecycle is
``checks.lifecycle``). A check that raises is recorded as an error of that check in the site's
``CheckRun``, its findings stay as they were, and every other check still runs.

``run_all()`` is what the scheduled job calls; ``otcsms check`` and ``POST /checks/run`` call ``run_checks``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from otcsms.checks import lifecycle
from otcsms.checks.models import CheckRun, Finding, Severity
from otcsms.core import registry
from otcsms.core.actor import acting_as, peek_actor, worker_actor
from otcsms.core.audit import with_reason
from otcsms.core.models import Audited

if TYPE_CHECKING:
    from otcsms.tenancy.models import Site

log = logging.getLogger(__name__)

CHECK_ID = re.compile(r"[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*")
MAX_ERROR = 500


# --- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check reports: an object of the site, and what is wrong with it (one line, for people)."""

    object: Audited
    message: str


CheckFunction = Callable[["Site"], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    severity: str
    requirements: tuple[tuple[str, str], ...]  # (framework key, requirement id as the catalog writes it)
    remediation: str
    function: CheckFunction


REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    severity: str,
    requirements: Iterable[tuple[str, str]] = (),
    remediation: str = "",
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``id``; a bad declaration fails at start-up, loudly."""
    pairs = tuple((str(key), str(ref)) for key, ref in requirements)

    def register(function: CheckFunction) -> CheckFunction:
        if not CHECK_ID.fullmatch(id) or len(id) > 100:
            raise ValueError(
                f"check id {id!r}: lower-case words joined by '.' or '-', e.g. plant.zone-sl-t-reason"
            )
        if severity not in Severity.values:
            raise ValueError(f"check {id}: severity {severity!r} is not one of {', '.join(Severity.values)}")
        known = REGISTRY.get(id)
        if known is not None and known.function.__qualname__ != function.__qualname__:
            raise ValueError(f"check id {id!r} is registered twice")
        REGISTRY[id] = Check(id, title, severity, pairs, remediation, function)
        return function

    return register


def load_registered_checks() -> None:
    """Import every app's checks module (``core.registry``): importing it registers its ``@check`` functions."""
    for module in registry.checks_modules():
        import_module(module)


def registered() -> list[Check]:
    return sorted(REGISTRY.values(), key=lambda c: c.id)


# --- running --------------------------------------------------------------------------------------


@dataclass
class CheckOutcome:
    check: str
    status: str  # "ok" or "error"
    problems: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "problems": self.problems, "error": self.error}


@dataclass
class SiteReport:
    site_id: int
    site_name: str
    run_id: int
    outcomes: list[CheckOutcome]
    opened: int = 0
    closed: int = 0
    reopened: int = 0

    @property
    def errors(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.status == "error"]


@dataclass
class RunReport:
    sites: list[SiteReport] = field(default_factory=list)

    @property
    def opened(self) -> int:
        return sum(s.opened for s in self.sites)

    @property
    def closed(self) -> int:
        return sum(s.closed for s in self.sites)

    @property
    def reopened(self) -> int:
        return sum(s.reopened for s in self.sites)

    @property
    def errors(self) -> list[tuple[SiteReport, CheckOutcome]]:
        return [(s, o) for s in self.sites for o in s.errors]

    @property
    def site_ids(self) -> list[int]:
        return [s.site_id for s in self.sites]

    def summary(self) -> str:
        """One line: what the run changed (the job's result, the CLI's first line)."""
        return (
            f"{len(self.sites)} sites checked: {self.opened} findings opened, {self.closed} closed, "
            f"{self.reopened} reopened" + (f"; {len(self.errors)} check errors" if self.errors else "")
        )


def run_all() -> RunReport:
    """Run every check on every site: the scheduled job's entry point. Acts as the worker unless the caller
    already set who is acting."""
    if peek_actor() is not None:
        return run_checks()
    with acting_as(worker_actor("checks", timezone.now().strftime("%Y%m%dT%H%M%S"))):
        return run_checks()


def run_checks(site: Site | None = None, *, on_site: Callable[[Site], None] | None = None) -> RunReport:
    """Run every registered check on ``site`` (None: every site); ``on_site`` is told before each site."""
    from otcsms.tenancy.models import Site

    sites = [site] if site is not None else list(Site.objects.order_by("pk"))
    report = RunReport()
    for current in sites:
        if on_site is not None:
            on_site(current)
        report.sites.append(run_site(current))
    return report


def run_site(site: Site) -> SiteReport:
    """Evaluate every check on one site (reads only), then record the findings in one short transaction."""
    started = timezone.now()
    outcomes: list[CheckOutcome] = []
    reported: dict[str, list[Problem]] = {}
    for registered_check in registered():
        problems, error = _evaluate(registered_check, site)
        if error:
            outcomes.append(CheckOutcome(registered_check.id, "error", error=error))
        else:
            reported[registered_check.id] = problems
            outcomes.append(CheckOutcome(registered_check.id, "ok", problems=len(problems)))
    with transaction.atomic():
        lock_site(site.pk)
        counts = _record(site, reported, timezone.now())
        run = CheckRun.objects.create(
            site=site, started_at=started, finished_at=timezone.now(), actor_label=_actor_label(),
            results=[o.as_dict() for o in outcomes], errors=sum(o.status == "error" for o in outcomes), **counts,
        )  # fmt: skip
    return SiteReport(site.pk, site.name, run.pk, outcomes, **counts)


def _evaluate(registered_check: Check, site: Site) -> tuple[list[Problem], str]:
    """The problems one check reports on one site, or the error it raised (the others run regardless)."""
    try:
        if connection.in_atomic_block:
            # A savepoint: a failing query inside one check leaves the caller's transaction usable.
            with transaction.atomic():
                problems = list(registered_check.function(site))
        else:
            problems = list(registered_check.function(site))
        for problem in problems:
            _require_on_site(problem, site)
    except Exception as exc:  # any failure of one check is that check's error, by design
        log.exception("check %s failed on site %s", registered_check.id, site.pk)
        return [], f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    return problems, ""


def _require_on_site(problem: Problem, site: Site) -> None:
    if not isinstance(problem, Problem) or not isinstance(problem.object, models.Model):
        raise TypeError("a check reports Problem(object, message) values")
    if problem.object.pk is None or problem.object.audit_site_id() != site.pk:
        raise ValueError(f"reported {problem.object!r}, which is not a stored record of site {site.pk}")


def lock_site(site_id: int) -> None:
    """Serialise writes to one site's findings (PostgreSQL row lock; SQLite has one writer anyway): two runs
    at once, say the CLI and the worker, cannot both open a finding for one problem, and an acceptance
    cannot interleave with a run closing the same finding."""
    from otcsms.tenancy.models import Site

    Site.objects.select_for_update().filter(pk=site_id).values_list("pk", flat=True).first()


Key = tuple[str, int, int]  # check id, content type id, object id


def _record(site: Site, reported: dict[str, list[Problem]], now: datetime) -> dict[str, int]:
    """Apply one site's results to its findings; returns how many were opened, closed and reopened."""
    live = {_key_of(f): f for f in Finding.objects.filter(site=site, status__in=lifecycle.LIVE)}
    seen: dict[Key, Problem] = {}
    for check_id, problems in reported.items():
        for problem in problems:
            seen.setdefault(_key(check_id, problem.object), problem)
    opened = _open_new(site, seen, live, now)
    reopened = _refresh_reported(seen, live, now)
    closed = _close_gone(reported, seen, live, now)
    # Every finding still live of a check that ran was reported just now (one statement, not audited: see
    # Finding.audit_ignore_fields); findings of a check that raised were not seen, so they keep their time.
    live_now = Finding.objects.filter(site=site, status__in=lifecycle.LIVE, check_id__in=list(reported))
    live_now.update(last_seen=now)
    return {"opened": opened, "closed": closed, "reopened": reopened}


def _open_new(site: Site, seen: dict[Key, Problem], live: dict[Key, Finding], now: datetime) -> int:
    new_keys = [key for key in seen if key not in live]
    if not new_keys:
        return 0
    previous = _last_closed(site, new_keys)
    findings = [_new_finding(site, key, seen[key], previous.get(key), now) for key in new_keys]
    Finding.objects.bulk_create(findings)  # audited: one event per finding, one batch
    return len(findings)


def _new_finding(site: Site, key: Key, problem: Problem, previous: int | None, now: datetime) -> Finding:
    registered_check = REGISTRY[key[0]]
    return Finding(
        site=site, check_id=key[0], severity=registered_check.severity, object_type_id=key[1], object_id=key[2],
        object_repr=str(problem.object)[:200], message=problem.message[:500],
        requirements=[list(pair) for pair in registered_check.requirements], first_seen=now, last_seen=now,
        previous_id=previous,
    )  # fmt: skip


def _last_closed(site: Site, keys: list[Key]) -> dict[Key, int]:
    """For each key, the newest closed finding of the same problem (a problem that came back)."""
    checks = {k[0] for k in keys}
    closed = Finding.objects.filter(site=site, status=lifecycle.CLOSED, check_id__in=checks).order_by("pk")
    wanted = set(keys)
    found: dict[Key, int] = {}
    for pk, check_id, type_id, object_id in closed.values_list(
        "pk", "check_id", "object_type_id", "object_id"
    ):
        if (check_id, type_id, object_id) in wanted:
            found[(check_id, type_id, object_id)] = pk  # ordered by pk: the newest wins
    return found


def _refresh_reported(seen: dict[Key, Problem], live: dict[Key, Finding], now: datetime) -> int:
    """Refresh what changed in live findings still reported; reopen expired acceptances."""
    still = [live[key] for key in seen if key in live]
    reopened = 0
    for finding in still:
        problem = seen[_key_of(finding)]
        changed = _refresh(finding, problem)
        if finding.status == lifecycle.ACCEPTED and lifecycle.expired(finding.accepted_until, now):
            finding.status = lifecycle.OPEN
            with_reason(finding, f"the risk acceptance expired on {finding.accepted_until:%Y-%m-%d}")
            changed = True
            reopened += 1
        if changed:
            finding.last_seen = now
            finding.save()
    return reopened


def _refresh(finding: Finding, problem: Problem) -> bool:
    """Bring what the finding says up to date with the check and the object (renamed, re-rated)."""
    registered_check = REGISTRY[finding.check_id]
    fresh = {
        "object_repr": str(problem.object)[:200],
        "message": problem.message[:500],
        "severity": registered_check.severity,
        "requirements": [list(pair) for pair in registered_check.requirements],
    }
    changed = {name: value for name, value in fresh.items() if getattr(finding, name) != value}
    for name, value in changed.items():
        setattr(finding, name, value)
    return bool(changed)


def _close_gone(
    reported: dict[str, list[Problem]], seen: dict[Key, Problem], live: dict[Key, Finding], now: datetime
) -> int:
    """Close live findings their check ran and no longer reports, or whose check no longer exists.

    A check that raised this time says nothing about its findings: they stay as they are."""
    closed = 0
    for key, finding in live.items():
        check_id = key[0]
        if key in seen or (check_id in REGISTRY and check_id not in reported):
            continue
        reason = "no longer reported" if check_id in REGISTRY else f"the check {check_id} no longer exists"
        finding.status = lifecycle.CLOSED
        finding.closed_at = now
        finding.closed_reason = reason
        with_reason(finding, reason)
        finding.save()
        closed += 1
    return closed


def _key(check_id: str, obj: models.Model) -> Key:
    return check_id, ContentType.objects.get_for_model(obj).pk, obj.pk


def _key_of(finding: Finding) -> Key:
    return finding.check_id, finding.object_type_id, finding.object_id


def _actor_label() -> str:
    actor = peek_actor()
    return actor.label[:200] if actor is not None else "system"
