"""Directory sign-in in the database: the local account of a directory user (created at the first sign-in,
names and e-mail kept in step), its roles re-synchronised from the group mappings at every sign-in, and the
refusals. Every change is an audited write in one transaction, by the actor ``system:directory sync (NAME)``.

The directory owns a directory user's roles: after a sign-in they hold exactly the site roles (and the
organisation admin flag) their groups map to. A role given by hand to a directory user lasts until their next
sign-in. Local accounts (no ``DirectoryAccount``) are never touched, and a directory user whose name is already
a local account's is refused: the directory cannot take over the break-glass ``admin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otcsms.core.actor import Actor, acting_as, peek_actor
from otcsms.core.audit import append_event, with_reason
from otcsms.core.models import User
from otcsms.directory.client import DirectoryConfig, DirectoryUser
from otcsms.directory.dn import BadDn, dn_key
from otcsms.directory.models import ORG_ADMIN, ROLE_STRENGTH, DirectoryAccount, GroupMapping
from otcsms.tenancy.models import SiteMembership

SYNC_REASON = "directory group sync"


def config() -> DirectoryConfig | None:
    """The directory of this instance (settings ``LDAP_*``), or None when no directory is configured."""
    url = getattr(settings, "LDAP_URL", "")
    if not url:
        return None
    return DirectoryConfig(
        url=url, user_base=settings.LDAP_USER_BASE, user_filter=settings.LDAP_USER_FILTER,
        group_base=settings.LDAP_GROUP_BASE, group_filter=settings.LDAP_GROUP_FILTER,
        bind_dn=settings.LDAP_BIND_DN, bind_password=settings.LDAP_BIND_PASSWORD,
        start_tls=settings.LDAP_START_TLS, insecure=settings.LDAP_INSECURE, ca_file=settings.LDAP_CA_FILE,
        timeout=settings.LDAP_TIMEOUT,
    )  # fmt: skip


def sync_actor(username: str) -> Actor:
    """The directory sync acting for ``username``'s sign-in (the request id of the sign-in kept)."""
    outer = peek_actor()
    return Actor(kind="system", label=f"system:directory sync ({username[:100]})",
                 request_id=outer.request_id if outer is not None else "")  # fmt: skip


@dataclass(frozen=True)
class RoleChange:
    site: str
    before: str | None
    after: str | None


def mapped_roles(groups: tuple[str, ...] | list[str]) -> tuple[bool, dict[int, str]]:
    """(organisation admin?, {site id: role}) the groups map to; the strongest role per site."""
    keys = set()
    for group in groups:
        try:
            keys.add(dn_key(group))
        except BadDn:
            continue
    org_admin = False
    roles: dict[int, str] = {}
    for mapping in GroupMapping.objects.filter(dn_key__in=keys):
        if mapping.role == ORG_ADMIN:
            org_admin = True
        elif mapping.site_id is not None:
            held = roles.get(mapping.site_id)
            if held is None or ROLE_STRENGTH[mapping.role] > ROLE_STRENGTH[held]:
                roles[mapping.site_id] = mapping.role
    return org_admin, roles


def _sync_roles(user: User, groups: tuple[str, ...]) -> list[RoleChange]:
    org_admin, wanted = mapped_roles(groups)
    changes: list[RoleChange] = []
    held = {m.site_id: m for m in SiteMembership.objects.filter(user=user).select_related("site")}
    for site_id, membership in held.items():
        role = wanted.get(site_id)
        if role is None:
            changes.append(RoleChange(str(membership.site), membership.role, None))
            with_reason(membership, SYNC_REASON).delete()
        elif role != membership.role:
            changes.append(RoleChange(str(membership.site), membership.role, role))
            membership.role = role
            with_reason(membership, SYNC_REASON).save()
    for site_id, role in wanted.items():
        if site_id not in held:
            added = with_reason(SiteMembership(user=user, site_id=site_id, role=role), SYNC_REASON)
            added.save()
            changes.append(RoleChange(str(added.site), None, role))
    if user.is_org_admin != org_admin:
        changes.append(RoleChange("(organisation)", ORG_ADMIN if user.is_org_admin else None,
                                  ORG_ADMIN if org_admin else None))  # fmt: skip
        user.is_org_admin = org_admin
        with_reason(user, SYNC_REASON).save(update_fields=["is_org_admin"])
    return changes


def local_name(username: str) -> str:
    return username.strip().lower()


def signed_in(found: DirectoryUser, username: str) -> User | None:
    """The local account of a directory user whose bind succeeded, created or brought in step (names, e-mail,
    roles); None when it must not sign in (a local account has the name, or it was deactivated here)."""
    name = local_name(username)
    key = dn_key(found.dn)
    with acting_as(sync_actor(name)), transaction.atomic():
        account = (
            DirectoryAccount.objects.select_for_update().select_related("user").filter(dn_key=key).first()
        )
        if account is None:
            if User.objects.filter(username__iexact=name).exists():  # "Admin" is taken by "admin" too
                _refusal(name, "a local account has this name", found.dn)
                return None
            user = User(
                username=name, first_name=found.first_name, last_name=found.last_name, email=found.email
            )
            user.set_unusable_password()
            with_reason(user, "created at first directory sign-in").save()
            account = DirectoryAccount.objects.create(
                user=user, dn=found.dn, dn_key=key, groups=list(found.groups)
            )
        else:
            user = account.user
            if not user.is_active:
                _refusal(name, "account deactivated in otcsms", found.dn)
                return None
            profile = {"first_name": found.first_name, "last_name": found.last_name, "email": found.email}
            if any(getattr(user, f) != v for f, v in profile.items()):
                for f, v in profile.items():
                    setattr(user, f, v)
                with_reason(user, "directory attributes").save(update_fields=list(profile))
            if account.groups != list(found.groups) or account.dn != found.dn:
                account.groups, account.dn = list(found.groups), found.dn
                account.save()
        changes = _sync_roles(user, found.groups)
        DirectoryAccount.objects.filter(pk=account.pk).update(synced_at=timezone.now())
        append_event(
            object_type="directory.sync", object_id=str(user.pk), object_repr=f"directory sync: {name}"[:200],
            site_id=None, action="create", before=None, reason=SYNC_REASON,
            after={"username": name, "dn": found.dn, "groups": list(found.groups),
                   "granted": [c.__dict__ for c in changes if c.after is not None],
                   "removed": [c.__dict__ for c in changes if c.after is None]},
        )  # fmt: skip
    return user


def refused(username: str, reason: str, dn: str = "") -> None:
    """A directory refusal in the trail; a user the directory disabled is deactivated here too (their
    sessions end at their next request, their API tokens stop working)."""
    name = local_name(username)[:150]
    with acting_as(sync_actor(name)), transaction.atomic():
        _refusal(name, reason, dn)
        if dn and reason == "disabled in the directory":
            try:
                key = dn_key(dn)
            except BadDn:
                return
            account = DirectoryAccount.objects.select_related("user").filter(dn_key=key).first()
            if account is not None and account.user.is_active:
                account.user.is_active = False
                with_reason(account.user, "disabled in the directory").save(update_fields=["is_active"])


def _refusal(name: str, reason: str, dn: str) -> None:
    append_event(
        object_type="directory.sync", object_id=name[:64], object_repr=f"directory sign-in refused: {name}"[:200],
        site_id=None, action="create", before=None, after={"username": name, "dn": dn, "refused": reason},
        reason=f"directory: {reason}",
    )  # fmt: skip


def directory_users() -> Any:
    return DirectoryAccount.objects.select_related("user")


def save_mapping(mapping: GroupMapping, reason: str = "") -> GroupMapping:
    """Validate (fields and both uniqueness rules, on the normalised DN) and save a mapping, audited."""
    mapping.full_clean()
    with transaction.atomic():
        with_reason(mapping, reason).save()
    return mapping


def delete_mapping(mapping: GroupMapping, reason: str) -> None:
    with transaction.atomic():
        with_reason(mapping, reason).delete()
