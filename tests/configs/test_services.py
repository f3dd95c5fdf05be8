"""Snapshots, versions, baselines, deviations and drift on the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from otcsms.configs import collectors, services
from otcsms.configs.canonical import config_hash
from otcsms.configs.models import Collection, Snapshot, SourceFile
from otcsms.core.models import AuditEvent
from otcsms.jobs.models import Schedule
from otcsms.plant.models import Asset

LIVE = {"type": "live", "collectors": ["test"]}
NONE_ENDPOINT = {
    "security_policy": "None",
    "security_mode": "None",
    "user_tokens": {"Anonymous": {"type": "Anonymous"}},
}


def base_config(firmware="4.10"):
    return {
        "opcua": {
            "endpoints": {
                "Basic256Sha256/SignAndEncrypt": {
                    "security_policy": "Basic256Sha256",
                    "security_mode": "SignAndEncrypt",
                }
            },
            "build_info": {"software_version": firmware},
        }
    }


def test_the_same_config_never_makes_a_new_version(plc):
    first, created = services.record_snapshot(plc, config=base_config(), volatile={"level": 1.0}, source=LIVE)
    assert created and first.version == 1 and first.parent_hash == ""
    later = timezone.now() + dt.timedelta(hours=1)
    again, created = services.record_snapshot(
        plc,
        config=json.loads(json.dumps(base_config())),
        volatile={"level": 7.5},
        source=LIVE,
        captured_at=later,
    )
    assert not created and again.pk == first.pk
    first.refresh_from_db()
    assert first.last_seen_at == later and first.volatile == {
        "level": 1.0
    }  # the version itself never changes
    assert Snapshot.objects.filter(asset=plc).count() == 1
    # seeing it again is bookkeeping: no audit event
    assert AuditEvent.objects.filter(object_type="configs.snapshot", action="update").count() == 0


def test_versions_form_a_chain_by_parent_hash(plc):
    v1, _ = services.record_snapshot(plc, config=base_config("4.10"), volatile={}, source=LIVE)
    v2, _ = services.record_snapshot(plc, config=base_config("4.20"), volatile={}, source=LIVE)
    v3, _ = services.record_snapshot(
        plc, config=base_config("4.10"), volatile={}, source=LIVE
    )  # a rollback is news
    assert [v.version for v in (v1, v2, v3)] == [1, 2, 3]
    assert v2.parent_hash == v1.config_hash and v3.parent_hash == v2.config_hash
    assert v1.config_hash == v3.config_hash == config_hash(base_config("4.10"))
    event = AuditEvent.objects.get(object_type="configs.snapshot", object_id=str(v2.pk))
    assert event.action == "create" and event.actor_label == "pytest"


def test_import_keeps_the_raw_file_once_and_reads_volatile_apart(plc):
    data = b'{"firmware": "1.2", "users": {"eng": {"role": "admin"}}, "volatile": {"uptime": 5}}'
    snapshot, created = services.import_file(plc, "plc.json", data)
    assert created and snapshot.config == {"firmware": "1.2", "users": {"eng": {"role": "admin"}}}
    assert snapshot.volatile == {"uptime": 5} and snapshot.source["kind"] == "json"
    reordered = b'{"volatile": {"uptime": 9}, "users": {"eng": {"role": "admin"}}, "firmware": "1.2"}'
    same, created = services.import_file(plc, "plc-again.json", reordered)
    assert not created and same.pk == snapshot.pk
    assert (
        SourceFile.objects.filter(snapshot=snapshot).count() == 2
    )  # two distinct files of one configuration
    services.import_file(plc, "plc-again.json", reordered)
    assert SourceFile.objects.filter(snapshot=snapshot).count() == 2
    assert bytes(SourceFile.objects.get(name="plc.json").data) == data


def test_a_file_no_parser_reads_is_refused_and_nothing_is_written(plc):
    before = AuditEvent.objects.count()
    with pytest.raises(services.ConfigError):
        services.import_file(plc, "plc.json", b"{not json: [")
    with pytest.raises(services.ConfigError):
        services.import_file(plc, "plc.bin", b"\x00\x01")
    assert AuditEvent.objects.count() == before and not Snapshot.objects.exists()


def drift_of(asset):
    rows = services.drift(Asset.objects.filter(pk=asset.pk))
    return rows[0] if rows else None


def test_drift_statuses_severity_and_sl_t(plc, site_a):
    assert drift_of(plc) is None
    v1, _ = services.record_snapshot(plc, config=base_config(), volatile={"level": 1.0}, source=LIVE)
    assert drift_of(plc).result.status == "no_baseline"
    baseline = services.approve_baseline(v1, by=None, reason="commissioning")
    assert baseline.approved_by_label == "pytest"
    assert drift_of(plc).result.status == "in_baseline"
    services.record_snapshot(
        plc, config=base_config(), volatile={"level": 9.0}, source=LIVE
    )  # process value only
    assert drift_of(plc).result.status == "in_baseline"
    changed = base_config("4.20")
    changed["opcua"]["endpoints"]["None/None"] = NONE_ENDPOINT
    services.record_snapshot(plc, config=changed, volatile={}, source=LIVE)
    row = drift_of(plc)
    assert row.result.status == "drifted" and row.result.severity == "critical"
    assert {(c.change.path, c.severity, c.rule) for c in row.result.changes} == {
        ("/opcua/build_info/software_version", "high", "firmware.changed"),
        ("/opcua/endpoints/None~1None", "critical", "opcua.endpoint-security-none"),
    }
    # the same change in an SL-1 zone is high, not critical
    plc.zone.sl_t = 1
    plc.zone.save()
    assert drift_of(plc).result.severity == "high"


def test_deviation_covers_until_it_expires(plc):
    v1, _ = services.record_snapshot(plc, config=base_config(), volatile={}, source=LIVE)
    services.approve_baseline(v1, by=None, reason="commissioning")
    services.record_snapshot(plc, config=base_config("4.20"), volatile={}, source=LIVE)
    deviation = services.add_deviation(
        plc,
        path_pattern="/opcua/build_info/*",
        expected="4.20",
        ticket="CHG-7",
        reason="patch",
        expires_at=timezone.now() + dt.timedelta(days=1),
        by=None,
    )
    row = drift_of(plc)
    assert row.result.status == "in_baseline" and [c.deviation for c in row.result.approved] == [deviation.pk]
    later = timezone.now() + dt.timedelta(days=2)
    assert services.drift(Asset.objects.filter(pk=plc.pk), now=later)[0].result.status == "drifted"
    # a deviation approves one value, not any: 4.30 is drift again
    services.record_snapshot(plc, config=base_config("4.30"), volatile={}, source=LIVE)
    assert drift_of(plc).result.status == "drifted"
    with pytest.raises(services.ConfigError):
        services.add_deviation(
            plc,
            path_pattern="/x",
            expected=1,
            ticket="T",
            reason="",
            expires_at=timezone.now() - dt.timedelta(seconds=1),
            by=None,
        )


def test_unreachable_is_never_drift(plc):
    v1, _ = services.record_snapshot(plc, config=base_config(), volatile={}, source=LIVE)
    services.approve_baseline(v1, by=None, reason="commissioning")
    Collection.objects.create(
        site=plc.site, asset=plc, attempted_at=timezone.now(), status="unreachable", collector="opcua"
    )
    row = drift_of(plc)
    assert row.result.status == "unreachable" and row.result.changes == []


def test_baseline_needs_a_reason(plc):
    v1, _ = services.record_snapshot(plc, config={}, volatile={}, source=LIVE)
    with pytest.raises(services.ConfigError):
        services.approve_baseline(v1, by=None, reason="  ")


def test_device_secrets_are_stored_encrypted(plc):
    credential = services.set_credential(plc, "engineer", "s3cret-Pa55")
    assert "s3cret" not in credential.secret_encrypted
    target = services.targets_of([plc])
    assert target == []  # no OPC UA endpoint yet
    plc.endpoints.create(protocol="opc-ua", host="127.0.0.1", port=4840)
    (target,) = services.targets_of([Asset.objects.get(pk=plc.pk)])
    assert (target.username, target.password) == ("engineer", "s3cret-Pa55")
    event = AuditEvent.objects.filter(object_type="configs.devicecredential").latest("seq")
    assert "s3cret" not in json.dumps(event.payload)


def test_client_identity_is_made_with_the_collection_schedule_never_by_a_collection(plc, settings):
    from otcsms.configs.models import ClientIdentity
    from otcsms.configs.tasks import COLLECT_CONFIGS
    from otcsms.core.actor import Actor, acting_as
    from otcsms.jobs.services import ensure_default_schedules

    # a collection does not make one: the OPC UA read says there is none
    plc.endpoints.create(protocol="opc-ua", host="127.0.0.1", port=1, path="/")
    services.collect([plc], collectors.Options(timeout=0.2, retries=0))
    assert services.client_identity() is None and not ClientIdentity.objects.exists()
    # otcsms init sets up the schedules: the collection schedule comes with otcsms's certificate
    ensure_default_schedules()
    assert COLLECT_CONFIGS.name in {s.name for s in Schedule.objects.all()}
    stored = ClientIdentity.objects.get()
    assert "PRIVATE KEY" not in stored.key_encrypted
    event = AuditEvent.objects.get(object_type="configs.clientidentity", action="create")
    assert event.actor_label == "pytest"  # the actor that ran init, in its transaction
    cert, key = services.client_identity()
    assert b"BEGIN CERTIFICATE" in cert and b"PRIVATE KEY" in key
    assert services.ensure_client_identity().pk == stored.pk and services.client_identity() == (cert, key)
    with acting_as(Actor(kind="system", label="renewal")):
        renewed = services.ensure_client_identity(renew=True)
    assert renewed.pk == stored.pk and services.client_identity()[0] != cert
    summary = services.identity_summary()
    assert summary["key_bits"] == 2048 and summary["application_uri"] == "urn:otcsms:collector"
    assert AuditEvent.objects.filter(object_type="configs.clientidentity", action="update").exists()
    # a changed SECRET_KEY: the identity is unreadable, and nothing makes another silently
    settings.SECRET_KEY = settings.SECRET_KEY + "-changed"
    assert services.client_identity() is None
    services.collect([plc], collectors.Options(timeout=0.2, retries=0))
    assert ClientIdentity.objects.count() == 1


def test_the_trail_pins_each_version_by_hash_and_the_chain_can_be_verified(plc):
    v1, _ = services.record_snapshot(plc, config=base_config("4.10"), volatile={"level": 1}, source=LIVE)
    v2, _ = services.record_snapshot(plc, config=base_config("4.20"), volatile={}, source=LIVE)
    event = AuditEvent.objects.get(object_type="configs.snapshot", object_id=str(v2.pk))
    after = event.payload["after"]
    assert after["config_hash"] == v2.config_hash and after["parent_hash"] == v1.config_hash
    assert "4.20" not in json.dumps(after)  # the document itself is not copied into the trail
    assert services.verify_versions(plc) == []
    # a configuration rewritten behind otcsms's back no longer matches the hash the trail recorded
    from django.db import connection

    tampered = Snapshot._meta.get_field("config").get_db_prep_value({"opcua": {}}, connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE configs_snapshot SET config = %s WHERE id = %s", [tampered, v1.pk])
    assert services.verify_versions(plc) == ["v1: the configuration does not match its hash"]


def test_user_and_rule_additions_are_judged_by_what_the_device_is(site_a, zone_sl2):
    from otcsms.plant.models import Conduit, Zone

    before = {"users": {"admin": {"privilege": 15}}, "acls": {"IN": {"rules": ["permit tcp any any eq 502"]}}}
    after = {"users": {"admin": {"privilege": 15}, "vendor": {"privilege": 15}},
             "acls": {"IN": {"rules": ["permit tcp any any eq 502", "permit ip any any"]}}}  # fmt: skip
    plc = Asset.objects.create(site=site_a, name="PLC-9", zone=zone_sl2, type="plc")
    fw = Asset.objects.create(site=site_a, name="FW-1", zone=zone_sl2, type="firewall")
    gateway = Asset.objects.create(site=site_a, name="GW-1", zone=zone_sl2, type="other")
    dmz = Zone.objects.create(site=site_a, name="DMZ", sl_t=(2, 2, 2, 2, 2, 2, 2))
    Conduit.objects.create(
        site=site_a, name="DMZ-Dosing", zone_a=zone_sl2, zone_b=dmz, security_device="gw-1"
    )
    for asset in (plc, fw, gateway):
        v1, _ = services.record_snapshot(asset, config=before, volatile={}, source=LIVE)
        services.approve_baseline(v1, by=None, reason="commissioning")
        services.record_snapshot(asset, config=after, volatile={}, source=LIVE)
    rules = {
        row.asset.name: {c.change.path: c.rule for c in row.result.changes}
        for row in services.drift(Asset.objects.filter(site=site_a))
    }
    judged = {"/users/vendor": "network.user-added", "/acls/IN/rules/1": "network.rule-added"}
    assert rules["FW-1"] == judged
    assert rules["GW-1"] == judged  # named on a conduit as its security device
    assert rules["PLC-9"] == {"/users/vendor": "", "/acls/IN/rules/1": ""}
    v1, v2 = Snapshot.objects.filter(asset=plc).order_by("version")
    assert {c.change.path: c.rule for c in services.compare(v1, v2).changes} == rules["PLC-9"]
