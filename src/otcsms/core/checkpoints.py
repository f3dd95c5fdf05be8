"""Signed checkpoints of the audit chain: "on <created_at>, event #<seq> had hash <head_hash>", signed with
Ed25519 by a key kept outside the database.

A checkpoint kept where the database's writers cannot reach (a file elsewhere, a log server) later proves
that the chain still contains that event with that hash, hence every event before it unchanged: cutting
events from the end and rewinding the head, or re-hashing the chain, no longer goes unnoticed.

The top of this module is pure (no Django): building, signing, parsing and checking documents. The
functions at the bottom read the instance's settings and database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if TYPE_CHECKING:
    from otcsms.core.audit import ChainReport

FORMAT = "otcsms-audit-checkpoint"
VERSION = 1
MAX_BYTES = 1024 * 1024  # a checkpoint is ~500 bytes; anything near this is not one
LOGGER = "otcsms.audit.checkpoint"
_FIELDS = ("format", "version", "instance", "seq", "head_hash", "created_at", "public_key",
           "key_fingerprint", "signature")  # fmt: skip
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class CheckpointError(ValueError):
    """Not a valid checkpoint (bad file, bad JSON, wrong fields, bad signature, untrusted key)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    head_hash: str
    created_at: str  # UTC, e.g. 2026-05-04T10:00:00Z
    public_key: str  # raw Ed25519 public key, hex
    key_fingerprint: str
    signature: str  # hex, over signed_bytes()
    instance: str | None = None  # an instance id, once instances have one

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "instance": self.instance,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "created_at": self.created_at,
            "public_key": self.public_key,
            "key_fingerprint": self.key_fingerprint,
            "signature": self.signature,
        }

    def signed_bytes(self) -> bytes:
        """What the signature covers: every other field, as canonical JSON (sorted keys, no spaces)."""
        fields = {k: v for k, v in self.as_dict().items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- keys ------------------------------------------------------------------------------------------


def public_key_of(seed: bytes) -> bytes:
    """The raw public key of an Ed25519 private key given as its 32-byte seed."""
    return (
        Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def fingerprint(public_key: bytes) -> str:
    return "sha256:" + hashlib.sha256(public_key).hexdigest()


def parse_public_key(text: str) -> bytes:
    """A public key as printed by `otcsms audit checkpoint` (64 hex digits)."""
    value = text.strip().lower()
    if not _HEX64.fullmatch(value):
        raise CheckpointError("a public key is 64 hex digits")
    return bytes.fromhex(value)


# --- making and checking ---------------------------------------------------------------------------


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(
    seed: bytes, seq: int, head_hash: str, *, created_at: str, instance: str | None = None
) -> Checkpoint:
    public = public_key_of(seed)
    unsigned = Checkpoint(seq, head_hash, created_at, public.hex(), fingerprint(public), "", instance)
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(unsigned.signed_bytes())
    return Checkpoint(
        seq, head_hash, created_at, public.hex(), fingerprint(public), signature.hex(), instance
    )


def parse(raw: bytes) -> list[Checkpoint]:
    """Checkpoints from a document holding one (a JSON object) or several (a JSON array of them), each
    well-formed and carrying a valid signature by the key it names. Raises CheckpointError."""
    if len(raw) > MAX_BYTES:
        raise CheckpointError(f"larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except CheckpointError:
        raise
    except UnicodeDecodeError:
        raise CheckpointError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError):  # a 5,000-digit number, arrays nested 100,000 deep
        raise CheckpointError("not JSON that a checkpoint could be") from None
    items = document if isinstance(document, list) else [document]
    if not items:
        raise CheckpointError("an empty list holds no checkpoint")
    return [_checked(item, n) for n, item in enumerate(items, 1)]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated field would let two readers see two different checkpoints in one document.
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise CheckpointError("a field appears twice")
    return dict(pairs)


def _checked(item: Any, n: int) -> Checkpoint:
    where = f"checkpoint {n}: " if n > 1 else ""
    problem = _field_problem(item)
    if problem:
        raise CheckpointError(where + problem)
    checkpoint = Checkpoint(item["seq"], item["head_hash"], item["created_at"], item["public_key"],
                            item["key_fingerprint"], item["signature"], item["instance"])  # fmt: skip
    public = bytes.fromhex(checkpoint.public_key)
    if checkpoint.key_fingerprint != fingerprint(public):
        raise CheckpointError(where + "key_fingerprint does not match public_key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes()
        )
    except (InvalidSignature, ValueError):
        raise CheckpointError(where + "the signature does not match (the checkpoint was altered)") from None
    return checkpoint


def _field_problem(item: Any) -> str:
    """The first thing wrong with a checkpoint's fields, or ""."""
    if not isinstance(item, dict):
        return "not a JSON object"
    if set(item) != set(_FIELDS):
        missing = ", ".join(sorted(set(_FIELDS) - set(item))) or "-"
        # Unknown names as JSON strings, cut short: the reason must stay one short line.
        extra = ", ".join(json.dumps(k) for k in sorted(set(item) - set(_FIELDS)))[:200] or "-"
        return f"wrong fields (missing: {missing}; unknown: {extra})"
    if item["format"] != FORMAT or item["version"] != VERSION:
        return f"not a {FORMAT} version {VERSION} document"
    seq = item["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**63:
        return "seq is not an event number"
    if not isinstance(item["instance"], str | None) or len(item["instance"] or "") > 200:
        return "instance is not a short text or null"
    created = item["created_at"]
    if not isinstance(created, str) or not _UTC.fullmatch(created) or not _valid_time(created):
        return "created_at is not a UTC time like 2026-01-31T12:00:00Z"
    for name, pattern in (("head_hash", _HEX64), ("public_key", _HEX64), ("signature", _HEX128)):
        if not isinstance(item[name], str) or not pattern.fullmatch(item[name]):
            return f"{name} is not lower-case hex of the right length"
    if not isinstance(item["key_fingerprint"], str):
        return "key_fingerprint is not text"
    return ""


def _valid_time(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_trusted(checkpoint: Checkpoint, trusted: Iterable[bytes]) -> None:
    """A valid signature proves nothing if anyone's key will do: it must be a key the verifier trusts."""
    if bytes.fromhex(checkpoint.public_key) not in set(trusted):
        raise CheckpointError(
            f"signed by key {checkpoint.key_fingerprint}, which is not this instance's signing key (a "
            "checkpoint made before a key change is checked with `otcsms audit verify --public-key`)"
        )


def read_file(path: Path) -> bytes:
    """The bytes of a checkpoint file, refusing what cannot be one before reading it all."""
    if path.is_dir():
        raise CheckpointError("is a directory")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CheckpointError(f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    if len(raw) > MAX_BYTES:
        raise CheckpointError(f"larger than {MAX_BYTES} bytes")
    return raw


def containment_problem(checkpoint: Checkpoint, stored_hash: str | None, head_seq: int) -> str:
    """Why the chain no longer holds the checkpointed event (stored_hash: that event's hash now), or ""."""
    when = f"the checkpoint of {checkpoint.created_at}"
    if checkpoint.seq == 0:
        return "" if checkpoint.head_hash == "0" * 64 else f"{when} does not describe an empty chain"
    if stored_hash is None and head_seq < checkpoint.seq:
        return (
            f"event #{checkpoint.seq}, recorded by {when}, is no longer in the chain (which now ends at "
            f"#{head_seq}): events were cut from the end and the head rewound"
        )
    if stored_hash is None:
        return f"event #{checkpoint.seq}, recorded by {when}, is missing from the chain"
    if stored_hash != checkpoint.head_hash:
        return (
            f"event #{checkpoint.seq} no longer has the hash recorded by {when}: the chain up to it was "
            "rewritten"
        )
    return ""


# --- this instance (settings and database) ---------------------------------------------------------


class ChainBrokenError(RuntimeError):
    """The chain does not verify: signing a checkpoint of it would vouch for the damage."""


def signing_seed() -> bytes:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    seed: bytes | None = getattr(settings, "AUDIT_SIGNING_KEY", None)
    if not seed:
        raise ImproperlyConfigured(
            "no audit signing key: run `otcsms init` (it creates DATA_DIR/audit_signing_key) or set "
            "OTCSMS_AUDIT_SIGNING_KEY"
        )
    return seed


def instance_public_keys() -> set[bytes]:
    """The public keys this instance trusts without being told: its own signing key's, if it has one."""
    from django.conf import settings

    seed = getattr(settings, "AUDIT_SIGNING_KEY", None)
    return {public_key_of(seed)} if seed else set()


def current_checkpoint() -> Checkpoint:
    """Verify the whole chain, then sign its head (and log it). ChainBrokenError if it does not verify."""
    from otcsms.core.audit import verify_chain

    seed = signing_seed()
    report = verify_chain()
    if not report.ok:
        raise ChainBrokenError(f"audit chain BROKEN at event #{report.first_bad_seq}: {report.problem}")
    checkpoint = sign(seed, report.head_seq, report.head_hash, created_at=utc_now())
    # One line, so that a syslog handler on this logger carries it off the machine whole.
    logging.getLogger(LOGGER).info(json.dumps(checkpoint.as_dict(), separators=(",", ":")))
    return checkpoint


def write_checkpoint(path: Path) -> Checkpoint:
    """Write a fresh checkpoint to ``path``, replacing it whole (never half-written), and log it. For
    `otcsms audit checkpoint -o` and a future scheduled job: ``path`` belongs somewhere the database's
    writers cannot reach."""
    checkpoint = current_checkpoint()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(checkpoint.as_dict(), indent=2) + "\n")
        os.chmod(tmp, 0o644)  # it holds no secret, and verifiers elsewhere read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return checkpoint


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    source: str
    checkpoint: Checkpoint
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "source": self.source,
            "ok": not self.problem,
            "problem": self.problem,
            "seq": cp.seq,
            "head_hash": cp.head_hash,
            "created_at": cp.created_at,
            "key_fingerprint": cp.key_fingerprint,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The chain's own report and, for each checkpoint, whether the chain still holds it."""

    chain: ChainReport
    results: list[CheckpointResult]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not any(r.problem for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        """The chain report's fields (``ok``, ``first_bad_seq`` and ``problem`` also cover the
        checkpoints: the chain's own problem first) plus ``checkpoints``."""
        report = self.chain.as_dict()
        failed = next((r for r in self.results if r.problem), None)
        if self.chain.ok and failed is not None:
            report.update(ok=False, first_bad_seq=failed.checkpoint.seq, problem=failed.problem)
        return {**report, "checkpoints": [r.as_dict() for r in self.results]}


def verify_with_checkpoints(
    sources: list[tuple[str, Checkpoint]], extra_keys: Iterable[bytes] = ()
) -> Verification:
    """Refuse checkpoints signed by keys not trusted here (CheckpointError), then verify the chain and
    check that it still holds every checkpointed event with its recorded hash."""
    from otcsms.core.audit import verify_chain
    from otcsms.core.models import AuditEvent

    trusted = instance_public_keys() | set(extra_keys)
    for source, checkpoint in sources:
        try:
            check_trusted(checkpoint, trusted)
        except CheckpointError as exc:
            raise CheckpointError(f"{source}: {exc}") from None
    chain = verify_chain()
    wanted = {cp.seq for _, cp in sources}
    stored = dict(AuditEvent.objects.filter(seq__in=wanted).values_list("seq", "hash"))
    results = [CheckpointResult(src, cp, containment_problem(cp, stored.get(cp.seq), chain.head_seq))
               for src, cp in sources]  # fmt: skip
    return Verification(chain, results)
