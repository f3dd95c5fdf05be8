"""REST endpoints of object links: generated CRUD (core.crud) whose writes go through the link service."""

from typing import Any

from ninja import Router
from ninja.errors import HttpError

from otcsms.core.crud import Resource, register, save_validated
from otcsms.core.models import User
from otcsms.links import services as links
from otcsms.links.models import ObjectLink
from otcsms.links.schemas import LinkCreate, LinkFilter, LinkOut, LinkUpdate

router = Router(tags=["links"])


def refusal(exc: Exception) -> HttpError:
    """403 not this user, 409 already linked, 422 a value the link cannot take."""
    if isinstance(exc, links.LinkForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, links.LinkConflictError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


REFUSALS = (links.LinkForbiddenError, links.LinkConflictError, links.LinkInputError)


def _create(user: User, data: dict[str, Any]) -> ObjectLink:
    try:
        return links.create_link(by=user, **data)
    except REFUSALS as exc:
        raise refusal(exc) from None


def _update(user: User, link: ObjectLink, data: dict[str, Any]) -> ObjectLink:
    link.note = data.get("note", link.note)
    return save_validated(link)


def _delete(user: User, link: ObjectLink, reason: str) -> None:
    try:
        links.remove_link(link, by=user, reason=reason)
    except REFUSALS as exc:
        raise refusal(exc) from None


LINKS = Resource(
    ObjectLink, "links", LinkOut, LinkCreate, LinkUpdate, filters=LinkFilter,
    select_related=("source_type", "target_type"), ordering=("-created_at", "-pk"),
    create_hook=_create, update_hook=_update, delete_hook=_delete, tags=["links"],
)  # fmt: skip
register(router, LINKS)
