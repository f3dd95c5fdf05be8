"""The OTCSMS_LDAP_* settings: a directory configuration that would send passwords in clear, or that cannot
work, stops the start-up."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

import otcsms.settings as settings_module

GOOD = {"OTCSMS_LDAP_URL": "ldap://dc1.corp.example", "OTCSMS_LDAP_USER_BASE": "OU=Staff,DC=corp,DC=example"}


@pytest.fixture
def reload_with(monkeypatch):
    def load(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(settings_module)

    yield load
    monkeypatch.undo()
    importlib.reload(settings_module)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**GOOD, "OTCSMS_LDAP_START_TLS": "false"}, "in clear"),
        ({**GOOD, "OTCSMS_LDAP_URL": "http://dc1.corp.example"}, "ldap:// or ldaps://"),
        ({"OTCSMS_LDAP_URL": "ldaps://dc1"}, "OTCSMS_LDAP_USER_BASE"),
        ({**GOOD, "OTCSMS_LDAP_USER_FILTER": "(uid=jdoe)"}, "{username}"),
        ({**GOOD, "OTCSMS_LDAP_CA_FILE": "/nonexistent/ca.pem"}, "OTCSMS_LDAP_CA_FILE"),
    ],
)
def test_unsafe_or_broken_directory_settings_stop_the_start(reload_with, env, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("{", r"\{").replace("}", r"\}")):
        reload_with(**env)


def test_a_directory_configuration_with_tls_and_a_password_file(reload_with, tmp_path):
    secret = tmp_path / "bind-password"
    secret.write_text("s3rvice-pw\n")
    loaded = reload_with(**GOOD, OTCSMS_LDAP_BIND_PASSWORD_FILE=str(secret))
    assert (loaded.LDAP_START_TLS, loaded.LDAP_INSECURE, loaded.LDAP_BIND_PASSWORD) == (
        True,
        False,
        "s3rvice-pw",
    )
    plain = reload_with(OTCSMS_LDAP_START_TLS="false", OTCSMS_LDAP_INSECURE="true")
    assert (plain.LDAP_START_TLS, plain.LDAP_INSECURE) == (False, True)
