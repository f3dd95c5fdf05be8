"""Bind authentication against an LDAP directory or Active Directory, with ldap3 (pure Python).

One sign-in: (1) find the user's entry with the service account (``bind_dn``; anonymous when empty), the
username escaped into ``user_filter`` (RFC 4515: ``*)(uid=*`` searches for those eight characters, nothing
else); exactly one entry or no sign-in; (2) refuse a disabled account (AD's ``userAccountControl`` bit 2);
(3) bind as that entry with the password typed (never with an empty one: that is an anonymous bind, which
many servers accept); (4) read the user's groups (``group_filter``, e.g. ``(member={user_dn})``; AD's nested
groups: ``(member:1.2.840.113556.1.4.1941:={user_dn})``).

Every connection is TLS with the server's certificate checked against ``ca_file`` (or the system's CAs) and its
name: LDAPS (``ldaps://``) or StartTLS (``ldap://`` with ``start_tls``). Plain LDAP only with ``insecure``.

No Django here: plain values in, a ``DirectoryUser`` or an exception out.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

MAX_USERNAME = 150
ACCOUNT_DISABLED = 0x2  # userAccountControl: ACCOUNTDISABLE


class DirectoryError(Exception):
    """The directory could not be asked (configuration, network, TLS): nobody signs in through it."""


class Refused(Exception):
    """The directory refused this sign-in; ``reason`` is a short phrase for the audit trail."""

    def __init__(self, reason: str, dn: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.dn = dn


@dataclass(frozen=True)
class DirectoryConfig:
    url: str
    user_base: str
    user_filter: str = "(sAMAccountName={username})"
    group_base: str = ""
    group_filter: str = "(member={user_dn})"
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    start_tls: bool = True
    insecure: bool = False
    ca_file: str = ""
    timeout: int = 5
    first_name_attr: str = "givenName"
    last_name_attr: str = "sn"
    email_attr: str = "mail"

    def transport(self) -> str:
        """How the connection is protected: ldaps, starttls or plain; DirectoryError for what is not allowed."""
        scheme = urlsplit(self.url).scheme.lower()
        if scheme == "ldaps":
            return "ldaps"
        if scheme != "ldap":
            raise DirectoryError(
                f"the directory URL must start with ldap:// or ldaps://, not {self.url[:60]!r}"
            )
        if self.start_tls:
            return "starttls"
        if not self.insecure:
            raise DirectoryError(
                "plain LDAP sends passwords in clear: use ldaps://, StartTLS, or set the insecure option"
            )
        return "plain"


@dataclass(frozen=True)
class DirectoryUser:
    dn: str
    first_name: str
    last_name: str
    email: str
    groups: tuple[str, ...]


def check_username(username: str) -> str:
    """The username as it is searched for, or Refused: empty, too long, or with control characters."""
    name = username.strip()
    if not name or len(name) > MAX_USERNAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Refused("not a directory username")
    return name


def _server(config: DirectoryConfig) -> ldap3.Server:
    transport = config.transport()
    parts = urlsplit(config.url)
    host = parts.hostname or ""
    if not host:
        raise DirectoryError(f"the directory URL names no host: {config.url[:60]!r}")
    port = parts.port or (636 if transport == "ldaps" else 389)
    tls = None
    if transport != "plain":
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file or None,
            version=None, sni=host,
        )  # fmt: skip
    return ldap3.Server(host, port=port, use_ssl=transport == "ldaps", tls=tls, get_info=ldap3.NONE,
                        connect_timeout=config.timeout)  # fmt: skip


def _connect(
    config: DirectoryConfig, server: ldap3.Server, dn: str | None, password: str | None
) -> ldap3.Connection:
    """An open connection (TLS started where it must be), not yet bound."""
    conn = ldap3.Connection(server, user=dn, password=password, auto_bind=ldap3.AUTO_BIND_NONE,
                            receive_timeout=config.timeout, raise_exceptions=False, read_only=True)  # fmt: skip
    conn.open()
    if config.transport() == "starttls" and not conn.start_tls():
        conn.unbind()
        raise DirectoryError(f"StartTLS refused by the directory: {conn.result.get('description', '')}")
    return conn


def _first(entry: dict[str, object], name: str) -> str:
    value = entry.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def authenticate(config: DirectoryConfig, username: str, password: str) -> DirectoryUser:
    """The directory's user ``username`` if ``password`` is theirs; Refused or DirectoryError otherwise."""
    name = check_username(username)
    if not password:
        raise Refused("empty password")
    server = _server(config)
    try:
        service = _connect(config, server, config.bind_dn or None, config.bind_password or None)
        try:
            if not service.bind():
                raise DirectoryError(
                    f"the service account's bind failed: {service.result.get('description', '')}"
                )
            attrs = [config.first_name_attr, config.last_name_attr, config.email_attr, "userAccountControl"]
            search_filter = config.user_filter.format(username=escape_filter_chars(name))
            service.search(config.user_base, search_filter, ldap3.SUBTREE, attributes=attrs, size_limit=2)
            entries = [e for e in service.response or [] if e.get("type") == "searchResEntry"]
            if not entries:
                raise Refused("not in the directory")
            if len(entries) > 1:
                raise Refused("more than one directory entry has this name")
            entry = entries[0]
            dn = str(entry["dn"])
            found = entry.get("attributes", {})
            control = _first(found, "userAccountControl")
            if control.lstrip("-").isdigit() and int(control) & ACCOUNT_DISABLED:
                raise Refused("disabled in the directory", dn)
            user = _connect(config, server, dn, password)
            try:
                if not user.bind():
                    raise Refused("wrong password", dn)
            finally:
                user.unbind()
            group_filter = config.group_filter.format(user_dn=escape_filter_chars(dn))
            service.search(config.group_base or config.user_base, group_filter, ldap3.SUBTREE, attributes=[])
            groups = tuple(str(e["dn"]) for e in service.response or [] if e.get("type") == "searchResEntry")
        finally:
            service.unbind()
    except LDAPException as exc:
        raise DirectoryError(f"directory unreachable or refused TLS: {exc}") from None
    return DirectoryUser(
        dn=dn, first_name=_first(found, config.first_name_attr)[:150], last_name=_first(found, config.last_name_attr)[:150],
        email=_first(found, config.email_attr)[:254], groups=groups,
    )  # fmt: skip
