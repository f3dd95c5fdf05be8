from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.configs.parsers import ParseError, running_config

from .support import sample

CONFIG = sample("cell-switch-01.running-config.txt")
SECRETS = (b"070C285F4D06", b"Pl4ntRO", b"$9$2MJBozw", b"$9$nhEmQVczB7dqsO")


def test_the_sample_reads_interfaces_vlans_acls_users_and_services():
    config = running_config.parse(CONFIG).config
    assert config["hostname"] == "CELL-SW-01"
    plc = config["interfaces"]["GigabitEthernet1/0/1"]
    assert plc["description"] == "PLC-01 (Line 3)"
    assert (plc["mode"], plc["access_vlan"], plc["acl_in"], plc["shutdown"]) == (
        "access",
        "10",
        "CELL-IN",
        False,
    )
    assert config["interfaces"]["GigabitEthernet1/0/3"]["shutdown"] is True
    assert config["interfaces"]["GigabitEthernet1/0/24"]["trunk_vlans"] == ["10", "20", "99"]
    assert config["interfaces"]["Vlan99"]["ip_addresses"] == ["10.99.0.11 255.255.255.0"]
    assert config["vlans"]["20"]["name"] == "HMI"
    assert config["acls"]["CELL-IN"]["entries"][-1] == "deny   ip any any log"
    assert config["acls"]["15"] == {"type": "numbered", "entries": ["permit 10.99.0.5"]}
    assert config["users"]["netadmin"]["privilege"] == 15
    assert config["services"]["password-encryption"] is True
    assert config["services"]["pad"] is False
    assert config["services"]["ip http server"] is False
    assert config["lines"]["vty 0 4"] == ["access-class 15 in", "exec-timeout 10 0", "transport input ssh"]
    assert config["banners"]["motd"] == "Authorised access only. Activity is logged."
    assert "ntp server 10.99.0.5" in config["global"]


def test_no_secret_is_stored_yet_a_changed_secret_shows():
    parsed = running_config.parse(CONFIG)
    text = str(parsed.config) + str(parsed.meta)
    for secret in SECRETS:
        assert secret.decode() not in text
    assert re.fullmatch(r"<secret hmac:[0-9a-f]{16}>", parsed.config["users"]["operator"]["password"])
    assert re.fullmatch(r"<secret hmac:[0-9a-f]{16}>", parsed.config["enable"]["secret"])
    changed = running_config.parse(CONFIG.replace(b"070C285F4D06", b"0822455D0A16"))
    assert changed.config["users"]["operator"] != parsed.config["users"]["operator"]
    community = running_config.parse(CONFIG.replace(b"Pl4ntRO", b"public"))
    assert community.config["snmp"]["communities"] != parsed.config["snmp"]["communities"]


def test_secrets_in_other_lines_are_scrubbed():
    extra = CONFIG.replace(
        b"ntp server 10.99.0.5",
        b"ntp authentication-key 1 md5 Ntp53cr3t 7\nkey chain OSPF\n key 1\n  key-string 7 1511021F0725\nntp server 10.99.0.5",
    )
    text = str(running_config.parse(extra).config)
    assert "Ntp53cr3t" not in text and "1511021F0725" not in text
    assert "key chain OSPF" in text


def _blocks(text: str) -> list[str]:
    """The file cut into top-level blocks (a header line and its indented lines)."""
    blocks: list[str] = []
    for line in text.splitlines(keepends=True):
        if line[:1] in (" ",) and blocks:
            blocks[-1] += line
        else:
            blocks.append(line)
    return blocks


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordering_interfaces_vlans_users_and_global_lines_changes_nothing(rng: random.Random):
    text = CONFIG.decode()
    head, banner, tail = text.partition("banner motd ^C\nAuthorised access only. Activity is logged.\n^C\n")
    blocks = _blocks(head)
    # numbered access-list lines of one list keep their order: their order is the ACL's
    movable = [b for b in blocks if not b.startswith("access-list")]
    fixed = [b for b in blocks if b.startswith("access-list")]
    rng.shuffle(movable)
    reordered = "".join(movable + fixed) + banner + tail
    assert running_config.parse(reordered.encode()).config == running_config.parse(CONFIG).config


def test_the_order_of_acl_entries_is_kept():
    original = running_config.parse(CONFIG).config["acls"]["CELL-IN"]["entries"]
    moved = CONFIG.replace(b" deny   ip any any log\n", b"").replace(
        b"ip access-list extended CELL-IN\n", b"ip access-list extended CELL-IN\n deny   ip any any log\n"
    )
    assert running_config.parse(moved).config["acls"]["CELL-IN"]["entries"] == [original[-1], *original[:-1]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"!\n!\nend\n", "no configuration lines"),
        (b" description orphan\nhostname x\n", "line 1: indented line"),
        (b"hostname x\nbanner motd ^C\nnever closed\n", "no closing"),
        (b"hostname x\nvlan 10-x\n", None),
        (b"hostname \xff\n", "not UTF-8"),
        (b"hostname x\n\x00", "NUL"),
    ],
)
def test_malformed_files_give_a_one_line_reason(data, message):
    if message is None:  # "vlan 10-x" is not a VLAN list: kept as an unknown global line, not an error
        assert "vlan 10-x" in running_config.parse(data).config["global"]
        return
    with pytest.raises(ParseError, match=message) as refused:
        running_config.parse(data)
    assert "\n" not in str(refused.value)
