"""OPC UA (asyncua): endpoints, server certificate, build info, namespaces and the server's own nodes.

What is configuration: every endpoint (keyed ``policy/mode``) with its user token types, the server
certificate (thumbprint, subject, issuer, validity, key size), BuildInfo, the namespace array, the server
profiles, and the variables under the Objects folder (node id, browse name, data type, access level, whether
writable). Their values are volatile. GetEndpoints needs no session; the rest is read in a session opened
on the most secure endpoint the server offers that otcsms can use (signed and encrypted with its own
application certificate when it has one), anonymous when allowed, else with the asset's stored user name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
from typing import Any

from otcsms.configs.canonical import keyed
from otcsms.configs.collectors import CollectError, Options, Reading, Target, Unreachable

PROTOCOL = "opc-ua"
NAME = "opcua"
MAX_NODES = 5000
MAX_DEPTH = 8
# Requests a session has outstanding at once while browsing (OPC UA servers answer several in turn; small
# embedded servers limit how many they queue, so a bound well under the usual limits).
BROWSES_IN_FLIGHT = 8
_TOKEN_NAMES = {0: "Anonymous", 1: "UserName", 2: "Certificate", 3: "IssuedToken"}
_MODES = {1: "None", 2: "Sign", 3: "SignAndEncrypt"}
_ACCESS = {1: "CurrentRead", 2: "CurrentWrite", 4: "HistoryRead", 8: "HistoryWrite", 16: "SemanticChange"}
BUILD_INFO = {
    "product_uri": 2262,
    "manufacturer_name": 2263,
    "product_name": 2261,
    "software_version": 2264,
    "build_number": 2265,
    "build_date": 2266,
}
NAMESPACE_ARRAY = 2255
SERVER_PROFILES = 2269


def policy_name(uri: str) -> str:
    return uri.rsplit("#", 1)[-1] if uri else "None"


def endpoint_config(endpoint: Any) -> dict[str, Any]:
    tokens = keyed(
        (
            {
                "type": _TOKEN_NAMES.get(int(t.TokenType), str(int(t.TokenType))),
                "policy_id": t.PolicyId or "",
                "security_policy": policy_name(t.SecurityPolicyUri or ""),
            }
            for t in endpoint.UserIdentityTokens or []
        ),
        lambda t: t["type"],
    )
    return {
        "security_policy": policy_name(endpoint.SecurityPolicyUri),
        "security_mode": _MODES.get(int(endpoint.SecurityMode), str(int(endpoint.SecurityMode))),
        "security_level": int(endpoint.SecurityLevel),
        "transport": endpoint.TransportProfileUri or "",
        "user_tokens": tokens,
    }


def certificate_config(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise CollectError("the server certificate is not DER X.509") from None
    key = cert.public_key()
    bits = getattr(key, "key_size", 0)
    return {
        "thumbprint_sha1": hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        "thumbprint_sha256": hashlib.sha256(der).hexdigest(),
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "not_after": cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
        "key_bits": int(bits),
        "key_type": type(key).__name__.lstrip("_").replace("PublicKey", "") or "unknown",
        "public_key_sha256": hashlib.sha256(
            key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ).hexdigest(),
    }


async def read(target: Target, options: Options) -> Reading:
    from asyncua import Client
    from asyncua import __version__ as asyncua_version

    url = f"opc.tcp://{target.host}:{target.port}{target.path}"
    probe = Client(url, timeout=options.timeout)
    try:
        endpoints = await probe.connect_and_get_server_endpoints()
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"{url}: {exc or 'no answer'}") from None
    except Exception as exc:  # asyncua raises its own errors for a peer that is not an OPC UA server
        raise CollectError(f"{url}: GetEndpoints failed: {exc}") from None
    opcua: dict[str, Any] = {
        "endpoints": keyed(
            (endpoint_config(e) for e in endpoints), lambda e: f"{e['security_policy']}/{e['security_mode']}"
        ),
    }
    server_cert = next((e.ServerCertificate for e in endpoints if e.ServerCertificate), b"")
    if server_cert:
        opcua["certificate"] = certificate_config(bytes(server_cert))
    volatile: dict[str, Any] = {}
    session = await _session_reads(url, endpoints, target, options, opcua, volatile)
    volatile["session"] = session
    return Reading(NAME, f"asyncua {asyncua_version}", {"opcua": opcua}, {"opcua": volatile})


def _session_endpoint(endpoints: list[Any], target: Target, options: Options) -> tuple[Any, str] | None:
    """The most secure endpoint otcsms can use, with the user token type it will present."""
    usable = {"None"} | ({"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}
                         if options.client_certificate else set())  # fmt: skip
    best = None
    for e in endpoints:
        if policy_name(e.SecurityPolicyUri) not in usable:
            continue
        types = {int(t.TokenType) for t in e.UserIdentityTokens or []}
        token = "Anonymous" if 0 in types else "UserName" if 1 in types and target.username else ""
        if token and (best is None or int(e.SecurityLevel) > int(best[0].SecurityLevel)):
            best = (e, token)
    return best


async def _session_reads(
    url: str, endpoints: list[Any], target: Target, options: Options, opcua: dict[str, Any],
    volatile: dict[str, Any],
) -> str:  # fmt: skip
    from asyncua import Client, ua
    from asyncua.crypto import security_policies as sp
    from cryptography import x509

    chosen = _session_endpoint(endpoints, target, options)
    if chosen is None:
        if options.client_certificate is None:
            return "no client certificate: otcsms init (or otcsms config identity --renew) makes one"
        return "no endpoint otcsms can open a session on"
    endpoint, token = chosen
    client = Client(url, timeout=options.timeout)
    client.application_uri = options.application_uri
    policy = policy_name(endpoint.SecurityPolicyUri)
    if policy != "None":
        policy_class: Any = {
            "Basic256Sha256": sp.SecurityPolicyBasic256Sha256,
            "Aes128_Sha256_RsaOaep": sp.SecurityPolicyAes128Sha256RsaOaep,
            "Aes256_Sha256_RsaPss": sp.SecurityPolicyAes256Sha256RsaPss,
        }[policy]
        assert options.client_certificate is not None and options.client_key is not None
        # What Client.set_security does, with otcsms's certificate and key parsed once per process: loading an
        # RSA key checks it, which cost more CPU than the whole rest of a collection (40 of 75 ms), and a
        # fleet collection opens hundreds of sessions with the same key.
        cert, key = _client_identity(options.client_certificate, options.client_key)
        try:
            server_cert = x509.load_der_x509_certificate(_first_der(bytes(endpoint.ServerCertificate)))
        except ValueError:
            return "the server certificate of the secure endpoint is not DER X.509"
        security = policy_class(server_cert, cert, key, ua.MessageSecurityMode(int(endpoint.SecurityMode)))
        client.security_policy = security
        client.uaclient.set_security(security)
    if token == "UserName":
        client.set_user(target.username)
        client.set_password(target.password)
    try:
        await client.connect()
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"{url}: {exc or 'no answer'}") from None
    except Exception as exc:  # a refused session still leaves what GetEndpoints told
        return f"session refused on {policy}/{_MODES.get(int(endpoint.SecurityMode))}: {exc}"[:300]
    try:
        # The server's own variables and the browse of the device's address space, in flight together.
        _, (nodes, values) = await asyncio.gather(_read_server(client, opcua), _browse_variables(client))
        opcua["nodes"] = nodes
        volatile["values"] = values
    finally:
        await client.disconnect()
    return f"{policy}/{_MODES.get(int(endpoint.SecurityMode))} as {token}"


async def _read_server(client: Any, opcua: dict[str, Any]) -> None:

    names = list(BUILD_INFO)
    ids = [*BUILD_INFO.values(), NAMESPACE_ARRAY, SERVER_PROFILES]
    results = await client.read_attributes([client.get_node(f"i={i}") for i in ids])
    values = [r.Value.Value if r.Value is not None else None for r in results]
    build = dict(zip(names, values[: len(names)], strict=True))
    built = build.get("build_date")
    if isinstance(built, dt.datetime):
        build["build_date"] = built.isoformat()
    opcua["build_info"] = {k: ("" if v is None else v) for k, v in build.items()}
    opcua["namespaces"] = {str(i): uri for i, uri in enumerate(values[len(names)] or [])}
    opcua["server_profiles"] = sorted(values[len(names) + 1] or [])


async def _browse_variables(client: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from asyncua import ua

    frontier = [client.nodes.objects]
    seen: set[str] = set()
    variables: list[Any] = []
    gate = asyncio.Semaphore(BROWSES_IN_FLIGHT)

    async def children(node: Any) -> Any:
        async with gate:
            return await node.get_children_descriptions()

    for _ in range(MAX_DEPTH):
        following = []
        # One level at a time, its browses in flight together (a round trip per level, not per node); the
        # answers are taken in the frontier's order, so the result is the same as browsing one by one.
        answers = await asyncio.gather(*(children(node) for node in frontier))
        for references in answers:
            for ref in references:
                nodeid = ref.NodeId
                key = nodeid.to_string()
                if nodeid.NamespaceIndex == 0 or key in seen:
                    continue  # the server's own address space (namespace 0) is not the device's configuration
                seen.add(key)
                child = client.get_node(nodeid)
                if ref.NodeClass == ua.NodeClass.Variable:
                    variables.append(child)
                if ref.NodeClass in (ua.NodeClass.Object, ua.NodeClass.Variable):
                    following.append(child)
                if len(seen) >= MAX_NODES:
                    break
        frontier = following
        if not frontier or len(seen) >= MAX_NODES:
            break
    nodes: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if not variables:
        return nodes, values
    names, types, access, current = await asyncio.gather(
        *(
            client.read_attributes(variables, attribute)
            for attribute in (
                ua.AttributeIds.BrowseName, ua.AttributeIds.DataType, ua.AttributeIds.AccessLevel,
                ua.AttributeIds.Value,
            )
        )
    )  # fmt: skip
    for node, name, dtype, level, value in zip(variables, names, types, access, current, strict=True):
        key = node.nodeid.to_string()
        bits = int(level.Value.Value or 0) if level.Value is not None else 0
        nodes[key] = {
            "browse_name": name.Value.Value.to_string() if name.Value is not None else "",
            "data_type": dtype.Value.Value.to_string() if dtype.Value is not None else "",
            "access_level": [label for bit, label in _ACCESS.items() if bits & bit],
            "writable": bool(bits & 2),
        }
        values[key] = _plain(value.Value.Value if value.Value is not None else None)
    return nodes, values


@functools.lru_cache(maxsize=4)
def _client_identity(certificate_pem: bytes, key_pem: bytes) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return (
        x509.load_pem_x509_certificate(certificate_pem),
        serialization.load_pem_private_key(key_pem, password=None),
    )


def _first_der(chain: bytes) -> bytes:
    """The first certificate of a DER chain (a server may send its chain in ServerCertificate)."""
    if len(chain) < 4 or chain[0] != 0x30:
        return chain
    size = chain[1]
    if size < 0x80:
        return chain[: 2 + size]
    width = size & 0x7F
    return chain[: 2 + width + int.from_bytes(chain[2 : 2 + width], "big")]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
