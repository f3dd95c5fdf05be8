"""Account exports as systems write them, and hostile ones: encodings, columns, duplicates, formulas, LDIF."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from otcsms.access.accountfile import parse_logon, read_accounts
from otcsms.plant.importfiles import ImportRejected

CSV = "username,person,kind,privilege,last_logon,enabled\nann,Ann,human,operator,2026-03-01,yes\nopshared,,shared,admin,,true\n"


def reasons(data: bytes, name: str = "a.csv") -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        read_accounts(data, name)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("encoded", [CSV.encode(), CSV.encode("utf-8-sig"), CSV.encode("utf-16")])
def test_utf8_and_utf16_with_bom_are_read(encoded):
    parsed = read_accounts(encoded, "hmi.csv")
    ann, shared = parsed.records
    assert (ann.username, ann.person, ann.privilege, ann.enabled) == ("ann", "Ann", "operate", True)
    assert ann.last_logon == datetime(2026, 3, 1, tzinfo=UTC)
    assert (shared.kind, shared.privilege, shared.person, shared.last_logon) == (
        "shared",
        "administer",
        None,
        None,
    )


def test_other_encodings_are_refused_with_the_reason():
    assert "Windows-1252" in reasons("username\nJosé\n".encode("cp1252"))[0]
    assert "without a byte order mark" in reasons(CSV.encode("utf-16-le"))[0]


def test_unknown_and_missing_columns():
    assert "column usrname: unknown column" in reasons(b"usrname,kind\nann,human\n")[0]
    assert "did you mean 'username'" in reasons(b"usrname,kind\nann,human\n")[0]
    assert "required column is missing" in reasons(b"kind\nhuman\n")[0]
    assert "says the same as the column" in reasons(b"username,samaccountname\na,a\n")[0]


def test_ad_column_names_are_understood():
    parsed = read_accounts(
        b"sAMAccountName,displayName,lastLogonTimestamp\njdoe,John Doe,133000000000000000\n", "ad.csv"
    )
    assert parsed.records[0].username == "jdoe" and parsed.records[0].person == "John Doe"
    assert parsed.records[0].last_logon is not None and parsed.records[0].last_logon.year == 2022


def test_duplicate_rows_identical_are_dropped_with_a_warning_different_ones_refused():
    parsed = read_accounts(b"username,kind\nann,human\nANN,human\n", "a.csv")
    assert len(parsed.records) == 1 and "repeats row 2" in str(parsed.warnings[0])
    assert "already on row 2 with other values" in reasons(b"username,kind\nann,human\nann,shared\n")[0]


def test_formula_cells_are_kept_as_text_with_a_warning():
    parsed = read_accounts(b"username,person\n\"=cmd|' /C calc'!A0\",Ann\n", "a.csv")
    assert parsed.records[0].username == "=cmd|' /C calc'!A0"
    assert "formula" in str(parsed.warnings[0])


@pytest.mark.parametrize(
    ("row", "reason"),
    [("ann,superuser,", "'superuser' is not one of"), ("ann,,maybe", "is not true or false"),
     (",view,", "every account needs its user name"), ("a\u202eb,,", "")],
)  # fmt: skip
def test_bad_values_are_refused_by_row_and_column(row, reason):
    problems = reasons(f"username,privilege,enabled\n{row}\n".encode())
    assert problems[0].startswith("row 2") and reason in problems[0]


def test_wrong_types_in_json_and_unknown_file_types():
    assert "expected text" in reasons(b'[{"username": ["a"]}]', "a.json")[0]
    assert "unknown file type" in reasons(b"x", "a.exe")[0]
    assert "no accounts" in reasons(b"username\n", "a.csv")[0]


LDIF = (
    b"""version: 1

# an AD export
dn: CN=Ann Operator,OU=OT,DC=plant,DC=local
objectClass: user
sAMAccountName: ann
displayName: Ann
  Operator
userAccountControl: 512
lastLogonTimestamp: 133500000000000000

dn: CN=Old,OU=OT,DC=plant,DC=local
sAMAccountName:: """
    + base64.b64encode("öld".encode())
    + b"""
userAccountControl: 514

dn: CN=Operators,OU=Groups,DC=plant,DC=local
objectClass: group
"""
)


def test_ldif_entries_become_accounts():
    parsed = read_accounts(LDIF, "export.ldif")
    ann, old = parsed.records
    assert (ann.username, ann.person, ann.enabled) == ("ann", "Ann Operator", True)
    assert (old.username, old.enabled) == ("öld", False)
    assert "not an account" in str(parsed.warnings[0])


def test_ldif_change_records_and_urls_are_refused():
    assert "change records" in reasons(b"dn: uid=a,dc=x\nchangetype: delete\n", "a.ldif")[0]
    assert "by URL" in reasons(b"dn: uid=a,dc=x\nuid:< file:///etc/passwd\n", "a.ldif")[0]


def test_logon_formats():
    assert parse_logon("20260301120000Z") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert parse_logon("never") is None and parse_logon("9223372036854775807") is None
    with pytest.raises(ValueError):
        parse_logon("yesterday")
