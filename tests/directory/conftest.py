"""One real slapd for the whole test session (tests/directory/slapd.py), and the settings that point otcsms at
it: StartTLS on ldap://127.0.0.1 with the test CA, a service account for the searches, AD-style filters."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import ldap3
import pytest

from tests.directory import slapd

PASSWORDS = {
    "jdoe": "Jane-directory-pw1", "mover": "Mover-pw-2", "lead": "Lead-pw-3", "boss": "Boss-pw-4",
    "disabled": "Disabled-pw-5", "twin": "Twin-pw-6", "leaver": "Leaver-pw-7", "k.lee(contractor)": "Klee-pw-8",
}  # fmt: skip
ENGINEERS = f"cn=Plant-A-Engineers,{slapd.GROUPS}"
LEADS = f"cn=Plant-A-Leads,{slapd.GROUPS}"
ADMINS = f"cn=OT-Admins,{slapd.GROUPS}"
UNMAPPED = f"cn=Canteen-Committee,{slapd.GROUPS}"


def user_dn(rdn: str) -> str:
    return f"cn={rdn},{slapd.USERS}"


def _person(rdn: str, sam: str, given: str, sn: str, control: int = 512) -> str:
    return f"""dn: {user_dn(rdn)}
objectClass: inetOrgPerson
objectClass: adUser
cn: {rdn}
sn: {sn}
givenName: {given}
mail: {rdn.lower().replace(" ", ".")}@plant.example
sAMAccountName: {sam}
userAccountControl: {control}
userPassword: {PASSWORDS[sam]}
"""


def _group(dn: str, *members: str) -> str:
    cn = dn.split(",", 1)[0].split("=", 1)[1]
    lines = "".join(f"member: {user_dn(m)}\n" for m in members)
    return f"dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}"


LDIF = "\n".join([
    f"dn: {slapd.BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: plant\no: Plant\n",
    *(f"dn: ou={ou},{slapd.BASE}\nobjectClass: organizationalUnit\nou: {ou}\n" for ou in ("people", "groups", "service")),
    f"dn: {slapd.SERVICE_DN}\nobjectClass: person\ncn: otcsms-reader\nsn: reader\nuserPassword: {slapd.SERVICE_PASSWORD}\n",
    _person("Jane Doe", "jdoe", "Jane", "Doe"),
    _person("Max Mover", "mover", "Max", "Mover"),
    _person("Lea Lead", "lead", "Lea", "Lead"),
    _person("Bo Boss", "boss", "Bo", "Boss"),
    _person("Dee Disabled", "disabled", "Dee", "Disabled", control=514),  # AD: NORMAL_ACCOUNT | ACCOUNTDISABLE
    _person("Tim Twin", "twin", "Tim", "Twin"),
    _person("Tom Twin", "twin", "Tom", "Twin"),  # two entries answer to one name: nobody signs in as it
    _person("Lee Leaver", "leaver", "Lee", "Leaver"),
    _person("Kim Lee", "k.lee(contractor)", "Kim", "Lee"),
    _group(ENGINEERS, "Jane Doe", "Max Mover", "Lea Lead", "Kim Lee", "Lee Leaver"),
    _group(LEADS, "Lea Lead"),
    _group(ADMINS, "Bo Boss"),
    _group(UNMAPPED, "Jane Doe"),
])  # fmt: skip


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory) -> Iterator[slapd.Slapd]:
    if slapd.slapd_binary() is None:
        pytest.skip(
            "SLAPD IS NOT INSTALLED: the directory sign-in tests need Debian's slapd (`make test` installs it)"
        )
    server = slapd.start(tmp_path_factory.mktemp("slapd"), LDIF)
    yield server
    server.stop()


@pytest.fixture
def directory(settings, slapd_server):
    """otcsms pointed at the test directory (StartTLS, the test CA); returns the server."""
    settings.LDAP_URL = slapd_server.ldap_url
    settings.LDAP_START_TLS = True
    settings.LDAP_INSECURE = False
    settings.LDAP_CA_FILE = str(slapd_server.ca_file)
    settings.LDAP_BIND_DN = slapd.SERVICE_DN
    settings.LDAP_BIND_PASSWORD = slapd.SERVICE_PASSWORD
    settings.LDAP_USER_BASE = slapd.USERS
    settings.LDAP_USER_FILTER = "(sAMAccountName={username})"
    settings.LDAP_GROUP_BASE = slapd.GROUPS
    settings.LDAP_GROUP_FILTER = "(member={user_dn})"
    settings.LDAP_TIMEOUT = 10
    return slapd_server


@contextmanager
def directory_admin(server: slapd.Slapd) -> Iterator[ldap3.Connection]:
    """A connection as the directory's administrator (the tests change groups and accounts between sign-ins)."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(server.ca_file))
    conn = ldap3.Connection(ldap3.Server("127.0.0.1", port=server.ldaps_port, use_ssl=True, tls=tls),
                            slapd.ADMIN_DN, slapd.ADMIN_PASSWORD, auto_bind=True)  # fmt: skip
    try:
        yield conn
    finally:
        conn.unbind()
