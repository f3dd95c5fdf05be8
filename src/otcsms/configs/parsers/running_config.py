"""Switch, router and firewall running-configs in Cisco-IOS-style hierarchical text.

``config``: hostname, interfaces by name (description, shutdown, switchport mode and VLANs, IP addresses, ACL
bindings, other lines), VLANs by number, ACLs by name with their entries as a list (the order of entries is the
order they are matched in), users (privilege; the secret as a marker), the enable secret, services and
well-known on/off features, SNMP (communities by their marker: the community string is a password), lines
(console, vty), banners, other blocks by their header (lines in order) and the remaining global lines (sorted:
their order does not matter). No secret is stored: passwords, secrets, keys and communities become
``<secret hmac:…>`` markers (see redact.py), in every line. Nothing is volatile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.redact import secret_marker

KIND = "running-config"
LABEL = "Switch/firewall running-config (IOS-style text)"

_SNIFF = re.compile(rb"^(?:hostname \S+|interface \S+|version \d+\S*)\s*$", re.MULTILINE)
_PREAMBLE = re.compile(r"^(?:Building configuration|Current configuration|end$|!)")
# keyword [type digit] secret: the secret (and its type, so a change of encryption shows too) becomes a marker
_SECRET = re.compile(
    r"\b(password|secret|key-string|pre-shared-key|authentication-key \d+ md5|md5|key(?= \d+ ))\s+(?:(\d{1,2})\s+)?(\S+)"
)
# Global features that are on or off ("no ip http server"): services, not anonymous global lines.
_TOGGLES = frozenset(
    {
        "ip http server",
        "ip http secure-server",
        "ip domain-lookup",
        "ip domain lookup",
        "ip source-route",
        "ip finger",
        "ip bootp server",
        "ip gratuitous-arps",
        "cdp run",
        "lldp run",
        "ip routing",
        "ipv6 unicast-routing",
        "aaa new-model",
    }
)


@dataclass
class _Block:
    header: str
    children: list[str] = field(default_factory=list)


def sniff(name: str, head: bytes) -> bool:
    return bool(_SNIFF.search(head)) and head.lstrip()[:1] not in (b"<", b"{", b"[")


def parse(data: bytes) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise ParseError("binary data, not a configuration text (NUL byte)")
    blocks, banners = _blocks(text.splitlines())
    if not blocks:
        raise ParseError("no configuration lines (an empty file or only comments)")
    config: dict[str, Any] = {
        "hostname": None,
        "interfaces": {},
        "vlans": {},
        "acls": {},
        "users": {},
        "enable": {},
        "services": {},
        "snmp": {"communities": {}, "settings": []},
        "lines": {},
        "banners": banners,
        "blocks": {},
        "global": [],
    }
    meta: dict[str, Any] = {}
    for block in blocks:
        _apply(block, config, meta)
    config["snmp"]["settings"].sort()
    config["global"].sort()
    return Parsed(kind=KIND, config=config, meta=meta)


def scrub(line: str) -> str:
    """A line with every password, secret and key replaced by its marker."""
    return _SECRET.sub(_replace_secret, line)


def _replace_secret(found: re.Match[str]) -> str:
    keyword, kind, secret = found.group(1), found.group(2), found.group(3)
    return f"{keyword} {secret_marker(f'{kind or 0} {secret}')}"


def _blocks(lines: list[str]) -> tuple[list[_Block], dict[str, str]]:
    blocks: list[_Block] = []
    banners: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        if not line.strip() or _PREAMBLE.match(line.strip()):
            continue
        if line.startswith("banner "):
            index = _banner(line, lines, index, banners)
            continue
        if line[0].isspace():
            if not blocks:
                raise ParseError(f"line {index}: indented line {line.strip()!r} before any top-level command")
            blocks[-1].children.append(line.strip())
        else:
            blocks.append(_Block(line))
    return blocks, banners


def _banner(line: str, lines: list[str], index: int, banners: dict[str, str]) -> int:
    """``banner motd ^C`` … ``^C``: the text up to the closing delimiter (IOS shows ETX as ``^C``)."""
    parts = line.split(maxsplit=2)
    if len(parts) < 3:
        raise ParseError(f"line {index}: banner without a delimiter")
    kind, rest = parts[1], parts[2]
    delimiter = "^C" if rest.startswith("^C") else rest[0]
    body = rest[len(delimiter) :]
    if delimiter in body:
        banners[kind] = body[: body.index(delimiter)].strip()
        return index
    text = [body] if body else []
    while index < len(lines):
        current = lines[index]
        index += 1
        if delimiter in current:
            text.append(current[: current.index(delimiter)])
            banners[kind] = "\n".join(text).strip()
            return index
        text.append(current.rstrip())
    raise ParseError(f"banner {kind}: no closing {delimiter} before the end of the file")


def _apply(block: _Block, config: dict[str, Any], meta: dict[str, Any]) -> None:
    words = block.header.split()
    head = words[0]
    if head == "hostname" and len(words) > 1:
        config["hostname"] = words[1]
    elif head == "version" and len(words) > 1:
        meta["version"] = words[1]
    elif head == "interface" and len(words) > 1:
        config["interfaces"][" ".join(words[1:])] = _interface(block.children)
    elif head == "vlan" and len(words) == 2 and re.fullmatch(r"[\d,\-]+", words[1]):
        for vlan in _vlan_ids(words[1]):
            config["vlans"][vlan] = _vlan(block.children)
    elif words[:2] == ["ip", "access-list"] and len(words) >= 4:
        config["acls"][words[3]] = {"type": words[2], "entries": [scrub(c) for c in block.children]}
    elif head == "access-list" and len(words) >= 3:
        acl = config["acls"].setdefault(words[1], {"type": "numbered", "entries": []})
        acl["entries"].append(scrub(" ".join(words[2:])))
    elif head == "username" and len(words) > 1:
        config["users"][words[1]] = _user(words[2:])
    elif head == "enable" and len(words) > 1:
        config["enable"][words[1]] = scrub(" ".join(words[1:])).split(maxsplit=1)[1]
    elif head == "snmp-server":
        _snmp(words[1:], config["snmp"])
    elif head == "line":
        config["lines"][" ".join(words[1:])] = sorted(scrub(c) for c in block.children)
    elif not block.children and _service(block.header, config["services"]):
        pass
    elif block.children:
        config["blocks"][scrub(block.header)] = [scrub(c) for c in block.children]
    else:
        config["global"].append(scrub(block.header))


def _service(line: str, services: dict[str, bool]) -> bool:
    enabled = not line.startswith("no ")
    name = line[3:] if not enabled else line
    if name.startswith("service "):
        services[name[len("service ") :]] = enabled
        return True
    if name in _TOGGLES:
        services[name] = enabled
        return True
    return False


def _interface(children: list[str]) -> dict[str, Any]:
    interface: dict[str, Any] = {"description": None, "shutdown": False, "ip_addresses": [], "other": []}
    for child in children:
        words = child.split()
        if words[0] == "description":
            interface["description"] = child.partition(" ")[2]
        elif child == "shutdown":
            interface["shutdown"] = True
        elif child == "no shutdown":
            interface["shutdown"] = False
        elif words[:2] == ["ip", "address"] and len(words) > 2:
            interface["ip_addresses"].append(" ".join(words[2:]))
        elif words[:2] == ["ip", "access-group"] and len(words) == 4:
            interface[f"acl_{words[3]}"] = words[2]
        elif words[:3] == ["switchport", "access", "vlan"] and len(words) == 4:
            interface["access_vlan"] = words[3]
        elif words[:2] == ["switchport", "mode"] and len(words) == 3:
            interface["mode"] = words[2]
        elif words[:4] == ["switchport", "trunk", "allowed", "vlan"] and len(words) == 5:
            interface["trunk_vlans"] = _vlan_ids(words[4])
        elif words[:4] == ["switchport", "trunk", "native", "vlan"] and len(words) == 5:
            interface["native_vlan"] = words[4]
        else:
            interface["other"].append(scrub(child))
    interface["ip_addresses"].sort()
    interface["other"].sort()
    return interface


def _vlan(children: list[str]) -> dict[str, Any]:
    vlan: dict[str, Any] = {"name": None, "other": []}
    for child in children:
        if child.startswith("name "):
            vlan["name"] = child[5:]
        else:
            vlan["other"].append(scrub(child))
    vlan["other"].sort()
    return vlan


def _vlan_ids(spec: str) -> list[str]:
    ids: list[int] = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ParseError(f"VLAN list {spec!r} is not numbers and ranges")
        ids.extend(range(int(low), int(high or low) + 1))
    return [str(i) for i in sorted(set(ids))]


def _user(words: list[str]) -> dict[str, Any]:
    user: dict[str, Any] = {"privilege": 1}
    index = 0
    while index < len(words):
        word = words[index]
        if word == "privilege" and index + 1 < len(words):
            user["privilege"] = int(words[index + 1]) if words[index + 1].isdigit() else words[index + 1]
            index += 2
        elif word in ("secret", "password"):
            rest = words[index + 1 :]
            kind, value = (rest[0], rest[1]) if len(rest) > 1 and rest[0].isdigit() else ("0", " ".join(rest))
            user[word] = secret_marker(f"{kind} {value}")
            index = len(words)  # the secret is the last thing on the line
        else:
            user.setdefault("other", []).append(word)
            index += 1
    return user


def _snmp(words: list[str], snmp: dict[str, Any]) -> None:
    if words and words[0] == "community" and len(words) > 1:
        options = words[2:]
        access = next((w for w in options if w in ("RO", "RW", "ro", "rw")), "RO")
        rest = [w for w in options if w != access]
        snmp["communities"][secret_marker(words[1])] = {"access": access.upper(), "options": rest}
    elif words:
        snmp["settings"].append(scrub(" ".join(words)))
