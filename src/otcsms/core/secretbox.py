"""Secrets otcsms keeps encrypted at rest with the instance's key, which lives outside the database.

Each purpose gets its own key, derived with HKDF-SHA256 from the instance's SECRET_KEY (the data directory's
``secret_key`` file or OTCSMS_SECRET_KEY) under a label naming the purpose; Fernet (AES-128-CBC +
HMAC-SHA256) encrypts. A database copied without the data directory's key yields nothing; a changed
SECRET_KEY makes every stored secret unreadable (``SecretUnreadable``). Used by the configs app (device
passwords, its OPC UA key) and the signin app (TOTP keys, recovery code digests).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(RuntimeError):
    """The stored secret was encrypted under another key (the instance's SECRET_KEY changed)."""


def derive(purpose: bytes) -> bytes:
    """32 bytes of key for ``purpose``, independent of every other purpose's."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        settings.SECRET_KEY.encode("utf-8")
    )


def _fernet(purpose: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive(purpose)))


def encrypt(plain: bytes, purpose: bytes) -> str:
    return _fernet(purpose).encrypt(plain).decode("ascii")


def decrypt(token: str, purpose: bytes, what: str = "a stored secret") -> bytes:
    try:
        return _fernet(purpose).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise SecretUnreadable(f"{what} cannot be decrypted with this instance's key") from None
