"""Directory sign-in against a real slapd (tests/directory/conftest.py): the login form, the local account
made at the first sign-in, roles from group mappings re-synchronised at every sign-in, refusals, TLS."""

from __future__ import annotations

import json

import ldap3
import pytest
from django.test import Client

from otcsms.core.models import AuditEvent, User
from otcsms.directory import services
from otcsms.directory.models import ORG_ADMIN, DirectoryAccount, GroupMapping
from otcsms.signin.models import MfaPolicy, Requirement, SigninSession
from otcsms.tenancy.models import SiteMembership
from tests.directory.conftest import ADMINS, ENGINEERS, LEADS, PASSWORDS, directory_admin, user_dn

pytestmark = pytest.mark.django_db


def sign_in(username: str, password: str) -> tuple[Client, int]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response.status_code


def roles_of(username: str) -> dict[str, str]:
    return dict(SiteMembership.objects.filter(user__username=username).values_list("site__code", "role"))


def events(object_type: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, **filters).order_by("seq"))


def data(event: AuditEvent) -> dict:
    return json.loads(event.data)


def reason(event: AuditEvent) -> str:
    return data(event)["reason"]


@pytest.fixture
def mappings(site_a, site_b):
    return {
        "engineers": services.save_mapping(GroupMapping(group_dn=ENGINEERS, site=site_a, role="contributor")),
        # typed the way AD shows it: another case, spaces after the commas
        "leads": services.save_mapping(
            GroupMapping(group_dn=LEADS.upper().replace(",", ", "), site=site_a, role="approver")
        ),
        "leads_b": services.save_mapping(GroupMapping(group_dn=LEADS, site=site_b, role="viewer")),
        "admins": services.save_mapping(GroupMapping(group_dn=ADMINS, role=ORG_ADMIN)),
    }


def test_an_ad_user_signs_in_and_lands_with_exactly_the_mapped_role(directory, mappings, site_a):
    client, status = sign_in("jdoe", PASSWORDS["jdoe"])
    assert status == 302
    user = User.objects.get(username="jdoe")
    assert (user.first_name, user.last_name, user.email) == ("Jane", "Doe", "jane.doe@plant.example")
    assert not user.has_usable_password() and not user.is_org_admin
    assert roles_of("jdoe") == {"plant-a": "contributor"}  # the unmapped group gives nothing
    assert client.get("/").status_code == 200  # signed in
    account = DirectoryAccount.objects.get(user=user)
    assert account.dn == user_dn("Jane Doe") and len(account.groups) == 2
    assert SigninSession.objects.get(user=user).method == "directory"
    # the trail: the account and the role, by the directory sync, and the login itself
    created = events("core.user", object_id=str(user.pk))[0]
    assert created.action == "create" and created.actor_label == "system:directory sync (jdoe)"
    granted = events("tenancy.sitemembership")[-1]
    assert granted.action == "create" and data(granted)["reason"] == "directory group sync"
    sync = data(events("directory.sync", object_id=str(user.pk))[-1])["after"]
    assert sync["granted"] == [{"site": "Plant A", "before": None, "after": "contributor"}]
    assert reason(events("signin.login", object_id=str(user.pk))[-1]) == "login"

    # a second sign-in changes nothing: no new account, membership or user event
    before = AuditEvent.objects.exclude(object_type__in=("signin.login", "directory.sync")).count()
    assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 302
    assert AuditEvent.objects.exclude(object_type__in=("signin.login", "directory.sync")).count() == before
    assert User.objects.filter(username="jdoe").count() == 1


def test_the_strongest_role_per_site_wins_and_org_admin_comes_from_its_group(directory, mappings):
    assert sign_in("lead", PASSWORDS["lead"])[1] == 302
    assert roles_of("lead") == {"plant-a": "approver", "sub-b": "viewer"}
    assert sign_in("boss", PASSWORDS["boss"])[1] == 302
    boss = User.objects.get(username="boss")
    assert boss.is_org_admin and roles_of("boss") == {}
    services.delete_mapping(mappings["admins"], "no more admins from the directory")
    assert sign_in("boss", PASSWORDS["boss"])[1] == 302
    boss.refresh_from_db()
    assert not boss.is_org_admin
    change = events("core.user", object_id=str(boss.pk))[-1]
    assert (data(change)["before"]["is_org_admin"], data(change)["after"]["is_org_admin"]) == (True, False)
    assert data(change)["reason"] == "directory group sync"


def test_removed_from_the_group_the_role_is_gone_at_the_next_sign_in(directory, mappings, site_a):
    assert sign_in("mover", PASSWORDS["mover"])[1] == 302
    assert roles_of("mover") == {"plant-a": "contributor"}
    with directory_admin(directory) as admin:
        assert admin.modify(ENGINEERS, {"member": [(ldap3.MODIFY_DELETE, [user_dn("Max Mover")])]})
    try:
        # still a directory user: signs in, with no role
        assert sign_in("mover", PASSWORDS["mover"])[1] == 302
        assert roles_of("mover") == {}
        removed = events("tenancy.sitemembership")[-1]
        assert removed.action == "delete" and data(removed)["reason"] == "directory group sync"
        assert removed.actor_label == "system:directory sync (mover)"
        sync = data(events("directory.sync")[-1])["after"]
        assert sync["removed"] == [{"site": "Plant A", "before": "contributor", "after": None}]
    finally:
        with directory_admin(directory) as admin:
            admin.modify(ENGINEERS, {"member": [(ldap3.MODIFY_ADD, [user_dn("Max Mover")])]})


def test_a_role_given_by_hand_to_a_directory_user_lasts_until_their_next_sign_in(directory, mappings, site_b):
    sign_in("jdoe", PASSWORDS["jdoe"])
    SiteMembership.objects.create(user=User.objects.get(username="jdoe"), site=site_b, role="site-admin")
    sign_in("jdoe", PASSWORDS["jdoe"])
    assert roles_of("jdoe") == {"plant-a": "contributor"}


@pytest.mark.parametrize(
    ("username", "password", "refusal"),
    [
        ("jdoe", "not-her-password", "directory: wrong password"),
        ("nobody.here", "whatever-pw", "directory: not in the directory"),
        ("jdoe", "", None),  # an empty password is an anonymous bind, which slapd accepts: never tried
        ("disabled", PASSWORDS["disabled"], "directory: disabled in the directory"),
        ("twin", PASSWORDS["twin"], "directory: more than one directory entry has this name"),
        # LDAP injection: escaped, these search for the characters typed and find nobody
        ("*)(sAMAccountName=*", PASSWORDS["jdoe"], "directory: not in the directory"),
        ("j*", PASSWORDS["jdoe"], "directory: not in the directory"),
        ("*", PASSWORDS["jdoe"], "directory: not in the directory"),
        ("jdoe)(|(sAMAccountName=*", PASSWORDS["jdoe"], "directory: not in the directory"),
        ("jdoe\\2a", PASSWORDS["jdoe"], "directory: not in the directory"),
        ("jd\x00oe", PASSWORDS["jdoe"], None),  # a NUL: refused before any search (the middleware's 400)
    ],
)
def test_refused_sign_ins_create_nothing_and_are_in_the_trail(
    directory, mappings, username, password, refusal
):
    users, memberships = User.objects.count(), SiteMembership.objects.count()
    client, status = sign_in(username, password)
    assert status in (200, 400)  # the form again, or a refused request
    assert "_auth_user_id" not in client.session
    assert (User.objects.count(), SiteMembership.objects.count()) == (users, memberships)
    assert not DirectoryAccount.objects.exists()
    if refusal is not None:
        assert reason(events("directory.sync")[-1]) == refusal
        assert reason(events("signin.login")[-1]) == "login failed"


def test_a_user_with_special_characters_in_the_name_is_found_exactly(directory, mappings):
    assert sign_in("k.lee(contractor)", PASSWORDS["k.lee(contractor)"])[1] == 302
    assert roles_of("k.lee(contractor)") == {"plant-a": "contributor"}


def test_a_user_disabled_in_the_directory_is_refused_and_deactivated_here(directory, mappings, api):
    assert sign_in("leaver", PASSWORDS["leaver"])[1] == 302
    leaver = User.objects.get(username="leaver")
    token_api = api(leaver)
    assert token_api.get("/directory-mappings").status_code == 200
    with directory_admin(directory) as admin:
        assert admin.modify(user_dn("Lee Leaver"), {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["514"])]})
    try:
        assert sign_in("leaver", PASSWORDS["leaver"])[1] == 200
        leaver.refresh_from_db()
        assert not leaver.is_active
        assert token_api.get("/directory-mappings").status_code == 401  # their API token stops too
        assert (
            data(events("core.user", object_id=str(leaver.pk))[-1])["reason"] == "disabled in the directory"
        )
    finally:
        with directory_admin(directory) as admin:
            admin.modify(user_dn("Lee Leaver"), {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])]})
    # enabled again in the directory, still deactivated here until an org admin decides
    assert sign_in("leaver", PASSWORDS["leaver"])[1] == 200
    assert reason(events("directory.sync")[-1]) == "directory: account deactivated in otcsms"


def test_the_directory_cannot_take_over_a_local_account(directory, mappings):
    local = User.objects.create(username="JDoe", email="local@example.test")
    local.set_password("local-jdoe-password")
    local.save()
    assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 200
    assert reason(events("directory.sync")[-1]) == "directory: a local account has this name"
    assert roles_of("jdoe") == {} and not DirectoryAccount.objects.exists()
    assert sign_in("JDoe", "local-jdoe-password")[1] == 302  # the local password still works


def test_directory_sign_in_goes_through_the_mfa_step(directory, mappings):
    MfaPolicy.objects.create(required_for=Requirement.EVERYONE)
    client, status = sign_in("jdoe", PASSWORDS["jdoe"])
    assert status == 302
    assert client.get("/").url.startswith("/accounts/login/enrol/")  # nothing else until a factor is added


def test_ldaps_with_the_ca_file(directory, mappings, settings):
    settings.LDAP_URL = directory.ldaps_url
    assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 302


def test_a_server_certificate_from_another_ca_is_refused(directory, mappings, settings):
    settings.LDAP_CA_FILE = str(directory.folder / "other-ca.pem")
    for url in (directory.ldap_url, directory.ldaps_url):  # StartTLS and LDAPS
        settings.LDAP_URL = url
        assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 200
        assert reason(events("directory.sync")[-1]) == "directory: directory unreachable"
    assert not User.objects.filter(username="jdoe").exists()


def test_a_certificate_for_another_name_is_refused(directory, mappings, settings, caplog):
    # the certificate names 127.0.0.1 only: reached as localhost (the same server), it is not the one it names
    for url in (directory.ldap_url, directory.ldaps_url):
        settings.LDAP_URL = url.replace("127.0.0.1", "localhost")
        assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 200
        assert "doesn't match any name" in caplog.text
        caplog.clear()
    assert not User.objects.filter(username="jdoe").exists()


def test_plain_ldap_only_when_insecure_is_set(directory, mappings, settings):
    settings.LDAP_START_TLS = False
    assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 200
    assert reason(events("directory.sync")[-1]) == "directory: directory unreachable"
    settings.LDAP_INSECURE = True
    assert sign_in("jdoe", PASSWORDS["jdoe"])[1] == 302


def test_with_no_directory_configured_nothing_is_asked(settings, db):
    settings.LDAP_URL = ""
    assert sign_in("jdoe", "whatever-pw")[1] == 200
    assert not AuditEvent.objects.filter(object_type="directory.sync").exists()
