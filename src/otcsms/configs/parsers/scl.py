"""IEC 61850-6 System Configuration Language files (.scd, .icd, .cid, .iid, .ssd, .sed).

``config``: the header, IEDs by name (manufacturer, type, configVersion, the services they offer, access points
with their logical devices and logical nodes; per logical node its datasets (members in order: the order is
the payload of a report or GOOSE message), report, GOOSE, sampled value and log control blocks, inputs, and the
values configured on its data objects), the communication section (subnetworks, each connected access point's
address, GSE and SMV addresses) and a checksum of the data type templates. Nothing is volatile: SCL describes
configuration only.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from otcsms.configs.parsers import Parsed, ParseError
from otcsms.configs.parsers.redact import secret_marker
from otcsms.configs.parsers.safexml import fingerprint, local, namespace, parse_xml, root_name

KIND = "iec61850-scl"
LABEL = "IEC 61850 SCL (SCD/ICD/CID)"

_SECRET_TYPE = re.compile(r"key|pass|secret", re.IGNORECASE)
_SUFFIXES = (".scd", ".icd", ".cid", ".iid", ".ssd", ".sed")


def sniff(name: str, head: bytes) -> bool:
    return root_name(head) == "SCL" or (name.lower().endswith(_SUFFIXES) and b"<SCL" in head)


def parse(data: bytes) -> Parsed:
    root = parse_xml(data)
    if local(root.tag) != "SCL":
        raise ParseError(f"not an IEC 61850 SCL file: the root element is <{local(root.tag)}>, not <SCL>")
    ns = namespace(root)
    header = root.find(f"{ns}Header")
    if header is None:
        raise ParseError("SCL file without a <Header>")
    ieds = {}
    for ied in root.iterfind(f"{ns}IED"):
        name = _attr(ied, "name")
        if name in ieds:
            raise ParseError(f"IED {name} is defined twice (second at line {ied.sourceline})")
        ieds[name] = _ied(ied, ns)
    templates = root.find(f"{ns}DataTypeTemplates")
    config = {
        "header": {key: header.get(key) for key in ("id", "version", "revision", "nameStructure")},
        "ieds": ieds,
        "communication": _communication(root.find(f"{ns}Communication"), ns),
        "data_type_templates_sha256": fingerprint(templates) if templates is not None else None,
    }
    meta = {
        "scl_version": "".join(root.get(key, "") for key in ("version", "revision", "release")) or None,
        "tool": header.get("toolID"),
        "ieds": len(ieds),
    }
    return Parsed(kind=KIND, config=config, meta=meta)


def _ied(ied: etree._Element, ns: str) -> dict[str, Any]:
    services = ied.find(f"{ns}Services")
    return {
        "manufacturer": ied.get("manufacturer"),
        "type": ied.get("type"),
        "config_version": ied.get("configVersion"),
        "original_scl": "".join(ied.get(k, "") for k in ("originalSclVersion", "originalSclRevision"))
        or None,
        "services": {local(s.tag): dict(s.attrib) for s in services} if services is not None else {},
        "access_points": {
            _attr(ap, "name"): _access_point(ap, ns) for ap in ied.iterfind(f"{ns}AccessPoint")
        },
    }


def _access_point(access_point: etree._Element, ns: str) -> dict[str, Any]:
    server = access_point.find(f"{ns}Server")
    result: dict[str, Any] = {"router": access_point.get("router"), "clock": access_point.get("clock")}
    if server is not None:
        authentication = server.find(f"{ns}Authentication")
        result["authentication"] = dict(authentication.attrib) if authentication is not None else {}
        result["ldevices"] = {_attr(ld, "inst"): _ldevice(ld, ns) for ld in server.iterfind(f"{ns}LDevice")}
    return result


def _ldevice(ldevice: etree._Element, ns: str) -> dict[str, Any]:
    nodes = {}
    for ln in ldevice:
        kind = local(ln.tag)
        if kind not in ("LN0", "LN"):
            continue
        key = f"{ln.get('prefix', '')}{ln.get('lnClass', '')}{ln.get('inst', '')}"
        if key in nodes:
            raise ParseError(
                f"logical node {key} appears twice in LDevice {ldevice.get('inst')} (line {ln.sourceline})"
            )
        nodes[key] = _logical_node(ln, ns)
    return {"desc": ldevice.get("desc"), "ldname": ldevice.get("ldName"), "lns": nodes}


def _logical_node(ln: etree._Element, ns: str) -> dict[str, Any]:
    result: dict[str, Any] = {"ln_class": ln.get("lnClass"), "ln_type": ln.get("lnType")}
    datasets = {
        _attr(ds, "name"): [_fcda(fcda) for fcda in ds.iterfind(f"{ns}FCDA")]
        for ds in ln.iterfind(f"{ns}DataSet")
    }
    if datasets:
        result["datasets"] = datasets
    for element, key in (
        ("ReportControl", "report_controls"),
        ("GSEControl", "gse_controls"),
        ("SampledValueControl", "smv_controls"),
        ("LogControl", "log_controls"),
    ):
        blocks = {_attr(cb, "name"): _control_block(cb, ns) for cb in ln.iterfind(f"{ns}{element}")}
        if blocks:
            result[key] = blocks
    inputs = sorted(
        (
            "/".join(f"{k}={v}" for k, v in sorted(ref.attrib.items()))
            for ref in ln.iterfind(f"{ns}Inputs/{ns}ExtRef")
        ),
    )
    if inputs:
        result["inputs"] = inputs
    values: dict[str, Any] = {}
    for doi in ln.iterfind(f"{ns}DOI"):
        _collect_values(doi, _attr(doi, "name"), values)
    if values:
        result["values"] = values
    return result


def _fcda(fcda: etree._Element) -> str:
    """An FCDA as its object reference: ``LD/prefixLNClassInst.DO.DA [FC]``."""
    node = f"{fcda.get('prefix', '')}{fcda.get('lnClass', '')}{fcda.get('lnInst', '')}"
    path = ".".join(part for part in (fcda.get("doName"), fcda.get("daName")) if part)
    return f"{fcda.get('ldInst', '')}/{node}.{path} [{fcda.get('fc', '')}]"


def _control_block(block: etree._Element, ns: str) -> dict[str, Any]:
    result: dict[str, Any] = dict(block.attrib)
    result.pop("name", None)
    result.pop("desc", None)
    for child in block:
        name = local(child.tag)
        if not name:
            continue
        if name == "IEDName":  # GOOSE/SV subscribers
            result.setdefault("subscribers", []).append((child.text or "").strip())
        else:
            result[name] = dict(child.attrib)
    if "subscribers" in result:
        result["subscribers"].sort()
    return result


def _collect_values(element: etree._Element, path: str, values: dict[str, Any]) -> None:
    for child in element:
        name = local(child.tag)
        if name in ("SDI", "DAI"):
            child_path = f"{path}.{_attr(child, 'name')}"
            if name == "DAI":
                vals = [(v.text or "").strip() for v in child.iterfind(f"{namespace(child)}Val")]
                if vals:
                    values[child_path] = vals[0] if len(vals) == 1 else vals
            else:
                _collect_values(child, child_path, values)


def _communication(communication: etree._Element | None, ns: str) -> dict[str, Any]:
    if communication is None:
        return {}
    subnetworks = {}
    for subnetwork in communication.iterfind(f"{ns}SubNetwork"):
        bitrate = subnetwork.find(f"{ns}BitRate")
        subnetworks[_attr(subnetwork, "name")] = {
            "type": subnetwork.get("type"),
            "bitrate": f"{(bitrate.text or '').strip()} {bitrate.get('multiplier', '')}{bitrate.get('unit', '')}"
            if bitrate is not None
            else None,
            "access_points": {
                f"{_attr(cap, 'iedName')}/{_attr(cap, 'apName')}": _connected_ap(cap, ns)
                for cap in subnetwork.iterfind(f"{ns}ConnectedAP")
            },
        }
    return {"subnetworks": subnetworks}


def _connected_ap(cap: etree._Element, ns: str) -> dict[str, Any]:
    result: dict[str, Any] = {"address": _address(cap.find(f"{ns}Address"), ns)}
    for element, key in (("GSE", "gse"), ("SMV", "smv")):
        entries = {}
        for item in cap.iterfind(f"{ns}{element}"):
            entry: dict[str, Any] = {"address": _address(item.find(f"{ns}Address"), ns)}
            for timing in ("MinTime", "MaxTime"):
                found = item.find(f"{ns}{timing}")
                if found is not None:
                    entry[timing.lower()] = (
                        f"{(found.text or '').strip()} {found.get('multiplier', '')}{found.get('unit', '')}"
                    )
            entries[f"{item.get('ldInst', '')}/{item.get('cbName', '')}"] = entry
        if entries:
            result[key] = entries
    return result


def _address(address: etree._Element | None, ns: str) -> dict[str, str]:
    if address is None:
        return {}
    result = {}
    for p in address.iterfind(f"{ns}P"):
        kind, value = p.get("type", ""), (p.text or "").strip()
        # SNMP keys and passwords in address parameters (vendor types such as SnmpAuthKey) are not stored
        result[kind] = secret_marker(value) if _SECRET_TYPE.search(kind) else value
    return result


def _attr(element: etree._Element, name: str) -> str:
    value = element.get(name)
    if value is None:
        raise ParseError(f"<{local(element.tag)}> at line {element.sourceline} has no {name}")
    return value
