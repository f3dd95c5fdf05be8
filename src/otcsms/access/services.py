"""Workflows of C6: grants (four eyes), revocation, termination, account imports, access reviews.

Plain values and model instances in, model instances out; never a request. Every write runs in one transaction,
and the audit trail records each row with the acting actor (set by the entry point: page, API, CLI or job).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from otcsms.access import reconcile as rc
from otcsms.access.accountfile import AccountFile, AccountRecord, read_accounts
from otcsms.access.models import (
    DEFAULT_DORMANT_DAYS,
    DEFAULT_REVOCATION_LIMIT_HOURS,
    AccessGrant,
    AccessPolicy,
    AccessSystem,
    Account,
    AccountImport,
    ReviewCampaign,
    ReviewItem,
)
from otcsms.core.audit import insert_audited, with_reason
from otcsms.core.models import User
from otcsms.core.scoping import can
from otcsms.org.models import Person
from otcsms.plant.importfiles import ImportRejected, RowProblem
from otcsms.tenancy.models import Site, SiteMembership


class AccessForbiddenError(Exception):
    """The user may not do this (403)."""


class AccessStateError(Exception):
    """Not in a state that allows it (409)."""


# --- policy -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    revocation_limit_hours: int = DEFAULT_REVOCATION_LIMIT_HOURS
    dormant_days: int = DEFAULT_DORMANT_DAYS


def limits_of(site_id: int) -> Limits:
    policy = AccessPolicy.objects.filter(site_id=site_id).first()
    if policy is None:
        return Limits()
    return Limits(policy.revocation_limit_hours, policy.dormant_days)


# --- grants -------------------------------------------------------------------------------------------
def save_grant(grant: AccessGrant) -> AccessGrant:
    """Validate (four eyes, same site, dates) and save; ValidationError names the field."""
    with transaction.atomic():
        grant.full_clean()
        grant.save()
    return grant


def update_grant(grant: AccessGrant, data: dict[str, Any]) -> AccessGrant:
    """Change a grant's justification or expiry; a revoked grant is history and stays as it was."""
    if grant.status == AccessGrant.Status.REVOKED:
        raise AccessStateError("a revoked grant is not changed: grant the access again")
    for name, value in data.items():
        setattr(grant, name, value)
    return save_grant(grant)


def revoke_grant(grant: AccessGrant, *, reason: str, at: datetime | None = None,
                 terminated_at: datetime | None = None) -> AccessGrant:  # fmt: skip
    if grant.status == AccessGrant.Status.REVOKED:
        raise AccessStateError(
            f"grant {grant.pk} was already revoked on {grant.revoked_at:%Y-%m-%d %H:%M} UTC"
        )
    if not reason.strip():
        raise ValueError("a revocation needs a reason")
    grant.status = AccessGrant.Status.REVOKED
    grant.revoked_at = at or timezone.now()
    grant.revoke_reason = reason.strip()[:500]
    if terminated_at is not None:
        grant.terminated_at = terminated_at
    with transaction.atomic():
        with_reason(grant, grant.revoke_reason).save()
    return grant


@dataclass
class RevokedGrant:
    grant: AccessGrant
    delay_hours: float
    limit_hours: int

    @property
    def over_limit(self) -> bool:
        return self.delay_hours > self.limit_hours


@dataclass
class Termination:
    person: Person
    effective_at: datetime
    revoked: list[RevokedGrant] = field(default_factory=list)
    accounts_disabled: int = 0
    outstanding: int = 0  # grants on sites the user may not change: left for their site admins

    @property
    def over_limit(self) -> list[RevokedGrant]:
        return [r for r in self.revoked if r.over_limit]


def terminate_person(user: User | None, person: Person, *, effective_at: datetime, reason: str,
                     site: Site | None = None) -> Termination:  # fmt: skip
    """Revoke every grant of ``person`` on the sites where the user may revoke grants (``user`` None: the
    command line, every site), or on ``site`` only, and disable their personal accounts there, in one
    transaction, recording each revocation's time and its delay since the termination took effect."""
    if not reason.strip():
        raise ValueError("a termination needs a reason")
    now = timezone.now()
    if effective_at > now:
        raise ValueError("the termination cannot take effect in the future: record it when it happens")
    result = Termination(person, effective_at)
    grants = AccessGrant.objects.filter(person=person, status=AccessGrant.Status.ACTIVE).select_related(
        "site"
    )
    sites = _sites_user_approves(user) if user is not None else Site.objects.all()
    if site is not None:
        sites = sites.filter(pk=site.pk)
    writable = grants.filter(site__in=sites)
    result.outstanding = grants.count() - writable.count()
    with transaction.atomic():
        for grant in writable.select_for_update().order_by("pk"):
            limit = limits_of(grant.site_id).revocation_limit_hours
            revoke_grant(
                grant, reason=f"termination: {reason.strip()}", at=timezone.now(), terminated_at=effective_at
            )
            result.revoked.append(RevokedGrant(grant, grant.revocation_delay_hours() or 0.0, limit))
        accounts = Account.objects.filter(
            person=person, status=Account.Status.ENABLED, kind__in=("human", "vendor-remote"),
            site__in=sites,
        )  # fmt: skip
        for account in accounts.order_by("pk"):
            account.status = Account.Status.DISABLED
            with_reason(account, f"termination: {reason.strip()}").save()
            result.accounts_disabled += 1
        if person.active and (user is None or can(user, "change", person.site_id)):
            person.active = False
            with_reason(person, f"termination: {reason.strip()}").save()
    return result


def _sites_user_approves(user: User) -> QuerySet[Site]:
    """Where the user may revoke grants (approvers, site admins), as for one grant at a time."""
    return Site.objects.for_user(user, "approve")


# --- account imports ------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    system: AccessSystem
    record: AccountImport
    warnings: list[RowProblem]
    report: rc.Report

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "system": self.system.name, "rows": r.rows, "created": r.created, "updated": r.updated,
            "removed": r.removed, "warnings": [str(w) for w in self.warnings],
            "discrepancies": self.report.counts(),
        }  # fmt: skip

    def describe(self) -> str:
        r = self.record
        found = ", ".join(f"{n} {c}" for c, n in self.report.counts().items() if n) or "no discrepancies"
        lines = [f"{r.rows} accounts read for {self.system.name}: {r.created} new, {r.updated} changed, "
                 f"{r.removed} no longer present; {found}"]  # fmt: skip
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def import_accounts(system: AccessSystem, data: bytes, filename: str) -> ImportResult:
    """Replace the system's account inventory with the export, all or nothing (ImportRejected)."""
    parsed = read_accounts(data, filename)
    _check_system_column(system, parsed)
    people = _people_index(system.site_id)
    warnings = list(parsed.warnings)
    with transaction.atomic():
        AccessSystem.objects.select_for_update().filter(pk=system.pk).first()
        existing = {a.username.casefold(): a for a in Account.objects.filter(system=system)}
        new: list[Account] = []
        updated = removed = 0
        seen: set[str] = set()
        for record in parsed.records:
            person = _person_for(record, people, warnings)
            key = record.username.casefold()
            seen.add(key)
            account = existing.get(key)
            if account is None:
                new.append(_new_account(system, record, person))
            elif _apply(account, record, person):
                with_reason(account, f"account import {filename[:100]}").save()
                updated += 1
        for key, account in existing.items():
            if key not in seen and account.status != Account.Status.REMOVED:
                account.status = Account.Status.REMOVED
                with_reason(account, f"not in the account import {filename[:100]}").save()
                removed += 1
        insert_audited(Account, new)
        imported = AccountImport(
            site_id=system.site_id, system=system, filename=filename[:200], format=parsed.format,
            sha256=hashlib.sha256(data).hexdigest(), rows=len(parsed.records), created=len(new),
            updated=updated, removed=removed, warnings=[str(w) for w in warnings[:200]],
        )  # fmt: skip
        imported.save()
    return ImportResult(system, imported, warnings, system_report(system))


def _check_system_column(system: AccessSystem, parsed: AccountFile) -> None:
    problems = [
        RowProblem(r.row, "system", f"names the system {r.system!r}; this import is for {system.name!r}")
        for r in parsed.records
        if r.system is not None and r.system.casefold() != system.name.casefold()
    ]
    if problems:
        raise ImportRejected(problems)


def _people_index(site_id: int) -> dict[str, list[Person]]:
    index: dict[str, list[Person]] = {}
    for person in Person.objects.filter(Q(site_id=site_id) | Q(site__isnull=True)):
        for key in {person.name.casefold(), person.email.casefold()} - {""}:
            index.setdefault(key, []).append(person)
    return index


def _person_for(
    record: AccountRecord, people: dict[str, list[Person]], warnings: list[RowProblem]
) -> Person | None:
    if record.person is None:
        return None
    found = people.get(record.person.casefold(), [])
    if len(found) == 1:
        return found[0]
    why = "names nobody known at this site" if not found else "names several people: link the account by hand"
    warnings.append(RowProblem(record.row, "person", f"{record.person!r} {why}"))
    return None


def _new_account(system: AccessSystem, record: AccountRecord, person: Person | None) -> Account:
    return Account(
        site_id=system.site_id, system=system, username=record.username, kind=record.kind or "human",
        person=person, auth=record.auth or "", privilege=record.privilege or "",
        status=Account.Status.DISABLED if record.enabled is False else Account.Status.ENABLED,
        last_logon=record.last_logon, note="",
    )  # fmt: skip


def _apply(account: Account, record: AccountRecord, person: Person | None) -> bool:
    """Set what the file says; True when something changed."""
    values: dict[str, Any] = {}
    for name in ("kind", "auth", "privilege"):
        if getattr(record, name) is not None:
            values[name] = getattr(record, name)
    if person is not None:
        values["person_id"] = person.pk
    if record.last_logon_given:
        values["last_logon"] = record.last_logon
    if record.enabled is not None:
        values["status"] = Account.Status.ENABLED if record.enabled else Account.Status.DISABLED
    elif account.status == Account.Status.REMOVED:
        values["status"] = Account.Status.ENABLED
    changed = {k: v for k, v in values.items() if getattr(account, k) != v}
    for name, value in changed.items():
        setattr(account, name, value)
    return bool(changed)


# --- reconciliation -------------------------------------------------------------------------------------
def account_rows(accounts: Iterable[Account]) -> list[rc.AccountRow]:
    return [
        rc.AccountRow(
            a.pk,
            a.system_id,
            a.username,
            a.kind,
            a.privilege,
            a.person_id,
            person_active=a.person.active if a.person is not None else True,
            enabled=a.status == Account.Status.ENABLED,
            last_logon=a.last_logon,
        )
        for a in accounts
    ]


def grant_rows(grants: Iterable[AccessGrant]) -> list[rc.GrantRow]:
    return [
        rc.GrantRow(
            g.pk,
            g.system_id,
            g.person_id,
            g.privilege,
            g.starts_on,
            g.expires_on,
            revoked=g.status == AccessGrant.Status.REVOKED,
            electronic=g.access_type == AccessGrant.AccessType.ELECTRONIC,
        )
        for g in grants
    ]


def site_report(site: Site, *, now: datetime | None = None) -> rc.Report:
    return _report(Q(site=site), site.pk, now)


_ACCOUNT_FIELDS = tuple(f.attname for f in Account._meta.concrete_fields)
_A = {name: i for i, name in enumerate(_ACCOUNT_FIELDS)}


class SiteReconciliation:
    """A site's reconciliation, and the records its discrepancies name (``object_of``).

    Built for sites with tens of thousands of accounts: the reconciliation reads plain rows (``values_list``);
    a model instance is made only for a record a discrepancy names, when asked for, from the row already read
    (instantiating every account with its system and person was four fifths of the time)."""

    def __init__(self, site: Site, now: datetime) -> None:
        self.site_id = site.pk
        self.now = now
        self._systems = {s.pk: s for s in AccessSystem.objects.filter(site=site)}
        left = set(
            Account.objects.filter(site=site, person__active=False).values_list("pk", flat=True)
        )  # accounts whose person has left: one join, no list of people in Python
        self._account_rows = {
            row[_A["id"]]: row
            for row in Account.objects.filter(site=site)
            .exclude(status=Account.Status.REMOVED)
            .values_list(*_ACCOUNT_FIELDS)
        }
        accounts = [
            rc.AccountRow(
                pk,
                row[_A["system_id"]],
                row[_A["username"]],
                row[_A["kind"]],
                row[_A["privilege"]],
                row[_A["person_id"]],
                person_active=pk not in left,
                enabled=row[_A["status"]] == Account.Status.ENABLED,
                last_logon=row[_A["last_logon"]],
            )
            for pk, row in self._account_rows.items()
        ]
        grants = [
            rc.GrantRow(
                pk,
                system_id,
                person_id,
                privilege,
                starts_on,
                expires_on,
                revoked=status == AccessGrant.Status.REVOKED,
                electronic=access_type == AccessGrant.AccessType.ELECTRONIC,
            )
            for pk, system_id, person_id, privilege, starts_on, expires_on, status, access_type in (
                AccessGrant.objects.filter(site=site).values_list(
                    "pk",
                    "system_id",
                    "person_id",
                    "privilege",
                    "starts_on",
                    "expires_on",
                    "status",
                    "access_type",
                )
            )
        ]
        self.report = rc.reconcile(accounts, grants, now=now, dormant_days=limits_of(site.pk).dormant_days)
        self._accounts: dict[int, Account] = {}
        self._grants: dict[int, AccessGrant] | None = None

    def object_of(self, item: rc.Discrepancy) -> Account | AccessGrant | None:
        if item.kind == "account":
            return self._account(item.key)
        if self._grants is None:
            keys = {d.key for d in self.report.discrepancies if d.kind == "grant"}
            # The grants a discrepancy names are those past expiry and never revoked: one query for them.
            named = AccessGrant.objects.filter(
                site_id=self.site_id, status=AccessGrant.Status.ACTIVE, expires_on__lt=self.now.date()
            ).select_related("system", "person")
            self._grants = {g.pk: g for g in named if g.pk in keys}
        found = self._grants.get(item.key)
        if found is None:
            found = AccessGrant.objects.filter(pk=item.key).select_related("system", "person").first()
        return found

    def _account(self, pk: int) -> Account | None:
        account = self._accounts.get(pk)
        if account is None:
            row = self._account_rows.get(pk)
            if row is None:
                return None
            account = Account.from_db("default", _ACCOUNT_FIELDS, row)
            account.system = self._systems[account.system_id]
            self._accounts[pk] = account
        return account


def reconcile_site(site: Site, *, now: datetime | None = None) -> SiteReconciliation:
    """Reconcile the site's accounts (those still present) against its grants."""
    return SiteReconciliation(site, now or timezone.now())


def system_report(system: AccessSystem, *, now: datetime | None = None) -> rc.Report:
    return _report(Q(system=system), system.site_id, now)


def _report(where: Q, site_id: int, now: datetime | None) -> rc.Report:
    accounts = Account.objects.filter(where).exclude(status=Account.Status.REMOVED).select_related("person")
    grants = AccessGrant.objects.filter(where)
    return rc.reconcile(
        account_rows(accounts), grant_rows(grants), now=now or timezone.now(),
        dormant_days=limits_of(site_id).dormant_days,
    )  # fmt: skip


# --- access reviews --------------------------------------------------------------------------------------
def start_review(
    user: User,
    site: Site,
    *,
    title: str,
    period_start: date,
    period_end: date,
    due_on: date | None = None,
    routing: str = ReviewCampaign.Routing.MANAGER,
) -> ReviewCampaign:
    """A campaign with one item per grant in force at the site, each with its reviewer: with ``routing``
    "manager" the grantee's manager (org.Person.manager), else the system owner, else the campaign's creator;
    with "owner" the system owner, else the creator. A reviewer must have a login and may see the site, and
    never reviews their own access."""
    campaign = ReviewCampaign(
        site=site,
        title=title,
        period_start=period_start,
        period_end=period_end,
        due_on=due_on,
        created_by=user,
        routing=routing,
    )
    today = timezone.localdate()
    grants = (
        AccessGrant.objects.filter(site=site, status=AccessGrant.Status.ACTIVE)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("system__owner", "person__manager")
        .order_by("pk")
    )
    viewers = _site_viewers(site)
    with transaction.atomic():
        campaign.full_clean()
        campaign.save()
        items = [
            ReviewItem(
                site=site,
                campaign=campaign,
                grant=g,
                reviewer_id=_reviewer_id(g, user, campaign.routing, viewers),
            )
            for g in grants
        ]
        insert_audited(ReviewItem, items)
    return campaign


def _site_viewers(site: Site) -> set[int]:
    """Users who may read the site (a reviewer must see the grant to decide it), org admins included."""
    members = SiteMembership.objects.filter(site=site).values("user_id")
    return set(
        User.objects.filter(Q(is_org_admin=True) | Q(pk__in=members), is_active=True).values_list(
            "pk", flat=True
        )
    )


def _reviewer_id(grant: AccessGrant, fallback: User, routing: str, viewers: set[int]) -> int:
    candidates = []
    if routing == ReviewCampaign.Routing.MANAGER:
        candidates.append(grant.person.manager)
    candidates.append(grant.system.owner)
    for person in candidates:
        if person is None or person.user_id is None or person.pk == grant.person_id:
            continue
        if person.user_id in viewers:
            return person.user_id
    return fallback.pk


def may_decide(user: User, item: ReviewItem) -> bool:
    if item.reviewer_id == user.pk and can(user, "view", item.site_id):
        return True
    return can(user, "approve", item.site_id)


def decide(user: User, item: ReviewItem, *, decision: str, comment: str = "") -> ReviewItem:
    """Confirm or revoke one grant under review; a revocation revokes the grant in the same transaction."""
    if decision not in (ReviewItem.Decision.CONFIRMED, ReviewItem.Decision.REVOKED):
        raise ValueError("decision must be confirmed or revoked")
    if not may_decide(user, item):
        raise AccessForbiddenError("only the item's reviewer, an approver or a site admin decides it")
    if item.campaign.status != ReviewCampaign.Status.OPEN:
        raise AccessStateError("the review is signed off: its decisions are final")
    if item.decision == ReviewItem.Decision.REVOKED:
        raise AccessStateError("the grant was revoked by this review: grant it again to restore it")
    comment = comment.strip()
    if decision == ReviewItem.Decision.REVOKED and not comment:
        raise ValueError("say why the grant is revoked (a comment)")
    with transaction.atomic():
        item.decision = decision
        item.comment = comment[:1000]
        item.decided_at = timezone.now()
        item.decided_by = user
        item.save()
        if decision == ReviewItem.Decision.REVOKED and item.grant.status == AccessGrant.Status.ACTIVE:
            revoke_grant(item.grant, reason=f"access review {item.campaign.title}: {comment}"[:500])
    return item


@dataclass(frozen=True)
class Progress:
    total: int
    confirmed: int
    revoked: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.revoked

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.decided * 100 // self.total


def progress_of(campaign: ReviewCampaign) -> Progress:
    decisions = list(campaign.items.values_list("decision", flat=True))
    return Progress(
        len(decisions),
        decisions.count(ReviewItem.Decision.CONFIRMED),
        decisions.count(ReviewItem.Decision.REVOKED),
    )


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer_id: int | None
    reviewer: str
    total: int
    decided: int

    @property
    def pending(self) -> int:
        return self.total - self.decided


def progress_by_reviewer(campaign: ReviewCampaign) -> list[ReviewerProgress]:
    """Each reviewer's share of the review: how many grants, how many decided; most pending first."""
    rows = (
        campaign.items.values(
            "reviewer_id", "reviewer__username", "reviewer__first_name", "reviewer__last_name"
        )
        .annotate(total=Count("pk"), decided=Count("pk", filter=~Q(decision=ReviewItem.Decision.PENDING)))
        .order_by("reviewer__username")
    )
    found = [
        ReviewerProgress(
            r["reviewer_id"],
            " ".join(filter(None, (r["reviewer__first_name"], r["reviewer__last_name"])))
            or r["reviewer__username"]
            or "nobody",
            r["total"],
            r["decided"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda p: (-p.pending, p.reviewer))


def sign_off(user: User, campaign: ReviewCampaign, *, note: str = "") -> ReviewCampaign:
    if not can(user, "approve", campaign.site_id):
        raise AccessForbiddenError("only approvers and site admins sign a review off")
    if campaign.status != ReviewCampaign.Status.OPEN:
        raise AccessStateError("the review is already signed off")
    progress = progress_of(campaign)
    if progress.decided < progress.total:
        raise AccessStateError(f"{progress.total - progress.decided} grants are not reviewed yet")
    campaign.status = ReviewCampaign.Status.SIGNED_OFF
    campaign.signed_off_by = user
    campaign.signed_off_at = timezone.now()
    campaign.sign_off_note = note.strip()[:500]
    with transaction.atomic():
        campaign.save()
    return campaign


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def items_for(campaign: ReviewCampaign) -> Sequence[ReviewItem]:
    return list(
        campaign.items.select_related(
            "grant__person", "grant__system", "grant__approved_by", "reviewer"
        ).order_by("grant__system__name", "grant__person__name", "pk")
    )
