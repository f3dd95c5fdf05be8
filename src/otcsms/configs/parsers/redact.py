"""Secrets in configuration files are never stored: each becomes a marker with its SHA-256.

A changed password still shows as a changed value in a diff, yet the snapshot holds no secret. The digest is
unsalted so that the same secret gives the same marker across snapshots; a weak secret in clear or in a
reversible form (Cisco type 7) can therefore be guessed offline from its marker, which is why the marker keeps
only the first 16 hex digits (enough to tell a change, not a strong verifier).
"""

from __future__ import annotations

import hashlib


def secret_marker(secret: str) -> str:
    return f"<secret sha256:{hashlib.sha256(secret.encode()).hexdigest()[:16]}>"
