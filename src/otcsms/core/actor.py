"""Who is acting: set once at every entry point (web request, API token, CLI, worker job).

The audit trail reads the current actor for every event it appends; a write with no actor is a bug
in an entry point and is refused, so no change can ever be recorded as anonymous.
"""

from __future__ import annotations

import contextlib
import getpass
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from otcsms.core.models import ApiToken, User

ActorKind = Literal["user", "token", "cli", "worker", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    label: str
    user_id: int | None = None
    token_id: int | None = None
    request_id: str = ""

    def with_request_id(self, request_id: str) -> Actor:
        return replace(self, request_id=request_id)


class MissingActorError(RuntimeError):
    """An audited write happened outside any entry point that says who is acting."""


_current: ContextVar[Actor | None] = ContextVar("otcsms_actor", default=None)


def current_actor() -> Actor:
    actor = _current.get()
    if actor is None:
        raise MissingActorError("audited write without an actor: wrap the entry point in acting_as(...)")
    return actor


def peek_actor() -> Actor | None:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    if not actor.request_id:
        actor = actor.with_request_id(new_request_id())
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def user_actor(user: User, *, request_id: str = "") -> Actor:
    return Actor(kind="user", label=user.get_username(), user_id=user.pk, request_id=request_id)


def token_actor(token: ApiToken, *, request_id: str = "") -> Actor:
    user = token.user
    return Actor(
        kind="token",
        label=f"{user.get_username()} (token {token.prefix})",
        user_id=user.pk,
        token_id=token.pk,
        request_id=request_id,
    )


def cli_actor(username: str | None = None) -> Actor:
    os_user = _os_user()
    label = f"cli:{os_user}" if username is None else f"cli:{os_user} as {username}"
    return Actor(kind="cli", label=label)


def worker_actor(job_name: str, job_id: str | int) -> Actor:
    return Actor(kind="worker", label=f"worker:{job_name}", request_id=f"job-{job_id}")


def system_actor(what: str, on_behalf_of: Actor | None = None) -> Actor:
    """The system doing its own housekeeping (loading the shipped library), not a person's decision.

    ``on_behalf_of`` names the entry point that set it going (``otcsms init``), kept in the label and the
    request id so the trail still says who ran it. Pages hide these events from "recent changes" by default.
    """
    label = f"system:{what}" if on_behalf_of is None else f"system:{what} ({on_behalf_of.label})"
    request_id = on_behalf_of.request_id if on_behalf_of is not None else ""
    return Actor(kind="system", label=label[:200], request_id=request_id)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def switch_actor(actor: Actor) -> None:
    """Replace the actor for the rest of the current request (authentication found out who it is).

    The enclosing ``acting_as`` of the request middleware restores the previous actor afterwards.
    """
    _current.set(actor)
