"""Platform models: users, API tokens, the audit trail, and the mixins every domain model is built from."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import Signal
from django.utils import timezone
from django.utils.functional import cached_property

from otcsms.core.epoch import from_epoch_us
from otcsms.core.scoping import (
    AnyUser,
    OrgScopedQuerySet,
    SiteScopedQuerySet,
    default_site_scope_q,
    memberships,
    sites_where,
)

# Sent by ``bulk_create`` of audited models with the created instances, inside its transaction: the audit trail
# (core.audit) records them, as it records saves and deletes from Django's own signals. The models announce and
# never call the trail: it sits above them.
bulk_created = Signal()


class UnauditedWriteError(RuntimeError):
    """A write path that would bypass the audit trail (bulk update of audited fields, raw edits)."""


_A = TypeVar("_A", bound="Audited")


class AuditedQuerySet(models.QuerySet[_A]):
    """Bulk writes that keep the audit trail complete, or refuse."""

    def update(self, **kwargs: Any) -> int:
        touched = set(kwargs) - set(self.model.audit_ignore_fields)
        if touched:
            raise UnauditedWriteError(
                f"bulk update of audited fields {sorted(touched)} on {self.model._meta.label}: save each object"
            )
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        # Deletion signals record one event per object (cascades included) inside this transaction.
        with transaction.atomic(using=self.db):
            return super().delete()

    def bulk_create(self, objs: Iterable[_A], *args: Any, **kwargs: Any) -> list[_A]:
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            bulk_created.send(sender=self.model, instances=created, using=self.db)
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise UnauditedWriteError(f"bulk_update on {self.model._meta.label} bypasses the audit trail")


# The django plugin gives every queryset class an ``as_manager`` of its own return type, so two bases conflict.
class SiteScopedAuditedQuerySet(AuditedQuerySet[_A], SiteScopedQuerySet[_A]):  # type: ignore[override]
    pass


class OrgScopedAuditedQuerySet(AuditedQuerySet[_A], OrgScopedQuerySet[_A]):  # type: ignore[override]
    pass


class Audited(models.Model):
    """Every create, update and delete appends a hash-chained audit event in the same transaction.

    The events are written by signal receivers (core.audit); ``save``/``delete`` only guarantee that the
    change and its event share one transaction, even when the caller did not open one.
    """

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset()
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset()
    # Labels the model's events were recorded under before it moved to another app: the trail is never
    # rewritten, so lookups by object type include them (core.history.object_types).
    audit_former_labels: ClassVar[tuple[str, ...]] = ()

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    # What was loaded (set by from_db), and the reason a delete gives (set by its caller): read by core.audit.
    _audit_loaded: dict[str, Any]
    _audit_reason: str

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        # Remember what was loaded: it is the "before" of the next update, without another query.
        instance._audit_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic(using=kwargs.get("using") or self._state.db, savepoint=False):
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=kwargs.get("using") or self._state.db, savepoint=False):
            return super().delete(*args, **kwargs)

    def audit_site_id(self) -> int | None:
        """The site this object belongs to, for scoping its events; None for organisation-wide objects."""
        return getattr(self, "site_id", None)

    @classmethod
    def site_id_for_new(cls, data: Mapping[str, Any]) -> int | None:
        """The site a new row built from ``data`` will belong to, for the write check made before it is built."""
        return data.get("site_id")


class SiteOwned(Audited):
    """Belongs to exactly one site; visible only through ``objects.for_user``."""

    # The target is named, not imported: tenancy's models are built from these mixins (see tenancy.apps).
    site = models.ForeignKey("tenancy.Site", on_delete=models.PROTECT, related_name="+")

    site_path: ClassVar[str] = "site"
    objects: ClassVar = SiteScopedAuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def site_scope_q(cls, permitted_sites: models.QuerySet[Any, Any]) -> models.Q:
        return default_site_scope_q(cls, permitted_sites)


class OrgWide(Audited):
    """Organisation-wide reference data: readable by every member, writable by organisation admins."""

    org_wide: ClassVar[bool] = True  # read by scoping.may_write
    objects: ClassVar = OrgScopedAuditedQuerySet.as_manager()

    class Meta:
        abstract = True


class UserQuerySet(AuditedQuerySet["User"]):
    def for_user(self, user: AnyUser, action: str = "view") -> UserQuerySet:
        """Accounts a user may see or name (e.g. as a person's login or an assessor): org admins and site
        admins every account (they grant access, so they must be able to name whom to); others themselves
        and the people who hold a role on one of their sites."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_org_admin or sites_where(user, "admin").exists():
            return self
        if action != "view":
            return self.filter(pk=user.pk)
        colleagues = memberships().filter(site_id__in=sites_where(user))
        return self.filter(models.Q(pk=user.pk) | models.Q(pk__in=colleagues.values("user_id")))


if TYPE_CHECKING:
    # The django plugin builds a manager type from this assignment form only, not from a class based on the call.
    AuditedUserManager = UserManager.from_queryset(UserQuerySet)
else:

    class AuditedUserManager(UserManager.from_queryset(UserQuerySet)):
        """A class of its own (not the assignment): migrations name it."""


class User(AbstractUser, Audited):
    is_org_admin = models.BooleanField(
        default=False, help_text="Administers the whole organisation: every site, every user."
    )

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"last_login"})
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    # Django's user manager over the audited queryset: not the manager type Audited declares, by design.
    objects: ClassVar = AuditedUserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_username()


TOKEN_PREFIX = "otc_"


class ApiTokenQuerySet(AuditedQuerySet["ApiToken"]):
    def for_user(self, user: AnyUser, action: str = "view") -> ApiTokenQuerySet:
        """A user's own tokens: nobody else, org admins included, sees or names them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user_id=user.pk)


class ApiToken(Audited):
    """A bearer token. Only its SHA-256 is stored: the token itself is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part, used to find the token.")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"last_used_at"})
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"digest"})

    objects: ClassVar = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @staticmethod
    def digest_of(secret: str) -> str:
        # Tokens carry 256 bits of randomness: a fast hash is the right tool (nothing to brute-force).
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
        prefix = secrets.token_hex(4)
        secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user, name=name, prefix=prefix, digest=cls.digest_of(secret), expires_at=expires_at
        )
        return token, secret

    @classmethod
    def authenticate(cls, presented: str) -> ApiToken | None:
        """The live token matching ``presented``, or None. Never says which part was wrong."""
        if not presented.startswith(TOKEN_PREFIX) or len(presented) > 100:
            return None
        prefix, _, _rest = presented[len(TOKEN_PREFIX) :].partition("_")
        token = cls.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.digest, cls.digest_of(presented)):
            return None
        if not token.is_live() or not token.user.is_active:
            return None
        return token

    def is_live(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def audit_site_id(self) -> int | None:
        return None


class RowIdField(models.BigIntegerField[int, int]):
    """A 64-bit integer primary key that is SQLite's rowid (no AUTOINCREMENT bookkeeping table)."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise UnauditedWriteError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise UnauditedWriteError("audit events are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise UnauditedWriteError("audit events are append-only")

    def for_user(self, user: AnyUser) -> AuditEventQuerySet:
        """Events a user may read in the trail: org admins all; auditors and site admins their sites."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_org_admin:
            return self
        return self.filter(site_id__in=sites_where(user, "audit"))


class AuditEvent(models.Model):
    """One change to one object. Append-only; each event's hash covers its content and the previous hash."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"

    # The sequence number is the primary key: on SQLite the rowid itself, so walking the chain in order
    # is a plain table scan. The application assigns it (the chain decides the next number).
    seq = RowIdField(primary_key=True)
    occurred_us = models.BigIntegerField(help_text="Microseconds since the Unix epoch, UTC.")
    actor_kind = models.CharField(max_length=10)
    actor_user_id = models.BigIntegerField(null=True)
    actor_token_id = models.BigIntegerField(null=True)
    actor_label = models.CharField(max_length=200)
    request_id = models.CharField(max_length=64)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    site_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    data = models.TextField(help_text="Canonical JSON: before, after, reason.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["site_id", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise UnauditedWriteError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise UnauditedWriteError("audit events are append-only")

    @property
    def occurred_at(self) -> datetime:
        return from_epoch_us(self.occurred_us)

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The before/after/reason document (parsed once: events never change)."""
        payload: dict[str, Any] = json.loads(self.data)
        return payload


class AuditChainHead(models.Model):
    """The last sequence number and hash: lets verification notice events cut from the end of the chain.

    ``keyed_from`` is the first event hashed with the chain key (events before it were written by a version
    that hashed without one); ``seal`` is an HMAC of seq, hash and keyed_from under that key, so the head
    can be neither rewound nor "un-keyed" by someone who can only write the database.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    keyed_from = models.BigIntegerField(default=1)
    seal = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise UnauditedWriteError("the chain head cannot be deleted")
