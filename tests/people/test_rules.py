"""The readiness rules and the LMS file reader, in plain Python (no database)."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from otcsms.people import rules
from otcsms.people.completionfile import CompletionFileRejected, read_completions
from otcsms.people.rules import CourseRecord, Requirement, ScreeningRecord

TODAY = date(2026, 12, 2)


def test_months_are_calendar_months_clamped_to_the_month_end():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2025, 9, 15), 15) == date(2026, 12, 15)
    assert rules.screening_next_due(date(2020, 2, 29)) == date(2027, 2, 28)


def test_a_nerc_cip_site_caps_validity_at_15_months_and_elsewhere_the_course_decides():
    done = date(2025, 1, 10)
    assert rules.completion_expiry(done, cip_site=True, course_validity_months=None) == date(2026, 4, 10)
    assert rules.completion_expiry(done, cip_site=True, course_validity_months=24) == date(2026, 4, 10)
    assert rules.completion_expiry(done, cip_site=True, course_validity_months=12) == date(2026, 1, 10)
    assert rules.completion_expiry(done, cip_site=False, course_validity_months=24) == date(2027, 1, 10)
    assert rules.completion_expiry(done, cip_site=False, course_validity_months=None) is None
    assert rules.is_cip_site("medium") and rules.is_cip_site("low")
    assert not rules.is_cip_site("") and not rules.is_cip_site("none")


def assess(
    privilege=None, *, impact="", roles=(), requirements=(), completions=(), screenings=(), validity=None
):
    return rules.assess(privilege=privilege, nerc_impact=impact, roles=roles, requirements=list(requirements),
                        completions=list(completions), screenings=list(screenings), today=TODAY,
                        validity=validity)  # fmt: skip


ENG = CourseRecord(2, "Secure engineering", "role-based", date(2026, 3, 1), date(2028, 3, 1))
AWARE_OLD = CourseRecord(1, "Awareness", "awareness", date(2024, 3, 1), date(2025, 3, 1))
PRA = ScreeningRecord("pra", date(2022, 1, 1), date(2029, 1, 1), True)


def test_engineering_access_needs_role_based_training_and_a_current_screening():
    r = assess("engineer")
    assert not r.ready
    assert [(n.what, n.status) for n in r.needs] == [("training", "missing"), ("screening", "missing")]
    assert assess("engineer", completions=[ENG], screenings=[PRA]).ready
    protocol = CourseRecord(3, "Modbus and DNP3 for operators", "protocol", date(2026, 5, 1), None)
    assert assess("administer", completions=[protocol], screenings=[PRA]).ready  # a protocol course counts
    expired_pra = ScreeningRecord("pra", date(2018, 1, 1), date(2025, 1, 1), True)
    r = assess("engineer", completions=[ENG], screenings=[expired_pra])
    assert [n.message for n in r.needs] == ["personnel risk assessment due since 2025-01-01"]
    failed = ScreeningRecord("pra", date(2026, 1, 1), date(2033, 1, 1), False)
    assert not assess("engineer", completions=[ENG], screenings=[failed]).ready


def test_view_and_operate_need_nothing_by_default_but_everything_at_a_cip_site():
    assert assess("view").ready and assess("operate").ready and assess(None, impact="high").ready
    r = assess("operate", impact="medium")
    assert {n.what for n in r.needs} == {"training", "screening"}
    awareness = CourseRecord(1, "Awareness", "awareness", date(2026, 1, 5), None)
    assert assess("operate", impact="medium", completions=[awareness], screenings=[PRA]).ready
    # 15 months at a CIP site, whatever was recorded at the home site (no expiry there)
    old = CourseRecord(1, "Awareness", "awareness", date(2025, 6, 1), None)
    r = assess("operate", impact="medium", completions=[old], screenings=[PRA])
    assert [n.message for n in r.needs] == [
        "security training expired on 2026-09-01 (needed for operate access)"
    ]


def test_requirements_apply_by_role_and_privilege_and_the_latest_completion_counts():
    reqs = [Requirement(1, "Awareness", "awareness", None, ""), Requirement(2, "Secure engineering", "role-based", 7, ""),
            Requirement(4, "Admin course", "role-based", None, "administer")]  # fmt: skip
    r = assess(None, roles=[], requirements=reqs, completions=[AWARE_OLD])
    assert [(n.subject, n.status) for n in r.items] == [("Awareness", "expired")]
    assert r.reason() == "Awareness: expired on 2025-03-01"
    renewed = CourseRecord(1, "Awareness", "awareness", date(2026, 2, 1), date(2027, 2, 1))
    r = assess(None, roles=[7], requirements=reqs, completions=[AWARE_OLD, renewed])
    assert [(n.subject, n.status) for n in r.items] == [
        ("Awareness", "ok"),
        ("Secure engineering", "missing"),
    ]
    r = assess("administer", roles=[7], requirements=reqs, completions=[renewed, ENG], screenings=[PRA])
    assert [n.subject for n in r.needs] == ["Admin course"]


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


GOOD = "Email,Course Code,Completion Date,Score,Certificate\nann@x.test,OT-AWR-101,2026-03-04,95%,CERT-1\n"


@pytest.mark.parametrize("data", [
    csv_bytes(GOOD), codecs.BOM_UTF8 + csv_bytes(GOOD), csv_bytes(GOOD, "utf-16"),
    csv_bytes("\ufeff" + GOOD, "utf-16-be"), csv_bytes(GOOD.replace(",", ";")),
])  # fmt: skip
def test_lms_exports_in_utf8_or_utf16_with_a_bom_are_read(data):
    (row,) = read_completions(data)
    assert (row.email, row.course, row.completed_on, row.score, row.evidence) == (
        "ann@x.test",
        "OT-AWR-101",
        date(2026, 3, 4),
        95,
        "CERT-1",
    )


def problems(data: bytes) -> list[str]:
    with pytest.raises(CompletionFileRejected) as caught:
        read_completions(data)
    return [str(p) for p in caught.value.problems]


def test_bad_files_are_refused_with_every_reason():
    assert problems("Email,Course\nann,é".encode("latin-1"))[0].startswith("file: not UTF-8")
    assert problems(b"") == ["file: empty file: the header row is missing"]
    assert problems(b"email,course,completed_on,salary\n") == [
        "row 1, column salary: unknown column (expected email or name, course, completed_on, and optionally "
        "expires_on, score, evidence)"
    ]
    assert problems(b"email,course\n") == ["row 1: missing column(s): completed_on"]
    found = problems(
        b"email,course,completed_on,expires_on,score\n"
        b"ann@x.test,AWR,2026-13-01,,\n"
        b",AWR,2026-01-01,,\n"
        b"ann@x.test,AWR,2026-01-01,2025-01-01,\n"
        b"bob@x.test,AWR,2026-01-01,,101\n"
        b"cat@x.test,AWR,2026-01-01,,\n"
        b"CAT@x.test,awr,2026-01-01,,\n"
        b"dan@x.test,=cmd|' /C calc'!A0,2026-01-01,,\n"
        b"eve@x.test,AWR\x01,2026-01-01,,\n"
    )
    assert found == [
        "row 2, column completed_on: '2026-13-01' is not a date (YYYY-MM-DD)",
        "row 3, column email: empty: the file names nobody on this row",
        "row 4, column expires_on: expires before it was completed",
        "row 5, column score: '101' is not a score from 0 to 100",
        "row 7: repeats row 6",
        "row 9, column course: contains the control character U+0001",
    ]
    assert problems(b"email,course,completed_on\n") == ["file: no completions in the file"]
    assert problems(b"email,course,completed_on\na,b,2026-01-01,extra\n") == ["row 2: 4 cells for 3 columns"]
