"""Generated REST endpoints for a model: list, get, create, update, delete and history.

Every app declares its models as ``Resource``s and calls ``register``; the generated handlers are the
one place that applies site scoping, permission checks, validation and the write transaction, so no
app repeats them (and the route-enumerating access test covers them all).

A resource whose writes are a workflow gives hooks. They receive typed values, never the request: the acting
user, the validated payload (a dict of field values), the row, the delete's reason. So a hook is a thin
adapter to a service the pages call too, and cannot grow request-reading logic of its own.
"""

# No `from __future__ import annotations`: the generated handlers need their schema annotations
# evaluated when they are defined, since ninja reads them to build the request parsers.
from collections.abc import Callable
from dataclasses import dataclass, field
from types import GenericAlias
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from otcsms.core.history import object_history
from otcsms.core.http import AuthedRequest
from otcsms.core.models import Audited, AuditEvent, User
from otcsms.core.pagination import Page
from otcsms.core.roles import Action
from otcsms.core.schemas import AuditEventOut, Filter
from otcsms.core.scoping import AnyUser, may_write

M = TypeVar("M", bound=Audited)
CreateHook = Callable[[User, dict[str, Any]], M]  # (who acts, validated fields) -> the new row
UpdateHook = Callable[[User, M, dict[str, Any]], M]  # (who, row, fields given) -> row
DeleteHook = Callable[[User, M, str], None]  # (who, row, reason)


class EmptyFilter(Filter):
    pass


@dataclass(frozen=True)
class Resource(Generic[M]):
    model: type[M]
    path: str
    schema_out: type[Schema]
    schema_create: type[Schema] | None = None
    schema_update: type[Schema] | None = None
    filters: type[Filter] = EmptyFilter
    write_action: Action = "change"
    select_related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("pk",)
    deletable: bool = True
    create_hook: CreateHook[M] | None = None
    update_hook: UpdateHook[M] | None = None
    delete_hook: DeleteHook[M] | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.replace("-", "_")


def visible(resource: Resource[M], request: AuthedRequest, action: Action = "view") -> models.QuerySet[M]:
    qs: models.QuerySet[M] = scoped(resource.model, request.user, action)
    if resource.select_related:
        qs = qs.select_related(*resource.select_related)
    return qs.order_by(*resource.ordering)


def get_visible_or_404(resource: Resource[M], request: AuthedRequest, pk: int) -> M:
    obj = visible(resource, request).filter(pk=pk).first()
    if obj is None:
        raise HttpError(404, f"{resource.model._meta.verbose_name} {pk} not found")
    return obj


def require_write(
    request: AuthedRequest, model: type[models.Model], site_id: int | None, action: Action
) -> None:
    """403 unless the user may write this kind of row on this site (org-wide rows: org admins only)."""
    if not may_write(request.user, model, site_id, action):
        raise HttpError(403, f"you may not {action} {model._meta.verbose_name_plural} here")


def check_references(request: AuthedRequest, model: type[models.Model], data: dict[str, Any]) -> None:
    """Every foreign key in the payload must name a row the user can see (same answer as 'does not exist')."""
    for name, value in data.items():
        if value is None or not name.endswith("_id"):
            continue
        fk = _foreign_key(model, name)
        if fk is None:
            continue
        related = fk.related_model
        if not scoped(related, request.user).filter(pk=value).exists():
            raise HttpError(422, f"{name}: no {related._meta.verbose_name} with id {value}")


def scoped(model: type[models.Model], user: AnyUser, action: Action = "view") -> models.QuerySet[Any]:
    """``model``'s rows ``user`` may see. Every model that can be referenced declares ``for_user``; one that
    does not is a bug, not an invitation to show everything."""
    manager = model._default_manager
    if not hasattr(manager, "for_user"):
        raise TypeError(f"{model._meta.label} has no for_user scope: it cannot be referenced from input")
    qs: models.QuerySet[Any] = manager.for_user(user, action)
    return qs


def _foreign_key(model: type[models.Model], attname: str) -> models.ForeignKey[Any, Any] | None:
    for f in model._meta.concrete_fields:
        if f.attname == attname and isinstance(f, models.ForeignKey):
            return f
    return None


def validation_detail(exc: ValidationError) -> Any:
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


_Row = TypeVar("_Row", bound=models.Model)


def save_validated(obj: _Row) -> _Row:
    """Validate fields and constraints (a ValidationError becomes a 422 with the field messages), then save."""
    obj.full_clean()
    obj.save()
    return obj


def assign(obj: _Row, data: dict[str, Any]) -> _Row:
    """Set the fields given in ``data`` (a PATCH changes only those)."""
    for name, value in data.items():
        setattr(obj, name, value)
    return obj


def _default_update(user: User, obj: M, data: dict[str, Any]) -> M:
    return save_validated(assign(obj, data))


def _default_delete(user: User, obj: Audited, reason: str) -> None:
    obj._audit_reason = reason
    obj.delete()


def register(router: Router, resource: Resource[Any]) -> None:
    """Add the standard endpoints of ``resource`` to ``router``."""
    _register_reads(router, resource)
    if resource.schema_create is not None:
        _register_create(router, resource)
    if resource.schema_update is not None:
        _register_update(router, resource)
    if resource.deletable:
        _register_delete(router, resource)


# The generated handlers' annotations name the resource's own schemas, since ninja builds its parsers from them;
# mypy cannot take a variable as a type, hence their `type: ignore[valid-type]` (the bodies use the base schema).
def _register_reads(router: Router, r: Resource[M]) -> None:
    out = r.schema_out
    filters_cls = r.filters

    # The default serves a filter schema without fields (EmptyFilter): ninja passes no value for one.
    # response=list[out], built at run time: out is this resource's schema
    @router.get(f"/{r.path}", response=GenericAlias(list, (out,)), operation_id=f"{r.name}_list", tags=r.tags)
    @paginate(Page)
    def list_items(request: AuthedRequest, filters: Query[filters_cls] = filters_cls()) -> QuerySet[Any]:  # type: ignore[valid-type]  # noqa: B008
        return _filtered(cast(Filter, filters), visible(r, request))

    @router.get(f"/{r.path}/{{id:pk}}", response=out, operation_id=f"{r.name}_get", tags=r.tags)
    def get_item(request: AuthedRequest, pk: int) -> M:
        return get_visible_or_404(r, request, pk)

    @router.get(
        f"/{r.path}/{{id:pk}}/history",
        response=list[AuditEventOut],
        operation_id=f"{r.name}_history",
        tags=r.tags,
    )
    @paginate(Page)
    def item_history(request: AuthedRequest, pk: int) -> models.QuerySet[AuditEvent, Any]:
        return object_history(request.user, get_visible_or_404(r, request, pk))


def _filtered(filters: Filter, qs: models.QuerySet[Any]) -> models.QuerySet[Any]:
    filtered: models.QuerySet[Any] = filters.filter(qs)
    return filtered


def _register_create(router: Router, r: Resource[M]) -> None:
    schema_in = r.schema_create

    @router.post(f"/{r.path}", response={201: r.schema_out}, operation_id=f"{r.name}_create", tags=r.tags)
    def create_item(request: AuthedRequest, payload: schema_in) -> Status[M]:  # type: ignore[valid-type]
        data = cast(Schema, payload).model_dump()
        site_id = r.model.site_id_for_new(data)
        # permission first: someone who may not write here learns nothing about what the ids name
        require_write(request, r.model, site_id, r.write_action)
        check_references(request, r.model, data)
        with transaction.atomic():
            if r.create_hook is not None:
                obj = r.create_hook(request.user, data)
            else:
                obj = save_validated(r.model(**data))
        return Status(201, obj)


def _register_update(router: Router, r: Resource[M]) -> None:
    schema_in = r.schema_update

    @router.patch(f"/{r.path}/{{id:pk}}", response=r.schema_out, operation_id=f"{r.name}_update", tags=r.tags)
    def update_item(request: AuthedRequest, pk: int, payload: schema_in) -> M:  # type: ignore[valid-type]
        obj = get_visible_or_404(r, request, pk)
        require_write(request, r.model, obj.audit_site_id(), r.write_action)
        data = cast(Schema, payload).model_dump(exclude_unset=True)
        check_references(request, r.model, data)
        with transaction.atomic():
            obj = (r.update_hook or _default_update)(request.user, obj, data)
        return obj


def _register_delete(router: Router, r: Resource[M]) -> None:
    @router.delete(f"/{r.path}/{{id:pk}}", response={204: None}, operation_id=f"{r.name}_delete", tags=r.tags)
    def delete_item(request: AuthedRequest, pk: int, reason: str = "") -> Status[None]:
        obj = get_visible_or_404(r, request, pk)
        require_write(request, r.model, obj.audit_site_id(), r.write_action)
        with transaction.atomic():
            (r.delete_hook or _default_delete)(request.user, obj, reason[:500])
        return Status(204, None)
