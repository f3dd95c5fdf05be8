"""The signin app's part of the demo operator.

The MFA policy is shown but left at "nobody": the demo users sign in with their password only, as `make demo`
users and the browser tests expect. One more demo user, ``sam.secure`` (auditor at the substation), has an
authenticator app enrolled with the fixed secret below, printed by ``otcsms demo``: add it to any authenticator
app (or compute a code with ``oathtool --totp -b SECRET``) to try the MFA sign-in. An org admin who sets the
policy to "admins" on the MFA policy page sees every admin asked to enrol at their next sign-in.
"""

from __future__ import annotations

from base64 import b32decode

from otcsms.core.models import User
from otcsms.core.registry import DemoSummary
from otcsms.core.users import create_user, grant_site_role
from otcsms.signin import services
from otcsms.signin.models import MfaPolicy, TotpDevice
from otcsms.tenancy.models import Site

DEMO_MFA_USER = "sam.secure"
# Demo only: published in docs/signin.md and printed by `otcsms demo`. Never a real account's secret.
DEMO_TOTP_SECRET = "OTCSMSDEMOMFAKEY2345OTCSMSDEMOMF"


def load_demo_signin(summary: DemoSummary) -> None:
    if not MfaPolicy.objects.exists():
        services.set_policy(
            "nobody", reason="demo: MFA optional, so every demo user can sign in with a password"
        )
    user = User.objects.filter(username=DEMO_MFA_USER).first()
    if user is None:
        user = create_user(DEMO_MFA_USER, summary.password, email=f"{DEMO_MFA_USER}@northwind.example")
        site = Site.objects.filter(code="cedar-ridge-sub").first()
        if site is not None:
            grant_site_role(user, site, "auditor")
    if not TotpDevice.objects.filter(user=user).exists():
        device = TotpDevice(user=user, name="Demo authenticator app", confirmed=True)
        device.set_key(b32decode(DEMO_TOTP_SECRET))
        device._audit_reason = "MFA enrolment (demo)"
        device.save()
        services.new_recovery_codes(user)
    summary.users.append(
        (DEMO_MFA_USER, f"auditor at the substation, with MFA: TOTP secret {DEMO_TOTP_SECRET} (demo only)")
    )
