"""A record stays on the site it was created on.

Sites are the unit of access: a row's site decides who sees it and who sees its audit history. Moving a row
to another site would hand its history to that site's viewers and leave references that cross sites (a
conduit whose zones stay behind, assets in a zone of another site). So no path moves a row: the API's update
schemas have no ``site_id``, the forms show the site read-only on edit, and ``clean()`` of every site-owned
model refuses a changed site with the message below. One rule, one message, every path.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from otcsms.core.models import SiteOwned


def stored_site_id(model: type[models.Model], pk: object) -> int | None:
    """The site the row ``pk`` of ``model`` has in the database (None: not stored, or no site)."""
    site_id: int | None = model._base_manager.filter(pk=pk).values_list("site_id", flat=True).first()
    return site_id


def site_move_problem(model: type[models.Model], pk: object, site_id: int | None) -> str | None:
    """Why the row ``pk`` of ``model`` may not get ``site_id`` as its site, or None when it keeps its site.

    A row not stored yet (``pk`` None) may take any site: the caller checks the right to write there.
    """
    if pk is None or stored_site_id(model, pk) == site_id:
        return None
    noun = model._meta.verbose_name
    return (
        f"a {noun} stays on the site it was created on: to have it on another site, create it there "
        f"(or export and import it) and delete this one"
    )


def refuse_site_move(obj: SiteOwned) -> None:
    """ValidationError on ``site`` when ``obj`` is stored with another site than it has now."""
    problem = site_move_problem(type(obj), obj.pk, obj.site_id)
    if problem is not None:
        raise ValidationError({"site": problem})
