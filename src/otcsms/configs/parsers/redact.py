"""Secrets in configuration files are never stored: each becomes a marker with a keyed digest of it.

``<secret hmac:<16 hex>>`` is the first 64 bits of HMAC-SHA256 of the secret under the installation's marker
key (derived from SECRET_KEY by configs.secrets.marker_key, for this one purpose). The same secret gives the
same marker under the same key, so a changed password still shows as a changed value in a diff, yet the
snapshot holds no secret, and without the key a marker cannot be checked against a dictionary of guesses
(an unsalted hash could: a weak password in clear or Cisco type 7 would be recovered offline).

The parsers are plain Python: the caller says which key to use (``parsers.parse(..., marker_key=...)`` sets it
for the parse through ``using_key``). Without one, a key made at random for this process is used: markers are
then comparable only within the process (tests and benchmarks of the parsers alone).

Markers written before the keyed form, ``<secret sha256:<16 hex>>`` (unsalted SHA-256), are ``LEGACY_PREFIX``:
they cannot be re-keyed (the secret is not kept); the next import of the file writes the keyed form, and the
shipped rule ``secret.marker-rekeyed`` reports that change for what it is (docs/configs.md).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import secrets
from collections.abc import Iterator

PREFIX = "<secret hmac:"
LEGACY_PREFIX = "<secret sha256:"

_PROCESS_KEY = secrets.token_bytes(32)
_KEY: contextvars.ContextVar[bytes | None] = contextvars.ContextVar("otcsms_marker_key", default=None)


@contextlib.contextmanager
def using_key(key: bytes | None) -> Iterator[None]:
    """Markers made inside the block are keyed with ``key`` (None: the process's random key)."""
    token = _KEY.set(key)
    try:
        yield
    finally:
        _KEY.reset(token)


def secret_marker(secret: str) -> str:
    key = _KEY.get() or _PROCESS_KEY
    digest = hmac.new(key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:16]}>"
