"""Severity rules: the shipped defaults, SL-T awareness, organisation overrides, and bad rule files."""

from __future__ import annotations

import datetime as dt

import pytest

from otcsms.configs.diff import Change
from otcsms.configs.severity_rules import AssetTraits, RuleError, compile_pattern, rule_set

TODAY = dt.date(2026, 12, 2)
SL2_FR1 = (2, 1, 1, 1, 1, 1, 1)
SL2_FR4 = (1, 1, 1, 2, 1, 1, 1)
SL2_FR3 = (1, 1, 2, 1, 1, 1, 1)
SL1 = (1,) * 7
NONE_ENDPOINT = {"security_policy": "None", "security_mode": "None", "user_tokens": {"UserName": {}}}


def judge(change, sl_t=None, overrides=()):
    verdict = rule_set(overrides).judge(change, sl_t, TODAY)
    return verdict.severity, verdict.rule


@pytest.mark.parametrize(
    ("sl_t", "severity"),
    [(SL2_FR1, "critical"), (SL2_FR4, "critical"), (SL2_FR3, "high"), (SL1, "high"), (None, "high")],
)
def test_a_none_endpoint_is_critical_where_fr1_or_fr4_asks_for_sl2(sl_t, severity):
    change = Change("/opcua/endpoints/None~1None", "added", None, NONE_ENDPOINT)
    assert judge(change, sl_t) == (severity, "opcua.endpoint-security-none")


def test_mode_none_on_a_secure_policy_and_a_policy_changed_to_none():
    change = Change(
        "/opcua/endpoints/Basic256~1None",
        "added",
        None,
        {"security_policy": "Basic256Sha256", "security_mode": "None"},
    )
    assert judge(change, SL2_FR1) == ("critical", "opcua.endpoint-mode-none")
    leaf = Change("/opcua/endpoints/x/security_mode", "changed", "SignAndEncrypt", "None")
    assert judge(leaf, SL1) == ("high", "opcua.endpoint-policy-field-none")


def test_deprecated_policies_and_anonymous_tokens():
    assert (
        judge(
            Change(
                "/opcua/endpoints/Basic256~1Sign",
                "added",
                None,
                {"security_policy": "Basic256", "security_mode": "Sign"},
            )
        )[0]
        == "high"
    )
    assert judge(
        Change("/opcua/endpoints/a/user_tokens/Anonymous", "added", None, {"type": "Anonymous"}), SL2_FR1
    ) == ("critical", "opcua.anonymous-token")
    assert (
        judge(Change("/opcua/endpoints/a/user_tokens/Anonymous", "removed", {"type": "Anonymous"}, None))[1]
        == ""
    )


def test_certificates():
    weak = {"key_bits": 1024, "not_after": "2030-01-01T00:00:00Z"}
    assert judge(Change("/opcua/certificate", "added", None, weak)) == ("high", "opcua.certificate-weak-key")
    expiring = {"key_bits": 2048, "not_after": "2026-12-20T00:00:00Z"}
    assert judge(Change("/opcua/certificate", "added", None, expiring)) == (
        "high",
        "opcua.certificate-expiring",
    )
    assert judge(Change("/opcua/certificate/thumbprint_sha256", "changed", "aa", "bb")) == (
        "high",
        "opcua.certificate-replaced",
    )


def test_firmware_writable_nodes_modbus_dnp3_and_network():
    assert judge(Change("/opcua/build_info/software_version", "changed", "1", "2"))[1] == "firmware.changed"
    assert (
        judge(Change("/modbus/identification/major_minor_revision", "changed", "1", "2"))[1]
        == "firmware.changed"
    )
    assert judge(Change("/opcua/nodes/ns=2;s=Pump", "added", None, {"writable": True})) == (
        "high",
        "opcua.writable-node-added",
    )
    assert judge(Change("/opcua/nodes/ns=2;s=Pump", "added", None, {"writable": False}))[0] == "low"
    assert judge(Change("/modbus/parameters/high_level_alarm/value", "changed", 4.2, 4.8)) == (
        "medium",
        "modbus.parameter-changed",
    )
    assert judge(Change("/dnp3/points/binary_input~13", "added", None, {}))[1] == "dnp3.point-added-removed"
    assert judge(Change("/acls/OT-IN/rules/30", "added", None, "permit any"))[1] == "network.rule-added"
    assert judge(Change("/users/vendor", "added", None, {"privilege": 15}))[1] == "network.user-added"
    assert judge(Change("/description", "changed", "a", "b")) == ("low", "")


def test_overrides_come_first_and_may_disable_shipped_rules():
    override = {
        "rules": [
            {"id": "site.setpoint", "path": "/modbus/parameters/high_level_alarm/**", "severity": "critical"}
        ],
        "disable": ["firmware.changed"],
        "default_severity": "info",
    }
    assert judge(
        Change("/modbus/parameters/high_level_alarm/value", "changed", 1, 2), overrides=[override]
    ) == ("critical", "site.setpoint")
    assert judge(Change("/opcua/build_info/software_version", "changed", "1", "2"), overrides=[override]) == (
        "info",
        "",
    )


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"rules": [{"id": "x", "path": "/a", "severity": "urgent"}]},
        {"rules": [{"id": "x", "path": "a", "severity": "low"}]},
        {"rules": [{"id": "x", "path": "/a/(b", "severity": "low"}]},
        {"rules": [{"id": "X Y", "path": "/a", "severity": "low"}]},
        {"rules": [{"id": "x", "path": "/a", "severity": "low", "where": [{"key": "a", "matches": ".*"}]}]},
        {
            "rules": [
                {
                    "id": "x",
                    "path": "/a",
                    "severity": "low",
                    "raise_to": {"severity": "high", "when_sl_t": {"frs": [9], "at_least": 2}},
                }
            ]
        },
        {"rules": [], "typo": 1},
        {"rules": [{"id": "x", "path": "/a", "severity": "low", "applies_to": {"asset_types": "firewall"}}]},
        {"rules": [{"id": "x", "path": "/a", "severity": "low", "applies_to": {"types": ["firewall"]}}]},
        {
            "rules": [
                {"id": "x", "path": "/a", "severity": "low", "where": [{"key": "", "equals": 1, "of": "x"}]}
            ]
        },
    ],
)
def test_bad_rule_documents_are_refused(bad):
    with pytest.raises(RuleError):
        rule_set([bad])


def test_patterns():
    assert compile_pattern("/a/*/c").fullmatch("/a/x~1y/c")
    assert not compile_pattern("/a/*/c").fullmatch("/a/x/y/c")
    assert compile_pattern("/**/firmware").fullmatch("/firmware")
    assert compile_pattern("/**/firmware").fullmatch("/x/y/firmware")
    assert compile_pattern("/x/security_(policy|mode)").fullmatch("/x/security_mode")
    assert not compile_pattern("/x/a.b").fullmatch("/x/aXb")


@pytest.mark.parametrize(
    ("asset", "rule_added", "user_added"),
    [
        (AssetTraits("firewall"), "network.rule-added", "network.user-added"),
        (AssetTraits("switch"), "network.rule-added", "network.user-added"),
        (AssetTraits("hmi"), "", "network.user-added"),  # accounts, but no firewall rules
        (AssetTraits("plc"), "", ""),  # a PLC's "rules" and "users" are not firewall rules and accounts
        (AssetTraits("plc", conduit_security_device=True), "network.rule-added", "network.user-added"),
        (AssetTraits(""), "network.rule-added", "network.user-added"),  # type unknown: judged by the rule
        (None, "network.rule-added", "network.user-added"),
    ],
)
def test_firewall_and_user_rules_apply_only_where_the_asset_has_the_concept(asset, rule_added, user_added):
    ruleset = rule_set()
    rule = ruleset.judge(Change("/acls/OT-IN/rules/30", "added", None, "permit any"), None, TODAY, asset)
    user = ruleset.judge(Change("/users/vendor", "added", None, {"privilege": 15}), None, TODAY, asset)
    assert (rule.rule, user.rule) == (rule_added, user_added)
    assert rule.severity == ("high" if rule_added else "low")
