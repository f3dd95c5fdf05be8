"""Signed checkpoints: a valid one is held by the chain; a cut, rewound or rewritten chain is not; anything
that is not a well-formed checkpoint signed by a trusted key is refused before the chain is read."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection

from otcsms.core import checkpoints as cps
from otcsms.core.audit import verify_chain
from otcsms.core.models import AuditChainHead, AuditEvent
from otcsms.org.models import CsmsRole

SEED = bytes(range(32, 64))  # the suite's signing key (tests/conftest.py)
OTHER_SEED = bytes(range(64, 96))


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def document(checkpoint: cps.Checkpoint, **changes) -> bytes:
    return json.dumps({**checkpoint.as_dict(), **changes}).encode()


@pytest.fixture
def signed() -> cps.Checkpoint:
    return cps.sign(SEED, 12, "ab" * 32, created_at="2026-05-04T10:00:00Z")


# --- the document ----------------------------------------------------------------------------------


def test_signed_checkpoint_round_trips(signed):
    assert cps.parse(document(signed)) == [signed]
    assert signed.public_key == cps.public_key_of(SEED).hex()
    assert signed.key_fingerprint == cps.fingerprint(cps.public_key_of(SEED))
    assert signed.as_dict()["format"] == "otcsms-audit-checkpoint" and signed.as_dict()["version"] == 1


def test_several_checkpoints_in_one_array(signed):
    later = cps.sign(SEED, 20, "cd" * 32, created_at="2026-05-05T10:00:00Z")
    raw_doc = json.dumps([signed.as_dict(), later.as_dict()]).encode()
    assert cps.parse(raw_doc) == [signed, later]


@pytest.mark.parametrize(
    "changes,reason",
    [
        ({"seq": 13}, "signature"),
        ({"head_hash": "cd" * 32}, "signature"),
        ({"created_at": "2027-05-04T10:00:00Z"}, "signature"),
        ({"instance": "another"}, "signature"),
        ({"signature": "00" * 64}, "signature"),
        ({"key_fingerprint": "sha256:" + "0" * 64}, "fingerprint"),
        ({"public_key": cps.public_key_of(OTHER_SEED).hex()}, "fingerprint"),
        ({"seq": True}, "seq"),
        ({"seq": -1}, "seq"),
        ({"seq": "12"}, "seq"),
        ({"head_hash": "AB" * 32}, "head_hash"),
        ({"signature": "00"}, "signature"),
        ({"created_at": "2026-05-04 10:00:00"}, "created_at"),
        ({"created_at": "2026-02-30T10:00:00Z"}, "created_at"),
        ({"format": "something-else"}, "otcsms-audit-checkpoint"),
        ({"version": 2}, "version"),
        ({"extra": 1}, 'unknown: "extra"'),
        ({"line\nbreak": 1}, r'unknown: "line\\nbreak"'),
        ({"instance": 7}, "instance"),
    ],
)
def test_altered_or_malformed_fields_are_refused(signed, changes, reason):
    with pytest.raises(cps.CheckpointError, match=reason):
        cps.parse(document(signed, **changes))


def test_checkpoint_signed_by_someone_elses_key_is_valid_but_not_trusted(signed):
    forged = cps.sign(OTHER_SEED, 12, "ab" * 32, created_at="2026-05-04T10:00:00Z")
    assert cps.parse(document(forged)) == [forged]  # self-consistent...
    with pytest.raises(cps.CheckpointError, match="not this instance's signing key"):
        cps.check_trusted(forged, {cps.public_key_of(SEED)})  # ...but not by a key we trust
    cps.check_trusted(signed, {cps.public_key_of(SEED)})


@pytest.mark.parametrize(
    "raw_doc,reason",
    [
        (b"", "not JSON"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[]", "empty"),
        (b"42", "not a JSON object"),
        (b'"checkpoint"', "not a JSON object"),
        (b'{"seq": 1, "seq": 2}', "twice"),
        (b"{}", "missing"),
        (b" " * (cps.MAX_BYTES + 1), "larger than"),
        (b'{"seq": ' + b"9" * 5000 + b"}", "not JSON"),
        (b"[" * 200_000 + b"]" * 200_000, "not JSON"),
    ],
    ids=lambda value: value[:20] if isinstance(value, bytes) else value,
)
def test_documents_that_are_not_checkpoints_are_refused(raw_doc, reason):
    with pytest.raises(cps.CheckpointError, match=reason):
        cps.parse(raw_doc)


def test_reading_refuses_directories_and_oversized_files(tmp_path):
    with pytest.raises(cps.CheckpointError, match="directory"):
        cps.read_file(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (cps.MAX_BYTES + 1))
    with pytest.raises(cps.CheckpointError, match="larger than"):
        cps.read_file(big)
    with pytest.raises(cps.CheckpointError, match="cannot be read"):
        cps.read_file(tmp_path / "absent.json")


def test_containment_names_what_is_missing(signed):
    assert cps.containment_problem(signed, signed.head_hash, 30) == ""
    assert "no longer in the chain (which now ends at #9)" in cps.containment_problem(signed, None, 9)
    assert "#12" in cps.containment_problem(signed, "ff" * 32, 30)
    assert "rewritten" in cps.containment_problem(signed, "ff" * 32, 30)


# --- against this instance's chain -----------------------------------------------------------------


@pytest.fixture
def chain(site_a):
    for i in range(6):
        CsmsRole.objects.create(name=f"Role {i}")
    assert verify_chain().ok
    return verify_chain()


def test_fresh_checkpoint_is_held_now_and_after_more_writes(chain, caplog):
    with caplog.at_level(logging.INFO, logger=cps.LOGGER):
        checkpoint = cps.current_checkpoint()
    assert (checkpoint.seq, checkpoint.head_hash) == (chain.head_seq, chain.head_hash)
    assert json.loads(caplog.records[-1].getMessage()) == checkpoint.as_dict()
    CsmsRole.objects.create(name="Later")
    verification = cps.verify_with_checkpoints([("cp.json", checkpoint)])
    assert verification.ok and verification.as_dict()["checkpoints"][0]["ok"]


def test_cut_and_rewound_to_an_old_head_row_passes_verify_but_not_the_checkpoint(chain):
    old = AuditChainHead.objects.values("seq", "hash", "seal").get(pk=1)
    CsmsRole.objects.create(name="Later 1")
    CsmsRole.objects.create(name="Later 2")
    checkpoint = cps.current_checkpoint()
    raw("DELETE FROM core_auditevent WHERE seq > %s", [old["seq"]])
    raw(
        "UPDATE core_auditchainhead SET seq = %s, hash = %s, seal = %s WHERE id = 1",
        [old["seq"], old["hash"], old["seal"]],
    )
    assert verify_chain().ok  # undetectable without a checkpoint (docs/audit-trail.md)
    verification = cps.verify_with_checkpoints([("cp.json", checkpoint)])
    assert not verification.ok
    report = verification.as_dict()
    assert report["ok"] is False and report["first_bad_seq"] == checkpoint.seq
    assert f"event #{checkpoint.seq}" in report["problem"] and "no longer in the chain" in report["problem"]


def test_chain_rewritten_with_the_key_is_caught_by_the_checkpoint(chain):
    """Someone with the key and database access can forge a chain that verifies; not one that matches
    a checkpoint taken before the forgery."""
    from tests.core.test_audit import rehash_from

    checkpoint = cps.current_checkpoint()
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 3])
    head = rehash_from(3, bytes(range(32)))
    from otcsms.core.audit import chain_key, head_seal

    seal = head_seal(chain_key(), chain.head_seq, head, 1)
    raw("UPDATE core_auditchainhead SET seal = %s WHERE id = 1", [seal])
    assert verify_chain().ok
    verification = cps.verify_with_checkpoints([("cp.json", checkpoint)])
    assert not verification.ok and "rewritten" in verification.results[0].problem


def test_broken_chain_is_not_checkpointed(chain):
    raw("UPDATE core_auditevent SET object_repr = %s WHERE seq = %s", ["Tampered", 2])
    with pytest.raises(cps.ChainBrokenError, match="#2"):
        cps.current_checkpoint()


def test_untrusted_key_is_refused_unless_given(chain):
    forged = cps.sign(OTHER_SEED, chain.head_seq, chain.head_hash, created_at=cps.utc_now())
    with pytest.raises(cps.CheckpointError, match="cp.json: signed by key"):
        cps.verify_with_checkpoints([("cp.json", forged)])
    extra = cps.public_key_of(OTHER_SEED)
    assert cps.verify_with_checkpoints([("cp.json", forged)], [extra]).ok


def test_no_signing_key_fails_loudly(chain, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_SIGNING_KEY = None
    with pytest.raises(ImproperlyConfigured, match="OTCSMS_AUDIT_SIGNING_KEY"):
        cps.current_checkpoint()


def test_write_checkpoint_replaces_the_file_whole(chain, tmp_path):
    target = tmp_path / "audit.checkpoint.json"
    target.write_text("old")
    checkpoint = cps.write_checkpoint(target)
    assert cps.parse(target.read_bytes()) == [checkpoint]
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# --- the API ---------------------------------------------------------------------------------------


def test_api_checkpoint_for_admins_and_auditors_only(api, org_admin, auditor, a_contributor):
    for user in (org_admin, auditor):
        r = api(user).get("/audit/checkpoint")
        assert r.status_code == 200, r.content
        assert cps.parse(r.content)[0].seq == AuditChainHead.objects.get(pk=1).seq
    r = api(a_contributor).get("/audit/checkpoint")
    assert r.status_code == 403 and "detail" in r.json()
    r = api(a_contributor).post("/audit/verify-checkpoint", {"seq": 1})
    assert r.status_code == 403 and "detail" in r.json()


def test_api_verifies_a_checkpoint(api, org_admin):
    client = api(org_admin)
    checkpoint = client.get("/audit/checkpoint").json()
    r = client.post("/audit/verify-checkpoint", checkpoint)
    assert r.status_code == 200 and r.json()["ok"] and r.json()["checkpoints"][0]["ok"]
    assert {"keyed_from", "unkeyed_events"} <= set(r.json())
    seq = checkpoint["seq"]
    raw("DELETE FROM core_auditevent WHERE seq >= %s", [seq])
    r = client.post("/audit/verify-checkpoint", checkpoint)
    assert r.status_code == 200 and r.json()["ok"] is False
    assert r.json()["checkpoints"][0]["ok"] is False and f"#{seq}" in r.json()["checkpoints"][0]["problem"]


@pytest.mark.parametrize(
    "body",
    ["{not json", "[]", json.dumps({"seq": 1}), "x" * (cps.MAX_BYTES + 10)],
)
def test_api_refuses_what_is_not_a_checkpoint(api, org_admin, body):
    client = api(org_admin)
    events = AuditEvent.objects.count()
    r = client.post("/audit/verify-checkpoint", body)
    assert r.status_code in (413, 422) and "detail" in r.json()
    assert AuditEvent.objects.count() == events


def test_api_refuses_a_tampered_signature(api, org_admin):
    checkpoint = api(org_admin).get("/audit/checkpoint").json()
    checkpoint["seq"] -= 1
    r = api(org_admin).post("/audit/verify-checkpoint", checkpoint)
    assert r.status_code == 422 and "signature" in r.json()["detail"]
