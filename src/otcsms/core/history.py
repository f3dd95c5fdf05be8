"""The history of one object: one rule for every page and endpoint that shows it.

Anyone who may see an object sees that it changed, when and by whom, for the events recorded on sites they
can see (an event keeps the site the object had when it changed). The values before and after, and the
reason, are the audit trail's content: only those who may read the trail of that site see them (org admins,
auditors, site admins), exactly as in the audit log itself.

Events name their object by model label (``tenancy.site``). A model that moved between apps keeps the labels
its older events carry in ``audit_former_labels`` (the trail is never rewritten): every lookup by object type
goes through ``object_types`` so that it finds the events from before and after the move.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils.text import capfirst

from otcsms.core.models import AuditEvent
from otcsms.core.scoping import UserLike, sites_where


def object_types(model: type[models.Model]) -> tuple[str, ...]:
    """Every object type the events of ``model`` are recorded under: its label, then its former labels."""
    return (model._meta.label_lower, *getattr(model, "audit_former_labels", ()))


def model_of_object_type(object_type: str) -> type[models.Model] | None:
    """The model whose events carry ``object_type`` (current or former label), or None."""
    for model in apps.get_models():
        if object_type in object_types(model):
            return model
    return None


@cache  # models are code: what a type is called cannot change while the process runs
def type_label(object_type: str) -> str:
    """What people call the kind of object an event is about (``plant.zone`` -> ``zone``)."""
    model = model_of_object_type(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


@cache
def field_labels(object_type: str) -> dict[str, str]:
    """Each field's name as events record it (``nerc_impact``, ``parent_id``) -> its label (``NERC impact``)."""
    model = model_of_object_type(object_type)
    if model is None:
        return {}
    return {field.attname: capfirst(str(field.verbose_name)) for field in model._meta.concrete_fields}


def field_label(object_type: str, name: str) -> str:
    """The label of a recorded field; a field the model no longer has reads as its name in words."""
    return field_labels(object_type).get(name) or capfirst(name.removesuffix("_id").replace("_", " "))


def same_object(object_type: str) -> tuple[str, ...]:
    """The object types that name the same model as ``object_type`` (just itself when it names none)."""
    model = model_of_object_type(object_type)
    return object_types(model) if model is not None else (object_type,)


def object_history(user: UserLike, obj: models.Model) -> models.QuerySet[AuditEvent, Any]:
    """Events of ``obj`` the user may see, newest first, each annotated with ``values_visible``."""
    events = AuditEvent.objects.filter(object_type__in=object_types(type(obj)), object_id=str(obj.pk))
    if user.is_org_admin:
        return events.annotate(values_visible=Value(True, output_field=BooleanField()))
    events = events.filter(Q(site_id__in=sites_where(user, "view")) | Q(site_id__isnull=True))
    readable = ExpressionWrapper(Q(site_id__in=sites_where(user, "audit")), output_field=BooleanField())
    return events.annotate(values_visible=readable)


def values_visible(event: AuditEvent) -> bool:
    """Events that did not come through ``object_history`` come from the trail's own scope: readable."""
    return bool(getattr(event, "values_visible", True))
