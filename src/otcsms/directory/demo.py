"""The directory app's part of the demo operator: group mappings an operator would set up for Northwind's
Active Directory (the demo has no directory server: the mappings show on the Directory sign-in page, ready
for ``OTCSMS_LDAP_URL``)."""

from __future__ import annotations

from otcsms.core.registry import DemoSummary
from otcsms.directory import services
from otcsms.directory.dn import dn_key
from otcsms.directory.models import ORG_ADMIN, GroupMapping
from otcsms.tenancy.models import Site

GROUPS = "OU=Groups,OU=OT,DC=northwind,DC=example"
DEMO_MAPPINGS = (
    (f"CN=OT-CSMS-Admins,{GROUPS}", None, ORG_ADMIN, "The OT security team"),
    (
        f"CN=Riverside-Engineers,{GROUPS}",
        "riverside-wtp",
        "contributor",
        "Control engineers of the water plant",
    ),
    (f"CN=Riverside-Operations-Leads,{GROUPS}", "riverside-wtp", "approver", "Shift leads sign off changes"),
    (
        f"CN=CedarRidge-Protection,{GROUPS}",
        "cedar-ridge-sub",
        "contributor",
        "Protection and control engineers",
    ),
    (f"CN=OT-Internal-Audit,{GROUPS}", "cedar-ridge-sub", "auditor", "NERC CIP internal audit"),
    (f"CN=OT-Internal-Audit,{GROUPS}", "riverside-wtp", "auditor", ""),
)


def load_demo_directory(summary: DemoSummary) -> None:
    sites = {s.code: s for s in Site.objects.filter(code__in={m[1] for m in DEMO_MAPPINGS if m[1]})}
    for dn, code, role, note in DEMO_MAPPINGS:
        site = sites.get(code) if code else None
        if code and site is None:
            continue
        if GroupMapping.objects.filter(dn_key=dn_key(dn), site=site).exists():
            continue
        services.save_mapping(GroupMapping(group_dn=dn, site=site, role=role, note=note), reason="demo")
