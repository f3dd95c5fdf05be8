"""The demo operator's organisation: a utility with a water plant, a NERC CIP substation and a packaging
plant, their CSMS roles, people, RACI and scope, and the demo users (two demo steps, org/registry.py).

Loading is idempotent: the organisation step loads nothing when the first demo site exists, the users step
creates only missing accounts and grants only missing roles.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from otcsms.core.models import User
from otcsms.core.users import create_user, grant_site_role
from otcsms.org import services
from otcsms.org.models import CsmsActivity, CsmsRole, Person, Responsibility, RoleAssignment
from otcsms.tenancy.models import Organisation, Site

if TYPE_CHECKING:
    from otcsms.core.registry import DemoSummary

SITES = [
    dict(code="riverside-wtp", name="Riverside Water Treatment Plant", sector="water",
         location="Riverside County, OR", nerc_impact="",
         description="40 MGD surface-water plant: intake, coagulation, filtration, UV and chlorine disinfection, "
                     "clearwell and high-service pumps; SCADA on Modbus TCP and DNP3 to 14 remote lift stations."),
    dict(code="cedar-ridge-sub", name="Cedar Ridge 230 kV Substation", sector="electric-transmission",
         location="Cedar Ridge, WA", nerc_registration="NCR11842", nerc_impact="medium",
         description="230/115 kV transmission substation with IEC 61850 protection and control, a DNP3 link to "
                     "the control centre EMS and vendor remote access through an intermediate system."),
    dict(code="harbor-pkg", name="Harbor Packaging Plant", sector="manufacturing",
         location="Port Harbor, CA", nerc_impact="",
         description="Three packaging lines (filler, capper, labeller, case packer) on EtherNet/IP and OPC UA, "
                     "with a plant historian and MES interface to the corporate network."),
]  # fmt: skip

ROLES = [
    ("CSMS owner", "Accountable for the CSMS across the organisation; chairs the management review."),
    ("Site security lead", "Runs the CSMS at one site: risk assessment, evidence, access reviews."),
    ("OT engineer", "Owns control system configuration, baselines and changes at a site."),
    ("Incident commander", "Leads the response to a cyber incident affecting operations."),
    ("Compliance lead", "Maps the program to IEC 62443, NIST SP 800-82 and NERC CIP; prepares audits."),
    ("Plant manager", "Accepts residual risk for the site and funds the roadmap."),
    ("CIP Senior Manager", "NERC CIP-003 R3: the single senior manager accountable for CIP compliance."),
    ("Network engineer", "Owns firewalls, switches, remote access paths and their rule sets."),
]

ACTIVITIES = [
    ("Risk assessment", "IEC 62443-2-1 4.2.3 / 62443-3-2 ZCR 2-5"),
    ("Zone and conduit model", "IEC 62443-3-2 ZCR 3"),
    ("Security policies and procedures", "IEC 62443-2-1 4.3.2.6"),
    ("Account administration", "IEC 62443-2-1 4.3.3.5 / CIP-004 R4"),
    ("Periodic access review", "CIP-004 R4.2-4.4"),
    ("Configuration baselines and change control", "CIP-010 R1 / SR 7.6"),
    ("Patch and vulnerability management", "CIP-007 R2 / SR 3.x"),
    ("Security awareness and training", "IEC 62443-2-1 4.3.2.4 / CIP-004 R1-R2"),
    ("Incident response", "IEC 62443-2-1 4.3.4.5 / CIP-008"),
    ("Backup and recovery", "CIP-009 / SR 7.3-7.4"),
    ("Vendor remote access", "CIP-005 R2 / SR 1.13"),
    ("CSMS review and improvement", "IEC 62443-2-1 4.4"),
]

PEOPLE = [
    # name, site code (None: organisation-wide), job title, email, employer
    ("Elena Marsh", None, "Chief Information Security Officer", "elena.marsh@northwind.example", ""),
    ("Raj Patel", None, "OT Compliance Manager", "raj.patel@northwind.example", ""),
    ("Maria Lopez", "riverside-wtp", "Plant Superintendent", "maria.lopez@northwind.example", ""),
    ("Tom Baker", "riverside-wtp", "SCADA Engineer", "tom.baker@northwind.example", ""),
    ("Aisha Okafor", "riverside-wtp", "Instrumentation Technician", "aisha.okafor@northwind.example", ""),
    ("Greg Nilsen", "cedar-ridge-sub", "Substation Manager", "greg.nilsen@northwind.example", ""),
    ("Priya Raman", "cedar-ridge-sub", "Protection & Control Engineer", "priya.raman@northwind.example", ""),
    ("Dan Whitfield", "cedar-ridge-sub", "Network Engineer", "dan.whitfield@northwind.example", ""),
    (
        "Sam Ortega",
        "cedar-ridge-sub",
        "Field Service Engineer",
        "sam.ortega@relayvendor.example",
        "RelayVendor Inc.",
    ),
    ("Lin Chen", "harbor-pkg", "Plant Manager", "lin.chen@northwind.example", ""),
    ("Marcus Reed", "harbor-pkg", "Controls Engineer", "marcus.reed@northwind.example", ""),
    ("Hannah Berg", "harbor-pkg", "EHS & Security Coordinator", "hannah.berg@northwind.example", ""),
]

ASSIGNMENTS = {
    "riverside-wtp": [("CSMS owner", "Elena Marsh"), ("Plant manager", "Maria Lopez"),
                      ("Site security lead", "Tom Baker"), ("OT engineer", "Tom Baker"),
                      ("OT engineer", "Aisha Okafor"), ("Incident commander", "Maria Lopez"),
                      ("Compliance lead", "Raj Patel")],
    "cedar-ridge-sub": [("CSMS owner", "Elena Marsh"), ("CIP Senior Manager", "Greg Nilsen"),
                        ("Site security lead", "Priya Raman"), ("OT engineer", "Priya Raman"),
                        ("Network engineer", "Dan Whitfield"), ("Incident commander", "Greg Nilsen"),
                        ("Compliance lead", "Raj Patel")],
    "harbor-pkg": [("CSMS owner", "Elena Marsh"), ("Plant manager", "Lin Chen"),
                   ("OT engineer", "Marcus Reed"), ("Site security lead", "Hannah Berg"),
                   ("Incident commander", "Lin Chen")],
}  # fmt: skip

# RACI: activity -> {role: letter}, the same pattern at every site (a site only uses the roles it has).
RACI = {
    "Risk assessment": {"Site security lead": "R", "CSMS owner": "A", "OT engineer": "C", "Plant manager": "I"},
    "Zone and conduit model": {"OT engineer": "R", "Site security lead": "A", "Network engineer": "C"},
    "Security policies and procedures": {"CSMS owner": "A", "Compliance lead": "R", "Site security lead": "C"},
    "Account administration": {"OT engineer": "R", "Site security lead": "A", "Plant manager": "I"},
    "Periodic access review": {"Site security lead": "R", "CSMS owner": "A", "Compliance lead": "I"},
    "Configuration baselines and change control": {"OT engineer": "R", "Site security lead": "A",
                                                   "Network engineer": "C"},
    "Patch and vulnerability management": {"OT engineer": "R", "Site security lead": "A", "Plant manager": "C"},
    "Security awareness and training": {"Site security lead": "R", "CSMS owner": "A", "Plant manager": "I"},
    "Incident response": {"Incident commander": "R", "CSMS owner": "A", "OT engineer": "C",
                          "Compliance lead": "I"},
    "Backup and recovery": {"OT engineer": "R", "Site security lead": "A", "Plant manager": "I"},
    "Vendor remote access": {"Network engineer": "R", "Site security lead": "A", "OT engineer": "C"},
    "CSMS review and improvement": {"CSMS owner": "R", "Plant manager": "C", "Compliance lead": "C"},
}  # fmt: skip
CIP_OVERRIDES = {"CSMS review and improvement": {"CIP Senior Manager": "A"},
                 "Security policies and procedures": {"CIP Senior Manager": "I"}}  # fmt: skip

SCOPES: dict[str, dict[str, Any]] = {
    "riverside-wtp": dict(
        statement="The CSMS covers the plant's process control system from the raw-water intake to the "
                  "high-service pumps, the SCADA system for the 14 remote lift stations, and every person "
                  "and vendor with access to them.",
        boundaries="Control zone (PLCs, RTUs, HMIs), SCADA servers and historian, engineering workstations, "
                   "the OT DMZ and the telemetry radio network.",
        exclusions="The laboratory information system (IT-managed, no connection to the control network).",
        bcp_title="Riverside WTP Business Continuity Plan", bcp_reference="BCP-WTP-2026 rev 3", approve=True),
    "cedar-ridge-sub": dict(
        statement="The CSMS covers the medium-impact BES Cyber Systems of the substation (CIP-002 R1.2) and "
                  "their EACMS, PACS and PCA, aligned with IEC 62443-3-3 zone targets.",
        boundaries="Station bus and process bus IEDs, the substation HMI, RTU/gateway to the EMS, the "
                   "electronic security perimeter firewall and the intermediate system for remote access.",
        exclusions="Telecom carrier equipment beyond the demarcation point.",
        bcp_title="Transmission Operations Recovery Plan (CIP-009)", bcp_reference="TORP-CR-2025", approve=True),
    "harbor-pkg": dict(
        statement="The CSMS covers the three packaging lines, the plant historian and the MES interface.",
        boundaries="Line PLCs and HMIs, safety controllers, the OPC UA aggregation server, the historian.",
        exclusions="Corporate ERP and office network.",
        bcp_title="", bcp_reference="", approve=False),
}  # fmt: skip

DEMO_USERS = [
    # username, org admin, {site code: role}, description
    ("admin", True, {}, "organisation admin: every site"),
    ("maria.lopez", False, {"riverside-wtp": "site-admin"}, "site admin of the water plant"),
    ("tom.baker", False, {"riverside-wtp": "contributor", "harbor-pkg": "viewer"},
     "contributor at the water plant, viewer at the packaging plant"),
    ("priya.raman", False, {"cedar-ridge-sub": "approver"}, "approver at the substation"),
    ("grid.viewer", False, {"cedar-ridge-sub": "viewer"}, "viewer at the substation only"),
    ("audra.auditor", False, {"riverside-wtp": "auditor", "cedar-ridge-sub": "auditor", "harbor-pkg": "auditor"},
     "auditor: read-only, with the audit trail"),
]  # fmt: skip


def load_organisation(summary: DemoSummary) -> None:
    """The organisation (kept when there is one), its sites, CSMS roles, RACI, people and scope statements;
    nothing but the organisation when the first demo site exists."""
    org = Organisation.objects.order_by("pk").first() or Organisation.objects.create(
        name="Northwind Utilities"
    )
    summary.created = not Site.objects.filter(code=SITES[0]["code"]).exists()
    if not summary.created:
        return
    if org.name == "My organisation":
        org.name = "Northwind Utilities"
        org.save()
    _load_org(org)


def _load_org(org: Organisation) -> None:
    sites = {d["code"]: Site.objects.create(organisation=org, **d) for d in SITES}
    roles = {name: CsmsRole.objects.create(name=name, description=desc) for name, desc in ROLES}
    activities = {
        name: CsmsActivity.objects.create(name=name, reference=ref, order=i * 10)
        for i, (name, ref) in enumerate(ACTIVITIES, start=1)
    }
    people = {
        name: Person.objects.create(
            organisation=org, site=sites[code] if code else None, name=name, job_title=title, email=email,
            employer=employer,
        )
        for name, code, title, email, employer in PEOPLE
    }  # fmt: skip
    for code, pairs in ASSIGNMENTS.items():
        for role, person in pairs:
            RoleAssignment.objects.create(
                site=sites[code], role=roles[role], person=people[person], starts_on=date(2025, 1, 6)
            )
    for code, site in sites.items():
        present = {role for role, _ in ASSIGNMENTS[code]}
        for activity, cells in RACI.items():
            merged = dict(cells) | (CIP_OVERRIDES.get(activity, {}) if site.nerc_impact else {})
            if "CIP Senior Manager" in merged and merged["CIP Senior Manager"] == "A":
                merged = {
                    r: ("R" if v == "A" and r != "CIP Senior Manager" else v) for r, v in merged.items()
                }
            for role, letter in merged.items():
                if role in present:
                    Responsibility.objects.create(
                        site=site, activity=activities[activity], role=roles[role], raci=letter
                    )
    approver = User.objects.filter(is_org_admin=True).order_by("pk").first()
    for code, spec in SCOPES.items():
        spec = dict(spec)
        approve = spec.pop("approve")
        draft = services.revise_scope(sites[code], **spec)
        if approve and approver is not None:
            services.approve_scope(draft, approver)


def load_users(summary: DemoSummary) -> None:
    """The demo users and their site roles (an existing account keeps its own password)."""
    password = summary.password
    for username, org_admin, site_roles, what in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(
                username, password, is_org_admin=org_admin, email=f"{username}@northwind.example"
            )
        elif not user.check_password(password):
            what += " (existing account: its own password)"
        for code, role in site_roles.items():
            site = Site.objects.filter(code=code).first()
            if site is not None:
                grant_site_role(user, site, role)
        summary.users.append((username, what))
