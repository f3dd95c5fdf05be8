"""Secrets otcsms keeps for talking to devices (passwords, its OPC UA private key): never stored in clear.

Encrypted by ``core.secretbox`` (Fernet under a key derived with HKDF from the instance's SECRET_KEY) for this
one purpose. A changed SECRET_KEY makes them unreadable (the client identity is then generated again and device
passwords must be entered again: ``SecretUnreadable``).
"""

from __future__ import annotations

from otcsms.core import secretbox
from otcsms.core.secretbox import SecretUnreadable

__all__ = ["SecretUnreadable", "decrypt", "encrypt", "marker_key"]

_PURPOSE = b"otcsms.configs device secrets v1"
_MARKER_PURPOSE = b"otcsms.configs secret markers hmac-sha256 v1"
_derive = secretbox.derive


def marker_key() -> bytes:
    """The HMAC-SHA256 key of the secret markers in parsed configurations (parsers/redact.py): derived from
    SECRET_KEY with its own HKDF label, so it is independent of the encryption key. A changed SECRET_KEY
    changes every marker: the next import shows each secret as changed (approve it as the new baseline)."""
    return secretbox.derive(_MARKER_PURPOSE)


def encrypt(plain: bytes) -> str:
    return secretbox.encrypt(plain, _PURPOSE)


def decrypt(token: str) -> bytes:
    return secretbox.decrypt(token, _PURPOSE, "a stored device secret")
