"""Platform endpoints: who am I, API tokens, users, the audit trail."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from otcsms.core.audit import verify_chain
from otcsms.core.epoch import to_epoch_us
from otcsms.core.history import same_object
from otcsms.core.http import AuthedRequest
from otcsms.core.models import ApiToken, AuditEvent, User
from otcsms.core.pagination import Page
from otcsms.core.schemas import (
    AuditEventOut,
    ChainReportOut,
    Filter,
    InputSchema,
    TokenCreate,
    TokenCreated,
    TokenOut,
)
from otcsms.core.scoping import is_member

router = Router(tags=["platform"])


class MembershipOut(Schema):
    site_id: int
    site: str = Field(alias="site.name")
    role: str


class MeOut(Schema):
    id: int
    username: str
    email: str
    is_org_admin: bool
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[Any]:
        return list(obj.memberships.select_related("site"))


@router.get("/me", response=MeOut, operation_id="me")
def me(request: AuthedRequest) -> User:
    return request.user


def require_session(request: AuthedRequest, what: str) -> None:
    """Refuse a bearer token where only the person at a browser may act: a token that could mint, list or
    revoke tokens would outlive its own revocation through the tokens it made."""
    if getattr(request, "api_token", None) is not None:
        raise HttpError(403, f"{what} in a browser session, not with an API token")


@router.get("/tokens", response=list[TokenOut], operation_id="tokens_list")
@paginate(Page)
def list_tokens(request: AuthedRequest) -> QuerySet[ApiToken]:
    require_session(request, "manage API tokens")
    return ApiToken.objects.for_user(request.user)


@router.post("/tokens", response={201: TokenCreated}, operation_id="tokens_create")
def create_token(request: AuthedRequest, payload: TokenCreate) -> Status[TokenCreated]:
    require_session(request, "create API tokens")
    if payload.expires_at is not None and payload.expires_at <= timezone.now():
        raise HttpError(422, "expires_at must be in the future")
    with transaction.atomic():
        token, secret = ApiToken.issue(request.user, payload.name, payload.expires_at)
    out = TokenCreated.model_validate({**TokenOut.from_orm(token).model_dump(), "token": secret})
    return Status(201, out)


@router.post("/tokens/{id:pk}/revoke", response=TokenOut, operation_id="tokens_revoke")
def revoke_token(request: AuthedRequest, pk: int) -> ApiToken:
    require_session(request, "revoke API tokens")
    token = ApiToken.objects.for_user(request.user).filter(pk=pk).first()
    if token is None:
        raise HttpError(404, f"token {pk} not found")
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save()
    return token


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    is_org_admin: bool
    last_login: datetime | None


class UserCreate(InputSchema):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    password: str = Field(min_length=10, max_length=200)
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    is_org_admin: bool = False


class UserUpdate(InputSchema):
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    is_active: bool | None = None
    is_org_admin: bool | None = None


def _users_visible(request: AuthedRequest) -> QuerySet[User]:
    """Org admins manage every user; members see the accounts (not the passwords) of the organisation."""
    if not is_member(request.user):
        raise HttpError(403, "you have no role in this organisation")
    return User.objects.all()


@router.get("/users", response=list[UserOut], operation_id="users_list")
@paginate(Page)
def list_users(request: AuthedRequest, q: str = "") -> QuerySet[User]:
    users = _users_visible(request)
    if not request.user.is_org_admin:
        users = users.filter(pk=request.user.pk)
    return users.filter(username__icontains=q) if q else users


@router.post("/users", response={201: UserOut}, operation_id="users_create")
def create_user(request: AuthedRequest, payload: UserCreate) -> Status[User]:
    if not request.user.is_org_admin:
        raise HttpError(403, "only organisation admins create users")
    from otcsms.core.users import UserInputError
    from otcsms.core.users import create_user as make_user

    try:
        with transaction.atomic():
            user = make_user(**payload.model_dump())
    except UserInputError as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201, user)


@router.patch("/users/{id:pk}", response=UserOut, operation_id="users_update")
def update_user(request: AuthedRequest, pk: int, payload: UserUpdate) -> User:
    if not request.user.is_org_admin:
        raise HttpError(403, "only organisation admins change users")
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise HttpError(404, f"user {pk} not found")
    data = payload.model_dump(exclude_unset=True)
    if user.pk == request.user.pk and (data.get("is_org_admin") is False or data.get("is_active") is False):
        raise HttpError(409, "you cannot remove your own organisation admin role or deactivate yourself")
    with transaction.atomic():
        for name, value in data.items():
            setattr(user, name, value)
        user.save()
    return user


class AuditFilter(Filter):
    object_type: str | None = None
    object_id: str | None = None
    site_id: int | None = None
    action: str | None = None
    actor_kind: str | None = None
    request_id: str | None = None
    since: datetime | None = Field(None, description="Events at or after this time (ISO 8601).")
    until: datetime | None = Field(None, description="Events before this time (ISO 8601).")

    def filter_object_type(self, value: str | None) -> Q:
        # A moved model's events carry its former label too: asking for either finds them all.
        return Q(object_type__in=same_object(value)) if value else Q()

    def filter_since(self, value: datetime | None) -> Q:
        return Q(occurred_us__gte=to_epoch_us(value)) if value else Q()

    def filter_until(self, value: datetime | None) -> Q:
        return Q(occurred_us__lt=to_epoch_us(value)) if value else Q()


@router.get("/audit/events", response=list[AuditEventOut], operation_id="audit_events")
@paginate(Page)
def audit_events(request: AuthedRequest, filters: Query[AuditFilter]) -> QuerySet[AuditEvent]:
    events: QuerySet[AuditEvent] = filters.filter(AuditEvent.objects.for_user(request.user))
    return events


@router.get("/audit/verify", response=ChainReportOut, operation_id="audit_verify")
def audit_verify(request: AuthedRequest) -> dict[str, Any]:
    if not (request.user.is_org_admin or AuditEvent.objects.for_user(request.user).exists()):
        raise HttpError(403, "only organisation admins and auditors verify the audit trail")
    return verify_chain().as_dict()


class CheckpointOut(Schema):
    format: str
    version: int
    instance: str | None
    seq: int
    head_hash: str
    created_at: str
    public_key: str
    key_fingerprint: str
    signature: str


class CheckpointResultOut(Schema):
    source: str
    ok: bool
    problem: str
    seq: int
    head_hash: str
    created_at: str
    key_fingerprint: str


class CheckpointReportOut(ChainReportOut):
    keyed_from: int
    unkeyed_events: int
    checkpoints: list[CheckpointResultOut]


def _require_trail_verifier(request: AuthedRequest) -> None:
    if not (request.user.is_org_admin or AuditEvent.objects.for_user(request.user).exists()):
        raise HttpError(403, "only organisation admins and auditors verify the audit trail")


@router.get("/audit/checkpoint", response=CheckpointOut, operation_id="audit_checkpoint")
def audit_checkpoint(request: AuthedRequest) -> dict[str, Any]:
    """A freshly signed checkpoint of the verified chain head: keep it where the database's writers cannot reach."""
    from django.core.exceptions import ImproperlyConfigured

    from otcsms.core.checkpoints import ChainBrokenError, current_checkpoint

    _require_trail_verifier(request)
    try:
        return current_checkpoint().as_dict()
    except ImproperlyConfigured as exc:
        raise HttpError(503, str(exc)) from None
    except ChainBrokenError as exc:
        raise HttpError(409, f"no checkpoint signed: {exc}") from None


_CHECKPOINT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": CheckpointOut.json_schema()}},
}


@router.post(
    "/audit/verify-checkpoint",
    response=CheckpointReportOut,
    operation_id="audit_verify_checkpoint",
    openapi_extra={"requestBody": _CHECKPOINT_BODY},
)
def audit_verify_checkpoint(request: AuthedRequest) -> dict[str, Any]:
    """Verify the chain and check that it still holds the checkpoint(s) in the body (one, or a JSON array)."""
    from otcsms.core.checkpoints import CheckpointError, parse, verify_with_checkpoints

    _require_trail_verifier(request)
    try:
        sources = [("request", checkpoint) for checkpoint in parse(request.body)]
        return verify_with_checkpoints(sources).as_dict()
    except CheckpointError as exc:
        raise HttpError(422, f"not a valid checkpoint: {exc}") from None


class PasswordChange(InputSchema):
    old_password: str = Field(max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class Detail(Schema):
    detail: str


@router.post("/me/password", response=Detail, operation_id="me_password")
def change_password(request: AuthedRequest, payload: PasswordChange) -> dict[str, str]:
    from otcsms.core.users import UserInputError, set_password

    require_session(request, "change your password")
    if not request.user.check_password(payload.old_password):
        raise HttpError(422, "the current password is wrong")
    try:
        with transaction.atomic():
            set_password(request.user, payload.new_password)
    except UserInputError as exc:
        raise HttpError(422, str(exc)) from None
    return {"detail": "password changed"}
