"""Secrets otcsms keeps for talking to devices (passwords, its OPC UA private key): never stored in clear.

Each is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived with HKDF from the instance's
SECRET_KEY (the data directory's ``secret_key`` file or OTCSMS_SECRET_KEY), for this one purpose. A database
copied without the data directory's key yields nothing; a changed SECRET_KEY makes them unreadable (the client
identity is then generated again and device passwords must be entered again: ``SecretUnreadable``).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"otcsms.configs device secrets v1"
_MARKER_PURPOSE = b"otcsms.configs secret markers hmac-sha256 v1"


class SecretUnreadable(RuntimeError):
    """The stored secret was encrypted under another key (the instance's SECRET_KEY changed)."""


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        settings.SECRET_KEY.encode("utf-8")
    )


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_PURPOSE)))


def marker_key() -> bytes:
    """The HMAC-SHA256 key of the secret markers in parsed configurations (parsers/redact.py): derived from
    SECRET_KEY with its own HKDF label, so it is independent of the encryption key. A changed SECRET_KEY
    changes every marker: the next import shows each secret as changed (approve it as the new baseline)."""
    return _derive(_MARKER_PURPOSE)


def encrypt(plain: bytes) -> str:
    return _fernet().encrypt(plain).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise SecretUnreadable(
            "a stored device secret cannot be decrypted with this instance's key"
        ) from None
