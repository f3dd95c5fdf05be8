"""Secret markers are keyed (HMAC-SHA256 under a key derived from SECRET_KEY), yet still show a changed secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path

from django.test import override_settings

from otcsms.configs import secrets, services
from otcsms.configs.diff import Change
from otcsms.configs.parsers import parse
from otcsms.configs.severity_rules import rule_set

SAMPLE = Path(__file__).parent.parent / "configs_parsers" / "samples" / "cell-switch-01.running-config.txt"
WEAK = b"username operator privilege 1 password 0 cisco\n"


def users(data: bytes, key: bytes | None) -> dict:
    return parse("sw.running-config.txt", data, "running-config", marker_key=key).config["users"]


def test_a_marker_is_not_the_plain_sha256_of_the_secret_and_depends_on_the_key():
    marker = users(WEAK, b"k" * 32)["operator"]["password"]
    assert re.fullmatch(r"<secret hmac:[0-9a-f]{16}>", marker)
    # A dictionary attack on the unsalted form: sha256 of every guess; none of them is the marker.
    for guess in ("0 cisco", "cisco", "7 cisco"):
        assert hashlib.sha256(guess.encode()).hexdigest()[:16] not in marker
    expected = hmac.new(b"k" * 32, b"0 cisco", hashlib.sha256).hexdigest()[:16]
    assert marker == f"<secret hmac:{expected}>"
    assert users(WEAK, b"j" * 32)["operator"]["password"] != marker


def test_the_installation_key_is_derived_apart_from_the_encryption_key(settings):
    key = secrets.marker_key()
    assert len(key) == 32 and key == secrets.marker_key()
    with override_settings(SECRET_KEY=settings.SECRET_KEY + "-other"):
        assert secrets.marker_key() != key
    # the Fernet key of device secrets is another derivation of the same SECRET_KEY
    assert secrets._derive(secrets._PURPOSE) != key


def test_a_changed_secret_is_drift_and_the_same_secret_is_not(plc):
    first, _ = services.import_file(plc, "sw.running-config.txt", SAMPLE.read_bytes())
    assert "$9$" not in str(first.config)
    services.approve_baseline(first, by=None, reason="commissioning")
    same, created = services.import_file(plc, "sw-again.running-config.txt", SAMPLE.read_bytes())
    assert not created and same.pk == first.pk
    changed = SAMPLE.read_bytes().replace(b"070C285F4D06", b"0822455D0A16")
    later, created = services.import_file(plc, "sw.running-config.txt", changed)
    assert created
    (row,) = services.drift(type(plc).objects.filter(pk=plc.pk))
    assert row.result.status == "drifted"
    assert [c.change.path for c in row.result.changes] == ["/users/operator/password"]
    assert row.result.changes[0].change.after.startswith("<secret hmac:")


def test_an_old_unsalted_marker_replaced_by_a_keyed_one_is_reported_as_rekeyed():
    legacy = "<secret sha256:0123456789abcdef>"
    keyed = "<secret hmac:fedcba9876543210>"
    verdict = rule_set().judge(
        Change("/users/operator/password", "changed", legacy, keyed), None, dt.date.today()
    )
    assert (verdict.severity, verdict.rule) == ("medium", "secret.marker-rekeyed")
    # two keyed markers that differ: the secret changed, not a re-keying
    other = rule_set().judge(Change("/users/operator/password", "changed", keyed, keyed[:-2] + "0>"), None,
                             dt.date.today())  # fmt: skip
    assert other.rule != "secret.marker-rekeyed"
    embedded = rule_set().judge(
        Change("/enable/secret", "changed", f"secret {legacy}", f"secret {keyed}"), None, dt.date.today()
    )
    assert embedded.rule == "secret.marker-rekeyed"
