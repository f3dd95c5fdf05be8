"""Endpoint URIs of assets (``opc.tcp://10.0.0.5:4840``, ``modbus+tcp://plc:502?unit=1``) and the addresses in
them: parsed into ``Endpoint`` values, and written back in canonical form.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final, NamedTuple

from otcsms.plant.importfiles.vocabulary import PROTOCOL_CHOICES

MAX_ENDPOINTS: Final = 64


_SCHEME_OF_PROTOCOL: Final = {"opc-ua": "opc.tcp", "modbus-tcp": "modbus+tcp", "dnp3": "dnp3+tcp"}
# protocol -> the query parameters its URI must carry and their largest value
_REQUIRED_PARAMS: Final = {
    "modbus-tcp": {"unit": 255},
    "dnp3": {"outstation": 65519, "master": 65519},
}
_PATH_ALLOWED: Final = frozenset({"opc-ua"})
_URI = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,31})://(?P<authority>[^/?#]*)(?P<path>/[^?#]*)?"
    r"(?:\?(?P<query>[^#]*))?(?P<fragment>#.*)?",
    re.DOTALL,
)
_AUTHORITY = re.compile(r"(?:\[(?P<ipv6>[^\]]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>[0-9]*))?")
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?"
)
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,=:@%/]{0,500}")


class Endpoint(NamedTuple):
    """A network endpoint of an asset, parsed from its URI (see `parse_endpoint`)."""

    protocol: str
    host: str
    port: int
    path: str = ""
    params: tuple[tuple[str, int], ...] = ()

    def uri(self) -> str:
        """The canonical URI, which `parse_endpoint` reads back to an equal Endpoint."""
        scheme = _SCHEME_OF_PROTOCOL.get(self.protocol, self.protocol)
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "&".join(f"{key}={value}" for key, value in self.params)
        return f"{scheme}://{host}:{self.port}{self.path}" + (f"?{query}" if query else "")

    def param(self, name: str) -> int | None:
        return dict(self.params).get(name)


# dotted quad without leading zeros: already canonical, and far cheaper to check than ipaddress
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}")


def canonical_ip(value: str) -> str:
    """The canonical text of an IPv4 or IPv6 address; ValueError if `value` is neither."""
    if _IPV4.fullmatch(value):
        return value
    return str(ipaddress.ip_address(value))


def parse_endpoint(uri: str) -> Endpoint:
    """Parse an endpoint URI or raise ValueError saying what is wrong with it.

    `opc.tcp://HOST:PORT[/PATH]`, `modbus+tcp://HOST:PORT?unit=N` (N 0-255),
    `dnp3+tcp://HOST:PORT?outstation=N&master=M` (0-65519), and `SCHEME://HOST:PORT` for any other protocol.
    HOST is a host name, an IPv4 address or an IPv6 address in brackets; PORT is 1-65535.
    """
    common = _COMMON_ENDPOINT.fullmatch(uri)
    endpoint = _common_endpoint(common) if common is not None else None
    return endpoint if endpoint is not None else _parse_endpoint_fully(uri)


# The shapes nearly every endpoint has, checked by one regular expression: imports of tens of thousands of
# assets stay fast. Anything else goes through `_parse_endpoint_fully`, which also explains what is wrong.
_COMMON_ENDPOINT = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]{0,31})://(?P<host>[a-z0-9_.\-]{1,253}):(?P<port>[1-9][0-9]{0,4})"
    r"(?P<path>/[A-Za-z0-9\-._~!$&'()*+,=:@%/]{1,500})?"
    r"(?:\?unit=(?P<unit>[0-9]{1,3})|\?outstation=(?P<outstation>[0-9]{1,5})&master=(?P<master>[0-9]{1,5}))?"
)


def _common_endpoint(match: re.Match[str]) -> Endpoint | None:
    """The endpoint of a common-shaped URI, or None to leave the verdict to `_parse_endpoint_fully`."""
    host, port = match["host"], int(match["port"])
    if port > 65535 or not (_IPV4.fullmatch(host) or _is_host_name(host)):
        return None
    protocol = PROTOCOL_CHOICES.get(match["scheme"]) or match["scheme"]
    path = match["path"] or ""
    if path and protocol not in _PATH_ALLOWED:
        return None
    unit, outstation, master = match["unit"], match["outstation"], match["master"]
    params: tuple[tuple[str, int], ...] = ()
    if protocol == "modbus-tcp" and unit is not None and int(unit) <= 255:
        params = (("unit", int(unit)),)
    elif protocol == "dnp3" and outstation is not None and max(int(outstation), int(master)) <= 65519:
        params = (("outstation", int(outstation)), ("master", int(master)))
    elif protocol in _REQUIRED_PARAMS or unit is not None or outstation is not None:
        return None
    return Endpoint(protocol, host, port, path, params)


def _is_host_name(host: str) -> bool:
    return _HOSTNAME.fullmatch(host) is not None and _DIGITS_AND_DOTS.fullmatch(host) is None


def _parse_endpoint_fully(uri: str) -> Endpoint:
    shown = uri if len(uri) <= 80 else uri[:77] + "..."
    match = _URI.fullmatch(uri)
    if match is None:
        raise ValueError(f"{shown!r} is not an endpoint URI such as opc.tcp://10.0.0.5:4840")
    if match["fragment"] is not None:
        raise ValueError(f"{shown!r}: an endpoint has no '#' fragment")
    if "@" in match["authority"]:
        raise ValueError(f"{shown!r}: credentials do not belong in an endpoint URI")
    scheme = match["scheme"].lower()
    protocol = PROTOCOL_CHOICES.get(scheme) or scheme
    host, port = _host_and_port(match["authority"], shown)
    path = _endpoint_path(match["path"] or "", protocol, shown)
    params = _endpoint_params(match["query"], protocol, shown)
    return Endpoint(protocol, host, port, path, params)


def _host_and_port(authority: str, shown: str) -> tuple[str, int]:
    match = _AUTHORITY.fullmatch(authority)
    if match is None or not (match["ipv6"] or match["host"]):
        raise ValueError(f"{shown!r}: expected HOST:PORT after '://'")
    if not match["port"]:
        raise ValueError(f"{shown!r}: the port is missing (HOST:PORT)")
    port = int(match["port"][:6])
    if not 1 <= port <= 65535:
        raise ValueError(f"{shown!r}: the port must be 1-65535")
    if match["ipv6"]:
        try:
            return str(ipaddress.IPv6Address(match["ipv6"])), port
        except ValueError:
            raise ValueError(f"{shown!r}: {match['ipv6']!r} is not an IPv6 address") from None
    return _host_name(match["host"].lower(), shown), port


def _host_name(host: str, shown: str) -> str:
    if _IPV4.fullmatch(host):
        return host
    if _DIGITS_AND_DOTS.fullmatch(host):
        raise ValueError(f"{shown!r}: {host!r} is not an IPv4 address")
    if not _HOSTNAME.fullmatch(host):
        raise ValueError(f"{shown!r}: {host!r} is not a host name")
    return host


def _endpoint_path(path: str, protocol: str, shown: str) -> str:
    if not path or (path == "/" and protocol not in _PATH_ALLOWED):
        return ""
    if protocol not in _PATH_ALLOWED:
        raise ValueError(f"{shown!r}: a {protocol} endpoint has no path")
    if not _PATH.fullmatch(path):
        raise ValueError(f"{shown!r}: the path has characters a URI path cannot hold (encode them as %XX)")
    return path


def _endpoint_params(query: str | None, protocol: str, shown: str) -> tuple[tuple[str, int], ...]:
    expected = _REQUIRED_PARAMS.get(protocol, {})
    if not query and not expected:
        return ()
    given = _query_pairs(query or "", shown)
    unknown = sorted(set(given) - set(expected))
    if unknown:
        allowed = f"only {', '.join(expected)}" if expected else "none"
        raise ValueError(f"{shown!r}: unexpected parameter {unknown[0]!r} ({allowed} for {protocol})")
    params = []
    for name, largest in expected.items():
        if name not in given:
            raise ValueError(f"{shown!r}: a {protocol} endpoint needs ?{name}=N")
        value = given[name]
        if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) > largest:
            raise ValueError(f"{shown!r}: {name} must be a whole number 0-{largest}")
        params.append((name, int(value)))
    return tuple(params)


def _query_pairs(query: str, shown: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in query.split("&") if query else ():
        name, equals, value = part.partition("=")
        if not equals or not name:
            raise ValueError(f"{shown!r}: expected NAME=VALUE parameters, got {part!r}")
        if name in pairs:
            raise ValueError(f"{shown!r}: the parameter {name!r} is given twice")
        pairs[name] = value
    return pairs
