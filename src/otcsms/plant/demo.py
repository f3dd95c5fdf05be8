"""The demo operator's plant model: zones, conduits, assets and systems under consideration of its three sites.

A demo step (plant/registry.py). A site that already has zones is left as it is, so loading
twice changes nothing. Addresses are from private ranges; vendors and models are real product lines as an
operator of each sector typically runs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otcsms.plant import services
from otcsms.plant.models import Asset, Conduit, SystemUnderConsideration, Zone
from otcsms.tenancy.models import Site

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary

# name, kind, SL-T, parent, reason for the SL-T, description
Z = tuple[str, str, str, str | None, str, str]
# name, zone A, zone B, protocols, security device, rule set, description
C = tuple[str, str, str, tuple[str, ...], str, str, str]
# name, zone, type, vendor, model, firmware, criticality, ip, endpoints, description
A = tuple[str, str, str, str, str, str, str, str, tuple[str, ...], str]

PLANT: dict[str, dict[str, Any]] = {
    "riverside-wtp": {
        "zones": [
            ("Enterprise", "enterprise", "1", None,
             "Business network: a compromise does not reach the process directly; the OT DMZ brokers every flow.",
             "Office, laboratory and billing systems (IT-managed)."),
            ("OT DMZ", "dmz", "2,2,2,2,3,2,2", None,
             "Every flow between enterprise and SCADA ends here; restricted data flow (FR5) is the zone's job.",
             "Historian replica and the remote desktop gateway for vendors."),
            ("SCADA", "control", "2,2,2,1,2,2,3", None,
             "Operators lose sight of the plant if SCADA stops: availability (FR7) at 3; process data is not secret.",
             "SCADA servers, operator HMIs, historian and engineering workstation in the control room."),
            ("Process control", "control", "2,2,2,1,2,2,2", None,
             "Controllers of the treatment train; an outage stops production of potable water within hours.",
             "Plant-floor controller network for intake, coagulation, filtration and pumping."),
            ("Filtration", "control", "2,2,3,1,2,2,2", "Process control",
             "Wrong filter sequencing passes turbidity to the clearwell: integrity (FR3) at 3.",
             "Filter gallery: backwash sequencing, turbidity and head-loss control."),
            ("Chemical dosing", "control", "3,3,3,1,2,2,3", "Process control",
             "An overfeed of sodium hypochlorite or fluoride endangers public health: no unauthorised command "
             "may reach these controllers (FR1-FR3 at 3) and dosing must not stop (FR7 at 3).",
             "Chlorine, fluoride and coagulant dosing pumps and analysers."),
            ("Remote lift stations", "remote", "2,2,2,1,2,1,2", None,
             "14 unmanned stations on licensed 900 MHz radio: physical access is weak, polling shows outages.",
             "Wastewater lift stations polled over DNP3 radio."),
        ],
        "conduits": [
            ("Enterprise to OT DMZ", "Enterprise", "OT DMZ", ("https", "rdp"), "FW-IT-OT (FortiGate 200F)",
             "permit tcp ENT-BI -> HIST-RPL:443  # reports read the historian replica\n"
             "permit tcp any(VPN, MFA) -> DMZ-RDG:443  # vendor remote desktop gateway\n"
             "deny ip any any log",
             "Only the historian replica and the remote desktop gateway are reachable from the office."),
            ("OT DMZ to SCADA", "OT DMZ", "SCADA", ("opc-ua", "https", "rdp"), "FW-OT-CORE (Palo Alto PA-440)",
             "permit tcp HIST-01 -> HIST-RPL:443  # replication, initiated from SCADA only\n"
             "permit tcp DMZ-RDG -> EWS-01:3389  # vendor sessions, time-boxed, recorded\n"
             "deny ip any any log",
             "No connection is ever opened from the DMZ into SCADA except the recorded vendor session."),
            ("SCADA to process control", "SCADA", "Process control", ("ethernet-ip", "modbus-tcp", "opc-ua"),
             "FW-OT-CORE (Palo Alto PA-440)",
             "permit tcp SCADA-01 -> 10.30.0.0/16:44818,502,4840\n"
             "permit tcp EWS-01 -> 10.30.0.0/16:44818  # programming, change ticket required\n"
             "deny ip any any log",
             "Supervisory polling and engineering access to the plant-floor controllers."),
            ("Dosing cell link", "Process control", "Chemical dosing", ("modbus-tcp", "opc-ua"),
             "SW-PC-01 ACL (Cisco IE-3400)",
             "permit tcp 10.30.0.0/24 -> PLC-CHM-01:502,4840\ndeny ip any any",
             "Only the process control network talks to the dosing controller."),
            ("Telemetry radio", "SCADA", "Remote lift stations", ("dnp3",), "RADIO-M1 (GE MDS Orbit) + EDR-810",
             "permit tcp SCADA-01 -> 10.40.0.0/24:20000 (DNP3, secure authentication v5)\ndeny ip any any log",
             "DNP3 polling of the lift-station RTUs over licensed radio."),
        ],
        "assets": [
            ("HIST-RPL", "OT DMZ", "historian", "AVEVA", "PI Server", "2023 SP1", "medium", "10.10.50.11",
             ("https://10.10.50.11:443",), "Read-only replica of the plant historian for business users."),
            ("DMZ-RDG", "OT DMZ", "server", "Microsoft", "Windows Server 2022 RD Gateway", "21H2", "high",
             "10.10.50.20", ("https://10.10.50.20:443",), "Remote desktop gateway: the only way in for vendors."),
            ("FW-IT-OT", "OT DMZ", "firewall", "Fortinet", "FortiGate 200F", "7.2.8", "high", "10.10.50.1", (),
             "Boundary firewall between enterprise and OT DMZ."),
            ("SCADA-01", "SCADA", "server", "AVEVA", "System Platform", "2023 R2 SP1", "critical", "10.20.1.10",
             ("opc.tcp://10.20.1.10:4840",), "Primary SCADA server (Application Server galaxy)."),
            ("HIST-01", "SCADA", "historian", "AVEVA", "PI Server", "2023 SP1", "high", "10.20.1.12",
             ("https://10.20.1.12:443",), "Plant historian, 5 years of process data."),
            ("HMI-01", "SCADA", "hmi", "AVEVA", "InTouch", "2023 R2", "high", "10.20.1.21", (),
             "Operator console 1, control room."),
            ("HMI-02", "SCADA", "hmi", "AVEVA", "InTouch", "2023 R2", "high", "10.20.1.22", (),
             "Operator console 2, control room."),
            ("EWS-01", "SCADA", "engineering-workstation", "Dell", "Precision 3660", "Studio 5000 v34", "high",
             "10.20.1.30", ("rdp://10.20.1.30:3389",), "Engineering workstation: Studio 5000, Unity Pro, PI tools."),
            ("FW-OT-CORE", "SCADA", "firewall", "Palo Alto Networks", "PA-440", "PAN-OS 11.0.4", "critical",
             "10.20.1.1", (), "OT core firewall between DMZ, SCADA and process control."),
            ("SW-PC-01", "Process control", "switch", "Cisco", "IE-3400", "17.9.4", "high", "10.30.0.2", (),
             "Plant-floor managed switch."),
            ("PLC-FLT-01", "Filtration", "plc", "Rockwell Automation", "ControlLogix 5580 (1756-L83E)", "33.011",
             "critical", "10.30.1.11", ("enip://10.30.1.11:44818", "opc.tcp://10.30.1.11:4840"),
             "Filters 1-6: backwash sequencing and effluent valves."),
            ("PLC-FLT-02", "Filtration", "plc", "Rockwell Automation", "ControlLogix 5580 (1756-L83E)", "33.011",
             "critical", "10.30.1.12", ("enip://10.30.1.12:44818",), "Filters 7-12."),
            ("HMI-FLT", "Filtration", "hmi", "Rockwell Automation", "PanelView Plus 7", "13.0", "medium",
             "10.30.1.21", (), "Local panel in the filter gallery."),
            ("PLC-CHM-01", "Chemical dosing", "plc", "Schneider Electric", "Modicon M580 (BMEP582040)", "4.10",
             "critical", "10.30.2.11", ("modbus+tcp://10.30.2.11:502?unit=1", "opc.tcp://10.30.2.11:4840"),
             "Chlorine and fluoride dosing pumps, residual analysers."),
            ("SIS-CL2", "Chemical dosing", "safety-controller", "Schneider Electric", "Modicon M580 Safety",
             "4.10", "critical", "10.30.2.12", ("modbus+tcp://10.30.2.12:502?unit=2",),
             "Chlorine gas detection and scrubber start, isolation valves."),
            ("RADIO-M1", "Remote lift stations", "other", "GE", "MDS Orbit MCR", "9.2.3", "high", "10.40.0.2", (),
             "900 MHz radio master for the lift-station network."),
            ("RTU-LS-01", "Remote lift stations", "rtu", "Schneider Electric", "SCADAPack 474", "9.8", "high",
             "10.40.0.11", ("dnp3+tcp://10.40.0.11:20000?outstation=101&master=1",), "Lift station 1, Mill Creek."),
            ("RTU-LS-02", "Remote lift stations", "rtu", "Schneider Electric", "SCADAPack 474", "9.8", "medium",
             "10.40.0.12", ("dnp3+tcp://10.40.0.12:20000?outstation=102&master=1",), "Lift station 2, Oak Hollow."),
            ("RTU-LS-03", "Remote lift stations", "rtu", "Schneider Electric", "SCADAPack 474", "9.6", "medium",
             "10.40.0.13", ("dnp3+tcp://10.40.0.13:20000?outstation=103&master=1",), "Lift station 3, Riverbend."),
        ],
        "systems": [
            ("Treatment process control",
             "Everything that controls the treatment train: the risk assessment of the potable water process.",
             ("SCADA", "Process control", "Filtration", "Chemical dosing")),
            ("Remote telemetry", "SCADA and the radio-linked lift stations.", ("SCADA", "Remote lift stations")),
        ],
    },
    "cedar-ridge-sub": {
        "zones": [
            ("Corporate", "enterprise", "1", None, "Outside the ESP; no BES Cyber System.",
             "Corporate network of the transmission company."),
            ("Intermediate system", "dmz", "3,3,2,3,3,2,2", None,
             "CIP-005 R2: interactive remote access ends here, with MFA and encryption, before the ESP.",
             "EACMS: jump host and MFA proxy for interactive remote access."),
            ("Station bus", "control", "3,3,3,2,3,2,3", None,
             "Medium-impact BES Cyber System inside the ESP: commands to breakers must be authentic (FR1-FR3).",
             "Substation LAN: RTU/gateway, HMI, clocks and switches (IEC 61850 station bus)."),
            ("Protection", "safety", "3,3,4,2,3,2,4", "Station bus",
             "Protection IEDs trip breakers: settings must not change unnoticed and GOOSE trips must arrive "
             "within 4 ms, so integrity (FR3) and availability (FR7) at 4.",
             "Protection and control IEDs exchanging GOOSE and MMS."),
            ("EMS WAN", "remote", "2,2,2,2,3,2,3", None,
             "Link to the control centre EMS: loss of telemetry blinds the system operator.",
             "Utility WAN segment to the control centre front-end processors."),
        ],
        "conduits": [
            ("Corporate to intermediate system", "Corporate", "Intermediate system", ("https", "rdp"),
             "CORP-FW (corporate firewall)",
             "permit tcp corp-users(MFA) -> IS-01:3389\ndeny ip any any log",
             "Interactive remote access starts here (CIP-005 R2.1)."),
            ("Intermediate system to station bus", "Intermediate system", "Station bus", ("rdp", "ssh", "https"),
             "ESP-FW (SEL-3620)",
             "permit tcp IS-01 -> HMI-SUB:3389\npermit tcp IS-01 -> RTU-GW-01:22,443  # settings, change ticket\n"
             "deny ip any any log  # CIP-005 R1.3: inbound and outbound permissions with reasons",
             "The only routable path into the ESP for people."),
            ("Station bus to protection", "Station bus", "Protection", ("iec-61850-mms", "iec-61850-goose"),
             "SW-SB-01/02 VLAN 10 (RuggedCom RSG2488)",
             "VLAN 10 GOOSE multicast only between protection IEDs; MMS from RTU-GW-01 and HMI-SUB only",
             "IEC 61850 station bus: GOOSE trips and MMS reports."),
            ("Station bus to EMS", "Station bus", "EMS WAN", ("dnp3",), "ESP-FW (SEL-3620)",
             "permit tcp EMS-FEP -> RTU-GW-01:20000 (DNP3 SAv5)\ndeny ip any any log",
             "DNP3 telemetry and control from the control centre EMS."),
        ],
        "assets": [
            ("IS-01", "Intermediate system", "server", "Microsoft", "Windows Server 2022 (jump host)", "21H2",
             "high", "10.50.10.11", ("rdp://10.50.10.11:3389",), "Intermediate system for interactive remote access."),
            ("MFA-01", "Intermediate system", "server", "Cisco", "Duo Authentication Proxy", "6.3.0", "high",
             "10.50.10.12", ("https://10.50.10.12:443",), "MFA for every interactive remote session."),
            ("ESP-FW", "Station bus", "firewall", "Schweitzer Engineering Laboratories", "SEL-3620", "R206",
             "critical", "10.60.0.1", (), "Electronic access point of the ESP (EACMS)."),
            ("RTU-GW-01", "Station bus", "rtu", "Schweitzer Engineering Laboratories", "SEL-3530 RTAC", "R150",
             "critical", "10.60.0.10", ("dnp3+tcp://10.60.0.10:20000?outstation=10&master=1", "https://10.60.0.10:443"),
             "RTU and protocol gateway: IEC 61850 MMS client, DNP3 outstation to the EMS."),
            ("HMI-SUB", "Station bus", "hmi", "Schweitzer Engineering Laboratories", "SEL-3355", "Diagram Builder 2.1",
             "high", "10.60.0.20", ("rdp://10.60.0.20:3389",), "Substation HMI."),
            ("SW-SB-01", "Station bus", "switch", "Siemens", "RuggedCom RSG2488", "ROS 5.7", "critical", "10.60.0.2",
             (), "Station bus switch A."),
            ("SW-SB-02", "Station bus", "switch", "Siemens", "RuggedCom RSG2488", "ROS 5.7", "critical", "10.60.0.3",
             (), "Station bus switch B."),
            ("GPS-CLK", "Station bus", "other", "Schweitzer Engineering Laboratories", "SEL-2488", "R112", "high",
             "10.60.0.5", ("ntp://10.60.0.5:123",), "Satellite-synchronised clock (IRIG-B, PTP, NTP)."),
            ("REL-87T-1", "Protection", "ied", "Schweitzer Engineering Laboratories", "SEL-487E", "R320", "critical",
             "10.60.1.21", ("mms://10.60.1.21:102",), "Transformer T1 differential protection."),
            ("REL-21-L1", "Protection", "ied", "ABB", "REL670", "2.2.5", "critical", "10.60.1.31",
             ("mms://10.60.1.31:102",), "Line 1 distance protection."),
            ("REL-21-L2", "Protection", "ied", "ABB", "REL670", "2.2.5", "critical", "10.60.1.32",
             ("mms://10.60.1.32:102",), "Line 2 distance protection."),
            ("REL-50BF", "Protection", "ied", "Schweitzer Engineering Laboratories", "SEL-451", "R321", "critical",
             "10.60.1.41", ("mms://10.60.1.41:102",), "Breaker failure and bay control."),
        ],
        "systems": [
            ("Cedar Ridge BES Cyber System",
             "Medium-impact BES Cyber System (CIP-002) with its EACMS: the scope of the CIP program at this site.",
             ("Station bus", "Protection", "Intermediate system")),
        ],
    },
    "harbor-pkg": {
        "zones": [
            ("Enterprise", "enterprise", "1", None, "Business network: ERP and office.", "Corporate IT."),
            ("Plant DMZ", "dmz", "2", None, "Brokers MES and historian traffic between IT and the plant floor.",
             "MES interface and historian replica."),
            ("Supervisory", "control", "2,2,2,1,2,2,2", None,
             "Aggregates data of all lines; a compromise here reaches every line.",
             "OPC UA aggregation server, historian, engineering workstation."),
            ("Line 1", "control", "2,2,1,1,1,1,2", None,
             "Quality and throughput only: safety is hardwired and in the Safety zone.", "Filler and capper."),
            ("Line 2", "control", "2,2,1,1,1,1,2", None,
             "Quality and throughput only: safety is hardwired and in the Safety zone.", "Labeller and case packer."),
            ("Line 3", "control", "2,2,1,1,1,1,2", None, "",
             "Palletiser and wrapper, added in 2026; SL-T copied from Line 2, not yet justified."),
            ("Safety", "safety", "3,2,3,1,2,2,3", None,
             "Guard doors and emergency stops protect people: integrity and availability at 3.",
             "Safety controllers of the three lines."),
        ],
        "conduits": [
            ("Enterprise to plant DMZ", "Enterprise", "Plant DMZ", ("https",), "FW-PKG (Cisco Secure Firewall 1120)",
             "permit tcp ERP -> MES-IF:443\ndeny ip any any log", "Production orders in, production reports out."),
            ("Plant DMZ to supervisory", "Plant DMZ", "Supervisory", ("opc-ua", "https"),
             "FW-PKG (Cisco Secure Firewall 1120)",
             "permit tcp MES-IF -> OPCUA-AGG:49320 (Sign&Encrypt)\ndeny ip any any log",
             "MES reads and writes recipes through the OPC UA aggregation server only."),
            ("Supervisory to line 1", "Supervisory", "Line 1", ("ethernet-ip", "opc-ua"), "", "",
             "Line 1 controllers on the supervisory network (no firewall yet: roadmap item)."),
            ("Supervisory to line 2", "Supervisory", "Line 2", ("ethernet-ip", "opc-ua"), "", "",
             "Line 2 controllers on the supervisory network."),
            ("Supervisory to line 3", "Supervisory", "Line 3", ("s7", "opc-ua"), "", "",
             "Line 3 (Siemens) on the supervisory network."),
            ("Line 1 to safety", "Line 1", "Safety", ("ethernet-ip",), "", "",
             "CIP Safety between the line PLC and its safety controller."),
        ],
        "assets": [
            ("FW-PKG", "Plant DMZ", "firewall", "Cisco", "Secure Firewall 1120", "7.2.5", "high", "10.70.50.1", (),
             "Plant boundary firewall."),
            ("MES-IF", "Plant DMZ", "server", "Siemens", "Opcenter Execution connector", "2304", "high",
             "10.70.50.10", ("https://10.70.50.10:443",), "MES interface: orders and production reports."),
            ("OPCUA-AGG", "Supervisory", "server", "PTC", "Kepware KEPServerEX", "6.15", "high", "10.70.0.20",
             ("opc.tcp://10.70.0.20:49320",), "OPC UA aggregation server for all lines."),
            ("HIST-PKG", "Supervisory", "historian", "AVEVA", "Historian", "2023 R2", "medium", "10.70.0.21", (),
             "Line historian: OEE, downtime, counts."),
            ("EWS-PKG", "Supervisory", "engineering-workstation", "Dell", "Precision 3581", "Studio 5000 v35, TIA V18",
             "high", "10.70.0.30", (), "Engineering laptop docked in the maintenance office."),
            ("PLC-L1", "Line 1", "plc", "Rockwell Automation", "CompactLogix 5380 (5069-L330ER)", "35.011", "high",
             "10.70.1.10", ("enip://10.70.1.10:44818",), "Filler and capper."),
            ("HMI-L1", "Line 1", "hmi", "Rockwell Automation", "PanelView Plus 7", "13.0", "medium", "10.70.1.20", (),
             "Line 1 operator panel."),
            ("PLC-L2", "Line 2", "plc", "Rockwell Automation", "CompactLogix 5380 (5069-L330ER)", "35.011", "high",
             "10.70.2.10", ("enip://10.70.2.10:44818",), "Labeller and case packer."),
            ("HMI-L2", "Line 2", "hmi", "Rockwell Automation", "PanelView Plus 7", "13.0", "medium", "10.70.2.20", (),
             "Line 2 operator panel."),
            ("PLC-L3", "Line 3", "plc", "Siemens", "S7-1500 (CPU 1515-2 PN)", "V3.0", "high", "10.70.3.10",
             ("s7://10.70.3.10:102", "opc.tcp://10.70.3.10:4840"), "Palletiser and stretch wrapper."),
            ("HMI-L3", "Line 3", "hmi", "Siemens", "SIMATIC TP1200 Comfort", "V17", "medium", "10.70.3.20", (),
             "Line 3 operator panel."),
            ("SAF-L1", "Safety", "safety-controller", "Rockwell Automation", "GuardLogix 5580", "35.011",
             "critical", "10.70.9.10", ("enip://10.70.9.10:44818",), "Guard doors and e-stops of lines 1-3."),
        ],
        "systems": [
            ("Packaging lines", "The three lines with their supervisory and safety systems.",
             ("Supervisory", "Line 1", "Line 2", "Line 3", "Safety")),
        ],
    },
}  # fmt: skip


def load_demo_plant(summary: DemoSummary) -> None:
    """The demo step: every demo site without zones gets its plant model."""
    load_plant()


def load_plant() -> int:
    """Give every demo site without zones its plant model; returns the number of sites loaded."""
    loaded = 0
    for code, spec in PLANT.items():
        site = Site.objects.filter(code=code).first()
        if site is None or Zone.objects.filter(site=site).exists():
            continue
        _load_site(site, spec)
        loaded += 1
    return loaded


def _load_site(site: Site, spec: dict[str, Any]) -> None:
    zones: dict[str, Zone] = {}
    for name, kind, sl_t, parent, reason, description in spec["zones"]:
        zone = Zone(site=site, name=name, kind=kind, parent=zones.get(parent) if parent else None,
                    sl_t_reason=reason, description=description)  # fmt: skip
        zone.sl_t = sl_t
        zone.full_clean()
        zone.save()
        zones[name] = zone
    for name, a, b, protocols, device, rules, description in spec["conduits"]:
        conduit = Conduit(site=site, name=name, zone_a=zones[a], zone_b=zones[b], protocols=list(protocols),
                          security_device=device, rule_set=rules, description=description)  # fmt: skip
        conduit.full_clean()
        conduit.save()
    for name, zone, type_, vendor, model, firmware, criticality, ip, uris, description in spec["assets"]:
        asset = Asset(site=site, name=name, zone=zones[zone], type=type_, vendor=vendor, model=model,
                      firmware=firmware, criticality=criticality, ip=ip, description=description)  # fmt: skip
        asset.full_clean()
        asset.save()
        services.set_asset_endpoints(asset, services.parse_endpoint_uris(uris))
    for name, description, members in spec["systems"]:
        system = SystemUnderConsideration.objects.create(site=site, name=name, description=description)
        services.set_system_zones(system, [zones[member] for member in members])
