"""Sign-in endpoints: the organisation's MFA policy, the caller's sessions and second factors.

Enrolling a factor happens in the browser (it needs the authenticator app or the key at hand); the API lists
and removes them. Sessions and factors are the caller's own, and only a browser session may manage them: a
token must not be able to revoke the session that would notice it, nor remove the factors that guard it.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from otcsms.core.api import require_session
from otcsms.core.http import AuthedRequest
from otcsms.core.schemas import InputSchema
from otcsms.core.scoping import is_member
from otcsms.signin import services
from otcsms.signin.models import MfaPolicy, SigninSession
from otcsms.signin.views import own_factor

router = Router(tags=["sign-in"])


class PolicyOut(Schema):
    required_for: Literal["nobody", "admins", "everyone"]
    updated_at: datetime | None


class PolicyIn(InputSchema):
    required_for: Literal["nobody", "admins", "everyone"]
    reason: str = Field("", max_length=500)


class SessionOut(Schema):
    id: int
    created_at: datetime
    last_seen_at: datetime
    ip_address: str | None
    user_agent: str
    method: str
    mfa: str
    current: bool = False


class FactorOut(Schema):
    kind: str
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


@router.get("/mfa-policy", response=PolicyOut, operation_id="mfa_policy_get")
def get_policy(request: AuthedRequest) -> MfaPolicy:
    if not is_member(request.user):
        raise HttpError(403, "only members of the organisation read its MFA policy")
    return MfaPolicy.current()


@router.put("/mfa-policy", response=PolicyOut, operation_id="mfa_policy_set")
def set_policy(request: AuthedRequest, payload: PolicyIn) -> MfaPolicy:
    if not request.user.is_org_admin:
        raise HttpError(403, "only organisation admins set the MFA policy")
    try:
        return services.set_policy(payload.required_for, reason=payload.reason[:500])
    except services.SigninError as exc:
        raise HttpError(422, str(exc)) from None


@router.get("/sessions", response=list[SessionOut], operation_id="sessions_list")
def list_sessions(request: AuthedRequest) -> list[SessionOut]:
    require_session(request, "list sessions")
    current = request.session.get("signin.sid")
    return [
        SessionOut.model_validate({**SessionOut.from_orm(s).model_dump(), "current": s.pk == current})
        for s in services.active_sessions(request.user)
    ]


@router.post("/sessions/{id:pk}/revoke", response=SessionOut, operation_id="sessions_revoke")
def revoke_session(request: AuthedRequest, pk: int) -> SigninSession:
    require_session(request, "revoke sessions")
    try:
        return services.revoke_session(request.user, pk)
    except services.SigninError as exc:
        raise HttpError(404, str(exc)) from None


@router.get("/mfa/devices", response=list[FactorOut], operation_id="mfa_devices_list")
def list_factors(request: AuthedRequest) -> list[FactorOut]:
    return [
        FactorOut(kind=f.kind, id=f.pk, name=f.name, created_at=f.created_at, last_used_at=f.last_used_at)
        for f in services.factors(request.user)
    ]


@router.delete("/mfa/devices/{kind}/{id:pk}", response={204: None}, operation_id="mfa_devices_remove")
def remove_factor(
    request: AuthedRequest, kind: Literal["totp", "webauthn", "recovery"], pk: int
) -> Status[None]:
    require_session(request, "remove second factors")
    try:
        device = own_factor(request.user, kind, pk)
    except Exception:
        raise HttpError(404, f"{kind} factor {pk} not found") from None
    try:
        services.remove_factor(device)
    except services.SigninError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(204, None)
