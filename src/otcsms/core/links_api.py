"""REST endpoints of object links: generated CRUD (core.crud) whose writes go through the link service."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from otcsms.core import links
from otcsms.core.crud import Resource, register, save_validated
from otcsms.core.link_schemas import LinkCreate, LinkFilter, LinkOut, LinkUpdate
from otcsms.core.objectlinks import ObjectLink

router = Router(tags=["links"])


def refusal(exc: Exception) -> HttpError:
    """403 not this user, 409 already linked, 422 a value the link cannot take."""
    if isinstance(exc, links.LinkForbiddenError):
        return HttpError(403, str(exc))
    if isinstance(exc, links.LinkConflictError):
        return HttpError(409, str(exc))
    return HttpError(422, str(exc))


REFUSALS = (links.LinkForbiddenError, links.LinkConflictError, links.LinkInputError)


def _create(request: HttpRequest, data: dict[str, Any]) -> ObjectLink:
    try:
        return links.create_link(by=request.user, **data)
    except REFUSALS as exc:
        raise refusal(exc) from None


def _update(request: HttpRequest, link: ObjectLink, data: dict[str, Any]) -> ObjectLink:
    link.note = data.get("note", link.note)
    return save_validated(link)


def _delete(request: HttpRequest, link: ObjectLink) -> None:
    try:
        links.remove_link(link, by=request.user, reason=request.GET.get("reason", "")[:500])
    except REFUSALS as exc:
        raise refusal(exc) from None


LINKS = Resource(
    ObjectLink, "links", LinkOut, LinkCreate, LinkUpdate, filters=LinkFilter,
    select_related=("source_type", "target_type"), ordering=("-created_at", "-pk"),
    create_hook=_create, update_hook=_update, delete_hook=_delete, tags=["links"],
)  # fmt: skip
register(router, LINKS)
