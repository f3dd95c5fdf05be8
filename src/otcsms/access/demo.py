"""The access part of the demo operator: the water plant's HMI, historian and control-room door, the accounts
an export of the HMI lists (two the grants do not explain, a shared one without an owner, one of a person who
has left) and a quarterly review under way. Tom Baker's engineering access to the filtration PLC was granted
before his training lapsed (the people demo): the check of access without current training finds it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from otcsms.access.models import AccessGrant, AccessSystem, Account
from otcsms.access.services import decide, start_review
from otcsms.access.tasks import remind_reviewers
from otcsms.core.models import User
from otcsms.core.registry import DemoSummary
from otcsms.org.models import Person
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site

SITE = "riverside-wtp"
SYSTEMS = [
    # name, kind, asset, description
    ("HMI-01 InTouch", "hmi-scada", "HMI-01", "Operator HMI of the control room (AVEVA InTouch, local accounts)."),
    ("HIST-01 PI Server", "historian", "HIST-01", "Plant historian; engineers configure tags, business reads the replica."),
    ("Control room door", "physical", None, "Badge reader of the control room."),
    ("PLC-FLT-01 Studio 5000", "controller", "PLC-FLT-01",
     "Engineering access to the filtration PLC (Studio 5000 from the engineering workstation)."),
]  # fmt: skip
NEW_PEOPLE = [
    ("Kevin Doyle", "Shift Operator (left in 2025)", "kevin.doyle@northwind.example", False),
    ("Rosa Alvarez", "Shift Operator", "rosa.alvarez@northwind.example", True),
]
GRANTS = [
    # person, system, privilege, type, requested by, approved by, justification, expires (days from today)
    ("Tom Baker", "HMI-01 InTouch", "engineer", "electronic", "Maria Lopez", "Elena Marsh", "SCADA engineer: screens and alarms", None),
    ("Aisha Okafor", "HMI-01 InTouch", "operate", "electronic", "Tom Baker", "Maria Lopez", "Relief operator on night shift", 180),
    ("Rosa Alvarez", "HMI-01 InTouch", "operate", "electronic", "Tom Baker", "Maria Lopez", "Shift operator", None),
    ("Kevin Doyle", "HMI-01 InTouch", "operate", "electronic", "Tom Baker", "Maria Lopez", "Shift operator", -200),
    ("Tom Baker", "HIST-01 PI Server", "engineer", "electronic", "Maria Lopez", "Elena Marsh", "Tag configuration", None),
    ("Tom Baker", "PLC-FLT-01 Studio 5000", "engineer", "electronic", "Maria Lopez", "Elena Marsh", "Filtration PLC logic changes", None),
    ("Rosa Alvarez", "Control room door", "operate", "physical", "Tom Baker", "Maria Lopez", "Shift work in the control room", None),
    ("Aisha Okafor", "Control room door", "operate", "physical", "Tom Baker", "Maria Lopez", "Instrument calibration", 30),
]  # fmt: skip
ACCOUNTS = [
    # system, username, kind, person, auth, privilege, last logon (days ago)
    ("HMI-01 InTouch", "tbaker", "human", "Tom Baker", "directory", "engineer", 2),
    ("HMI-01 InTouch", "aokafor", "human", "Aisha Okafor", "directory", "operate", 5),
    ("HMI-01 InTouch", "ralvarez", "human", "Rosa Alvarez", "directory", "administer", 1),
    ("HMI-01 InTouch", "kdoyle", "human", "Kevin Doyle", "local-password", "operate", 240),
    ("HMI-01 InTouch", "operator", "shared", None, "local-password", "operate", 0),
    ("HMI-01 InTouch", "intouch_svc", "service", "Tom Baker", "local-password", "administer", 0),
    ("HMI-01 InTouch", "jsmith", "human", None, "local-password", "engineer", 400),
    ("HMI-01 InTouch", "vendor_remote", "vendor-remote", None, "local-password", "administer", 120),
    ("HIST-01 PI Server", "tbaker", "human", "Tom Baker", "directory", "administer", 3),
    ("HIST-01 PI Server", "piadmin", "shared", None, "local-password", "administer", 60),
]  # fmt: skip


def load_demo_access(summary: DemoSummary) -> None:
    site = Site.objects.filter(code=SITE).first()
    if site is None or AccessSystem.objects.filter(site=site).exists():
        return
    people = {p.name: p for p in Person.objects.filter(Q(site=site) | Q(site__isnull=True))}
    for name, title, email, active in NEW_PEOPLE:
        people[name] = Person.objects.create(organisation=site.organisation, site=site, name=name, job_title=title,
                                             email=email, active=active)  # fmt: skip
    # The system owner reviews the grants on his systems: his person record gets his login (when both exist).
    owner, login = people.get("Tom Baker"), User.objects.filter(username="tom.baker").first()
    if owner is not None and owner.user_id is None and login is not None:
        owner.user = login
        owner.save()
    systems = {}
    for name, kind, asset_name, description in SYSTEMS:
        asset = Asset.objects.filter(site=site, name=asset_name).first() if asset_name else None
        systems[name] = AccessSystem.objects.create(
            site=site, name=name, kind=kind, asset=asset, zone=asset.zone if asset else None,
            owner=people.get("Tom Baker"), description=description,
        )  # fmt: skip
    today = timezone.localdate()
    for person, system, privilege, kind, requester, approver, why, expires in GRANTS:
        AccessGrant.objects.create(
            site=site, person=people[person], system=systems[system], privilege=privilege, access_type=kind,
            justification=why, requested_by=people[requester], approved_by=people[approver],
            starts_on=today - timedelta(days=400),
            expires_on=today + timedelta(days=expires) if expires is not None else None,
        )  # fmt: skip
    now = timezone.now()
    Account.objects.bulk_create(
        Account(
            site=site,
            system=systems[system],
            username=username,
            kind=kind,
            person=people[person] if person else None,
            auth=auth,
            privilege=privilege,
            last_logon=now - timedelta(days=days),
        )
        for system, username, kind, person, auth, privilege, days in ACCOUNTS
    )
    lead = User.objects.filter(username="maria.lopez").first()
    if lead is not None:
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        next_quarter = date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
        review = start_review(lead, site, title=f"Quarterly access review {quarter:%Y}-Q{(quarter.month + 2) // 3}",
                              period_start=quarter, period_end=next_quarter - timedelta(days=1))  # fmt: skip
        for item in review.items.select_related("grant__person")[:2]:
            decide(lead, item, decision="confirmed", comment="still needed for shift work")
        remind_reviewers(today)  # the reviewers see today's reminder on the Access page
