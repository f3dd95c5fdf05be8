#!/usr/bin/env python3
"""Verify an otcsms audit package offline: python3 audit/verify.py [PACKAGE_FOLDER]

1. Every file listed in SHA256SUMS has that SHA-256 (the reports, the evidence files, the trail).
2. audit/checkpoint.json is signed (Ed25519) by the public key it names; compare its key_fingerprint with the
   one the instance's owner gives you (`otcsms audit checkpoint` prints it).
3. The events of audit/events.jsonl follow one another (each prev_hash is the hash before it, no seq missing)
   up to the checkpointed head, whose hash is the one signed.
An event's own hash is keyed with the instance's secret chain key: recomputing it needs the instance
(`otcsms audit verify`), which otcsms did before signing the checkpoint in this package.
Needs Python 3 and, for step 2, the `cryptography` package (pip install cryptography). Exit 0 when all holds.
"""

import hashlib
import json
import sys
from pathlib import Path


def main(root: Path) -> int:
    problems = []
    for line in (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = root / name
        if ".." in Path(name).parts or not path.is_file():
            problems.append(f"missing: {name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"changed: {name}")
    checkpoint = json.loads((root / "audit" / "checkpoint.json").read_text(encoding="utf-8"))
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        signed = {k: v for k, v in checkpoint.items() if k != "signature"}
        message = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint["public_key"]))
        key.verify(bytes.fromhex(checkpoint["signature"]), message)
        print(f"checkpoint signature holds: event #{checkpoint['seq']}, key {checkpoint['key_fingerprint']}")
    except ImportError:
        problems.append("cannot check the checkpoint's signature: pip install cryptography")
    except Exception as exc:  # any failure of the signature is the answer
        problems.append(f"the checkpoint's signature does not hold ({exc.__class__.__name__})")
    previous = None
    last = None
    for line in (root / "audit" / "events.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if previous is not None and (
            event["seq"] != previous["seq"] + 1 or event["prev_hash"] != previous["hash"]
        ):
            problems.append(f"event #{event['seq']} does not follow #{previous['seq']}")
            break
        previous = last = event
    if last is None or last["seq"] != checkpoint["seq"] or last["hash"] != checkpoint["head_hash"]:
        problems.append("the events do not end at the checkpointed head")
    for problem in problems:
        print("PROBLEM:", problem)
    if not problems:
        print("package verified: files, checkpoint signature and the chain of events up to it")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent))
