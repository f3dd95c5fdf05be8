"""Distinguished names compared as a directory compares them: attribute types and values without case, no
spaces around the separators (``CN=Plant-A-Engineers, OU=Groups`` is ``cn=plant-a-engineers,ou=groups``).

Plain Python over ldap3's parser: no Django, no connection.
"""

from __future__ import annotations

from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn


class BadDn(ValueError):
    """Not a distinguished name."""


def dn_key(dn: str) -> str:
    """The form two DNs are compared in; raises ``BadDn`` for text that is not one."""
    text = dn.strip()
    if not text:
        raise BadDn("a distinguished name is required")
    try:
        parts = parse_dn(text, escape=False, strip=True)
    except (LDAPInvalidDnError, ValueError, IndexError) as exc:
        raise BadDn(f"not a distinguished name: {exc}") from None
    if not parts:
        raise BadDn("a distinguished name is required")
    rdns: list[str] = []
    current: list[str] = []
    for attribute, value, separator in parts:
        current.append(f"{attribute.strip().lower()}={value.strip().lower()}")
        if separator != "+":
            rdns.append("+".join(sorted(current)))
            current = []
    if current:
        rdns.append("+".join(sorted(current)))
    return ",".join(rdns)
