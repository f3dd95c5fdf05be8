"""The access-change log: who changed which access, when, approved by whom, and why.

It is read from the audit trail (every grant and account write is an event there, with its actor, in the same
transaction), so it cannot miss a change or disagree with the trail. Like the trail, it is for those who may
read a site's audit trail: organisation admins, auditors and site admins (``AuditEvent.objects.for_user``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from otcsms.access.models import AccessGrant, Account
from otcsms.access.tables import write_table
from otcsms.core.epoch import to_epoch_us
from otcsms.core.models import AuditEvent, User
from otcsms.org.models import Person

GRANT_TYPE = AccessGrant._meta.label_lower
ACCOUNT_TYPE = Account._meta.label_lower
COLUMNS = ("when (UTC)", "who", "object", "what", "approved by", "why", "event")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Change:
    seq: int
    when: datetime
    who: str
    object_type: str
    object_id: str
    object: str
    what: str
    approved_by: str
    why: str
    site_id: int | None

    def cells(self) -> list[str]:
        return [self.when.strftime("%Y-%m-%d %H:%M:%S"), self.who, self.object, self.what, self.approved_by,
                self.why, str(self.seq)]  # fmt: skip


def changes(user: User | None, *, system_id: int | None = None, person_id: int | None = None,
            site_id: int | None = None, since: datetime | None = None, limit: int = MAX_ROWS) -> list[Change]:  # fmt: skip
    """The access changes the user may read (None: the command line, which reads the whole trail), newest
    first, narrowed to a system, a person, a site or a time onwards."""
    grants = AccessGrant.objects.all()
    accounts = Account.objects.all()
    if system_id is not None:
        grants, accounts = grants.filter(system_id=system_id), accounts.filter(system_id=system_id)
    if person_id is not None:
        grants, accounts = grants.filter(person_id=person_id), accounts.filter(person_id=person_id)
    if site_id is not None:
        grants, accounts = grants.filter(site_id=site_id), accounts.filter(site_id=site_id)
    events = AuditEvent.objects.all() if user is None else AuditEvent.objects.for_user(user)
    if since is not None:
        events = events.filter(occurred_us__gte=to_epoch_us(since))
    grant_events = events.filter(object_type=GRANT_TYPE, object_id__in=_ids(grants))
    account_events = events.filter(object_type=ACCOUNT_TYPE, object_id__in=_ids(accounts))
    rows = list((grant_events | account_events).order_by("-seq")[:limit])
    names = _people_named(rows)
    return [_change(event, names) for event in rows]


def _ids(qs: QuerySet[Any]) -> QuerySet[Any]:
    # The trail keeps object ids as text: compare in the database, never with a list of ids built here.
    return qs.annotate(text_id=Cast("pk", output_field=CharField())).values("text_id")


def _people_named(events: list[AuditEvent]) -> dict[int, str]:
    ids: set[int] = set()
    for event in events:
        for state in (event.payload.get("before"), event.payload.get("after")):
            if state and state.get("approved_by_id"):
                ids.add(state["approved_by_id"])
    return dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))


def _change(event: AuditEvent, names: dict[int, str]) -> Change:
    before: dict[str, Any] = event.payload.get("before") or {}
    after: dict[str, Any] = event.payload.get("after") or {}
    reason: str = event.payload.get("reason", "") or ""
    state = after or before
    approver = names.get(state.get("approved_by_id") or 0, "")
    if event.object_type == GRANT_TYPE:
        what, why = (
            _grant_what(event.action, before, after),
            reason or (after.get("justification", "") if event.action == "create" else ""),
        )
    else:
        what, why = _account_what(event.action, before, after), reason
    return Change(event.seq, event.occurred_at, event.actor_label, event.object_type, event.object_id,
                  event.object_repr, what, approver, why, event.site_id)  # fmt: skip


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}


def _grant_what(action: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    if action == "create":
        until = f" until {after['expires_on']}" if after.get("expires_on") else ""
        return f"granted {after.get('privilege')} ({after.get('access_type')}) from {after.get('starts_on')}{until}"
    if action == "delete":
        return "grant deleted"
    diff = _changed(before, after)
    if diff.get("status", (None, None))[1] == "revoked":
        return f"revoked at {after.get('revoked_at')}"
    return (
        "changed " + ", ".join(f"{k}: {old} -> {new}" for k, (old, new) in diff.items()) if diff else "saved"
    )


def _account_what(action: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    if action == "create":
        return (f"account created ({after.get('kind')}, {after.get('privilege') or 'privilege unknown'}, "
                f"{after.get('status')})")  # fmt: skip
    if action == "delete":
        return "account deleted"
    diff = _changed(before, after)
    return (
        "changed " + ", ".join(f"{k}: {old} -> {new}" for k, (old, new) in diff.items()) if diff else "saved"
    )


def export(rows: list[Change], fmt: str) -> bytes:
    """The log as CSV, XLSX or JSON; no cell starts a spreadsheet formula."""
    return write_table("access changes", COLUMNS, [row.cells() for row in rows], fmt)
