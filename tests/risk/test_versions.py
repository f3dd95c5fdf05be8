"""Firmware versions against advisory ranges: vers:, CISA's short forms and per-branch fix lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcsms.risk.versions import Match, RangeError, compare, in_range, numeric, same_version

A, N, U = Match.AFFECTED, Match.NOT_AFFECTED, Match.UNKNOWN


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.3", "vers:generic/>=2.0|<2.4.1", A),
        ("2.0", "vers:generic/>=2.0|<2.4.1", A),
        ("2.4.1", "vers:generic/>=2.0|<2.4.1", N),
        ("1.9.9", "vers:generic/>=2.0|<2.4.1", N),
        ("7", "vers:generic/<2|>=4|<6|>=9", N),
        ("5", "vers:generic/<2|>=4|<6|>=9", A),
        ("10", "vers:generic/<2|>=4|<6|>=9", A),
        ("3.1", "vers:intdot/=3.1|=3.3", A),
        ("3.2", "vers:intdot/=3.1|=3.3", N),
        ("4", "vers:generic/!=4|>=2", N),
        ("anything", "vers:all/*", A),
        ("2019", "<= 2020", A),
        ("2021", "<= 2020", N),
        ("V3.1", "<V3.2", A),
        ("3.2", "<V3.2", N),
        ("v34.011", ">=v34.011", A),
        ("33.2", ">=v34.011", N),
        # CISA's per-branch fix lists: each the fix of its major branch
        ("33.011", "<V33.017_V34.014_V35.013_V36.011", A),
        ("33.017", "<V33.017_V34.014_V35.013_V36.011", N),
        ("35.011", "<V33.017_V34.014_V35.013_V36.011", A),
        ("32.2", "<V33.017_V34.014_V35.013_V36.011", A),  # an older branch got no fix
        ("37.011", "<V33.017_V34.014_V35.013_V36.011", N),
        ("35.5", "<v34.014_v36.011", U),  # a branch between the listed ones: not said
        ("R150", "<3", U),  # not numeric: cannot be ordered
        ("3.0", "5.1 SP2 and prior", U),  # free text
        ("3.0", "vers:generic/>=R1|<R9", U),
    ],
)
def test_ranges(version, spec, expected):
    assert in_range(version, spec) is expected


@pytest.mark.parametrize(
    "spec", ["vers:generic/", "vers:/<2", "vers:generic/>=|<2", "vers:generic/*|<2", "vers:generic/<<2"]
)
def test_malformed_vers_is_an_error(spec):
    with pytest.raises(RangeError):
        in_range("1", spec)


def test_oversized_ranges_are_refused():
    with pytest.raises(RangeError):
        in_range("1", "vers:generic/" + "|".join(f"<{i}" for i in range(200)))


def test_exact_versions_compare_numerically_and_textually():
    assert same_version("V3.0", "3") is A and same_version("33.011", "33.11") is A
    assert same_version("33.011", "33.012") is N
    assert same_version("R150", "r150") is A and same_version("R150", "R151") is U
    assert numeric("v.32.011") == (32, 11) and numeric("5.1 SP2") is None
    assert compare("2.10", "2.9") == 1


versions = st.lists(st.integers(0, 40), min_size=1, max_size=3).map(lambda parts: ".".join(map(str, parts)))


@given(bounds=st.lists(versions, min_size=2, max_size=6, unique_by=numeric), probe=versions)
def test_vers_intervals_agree_with_a_direct_reading(bounds, probe):
    """Sorted bounds read pairwise as [low, high) intervals: in_range says the same as checking each."""
    ordered = sorted(bounds, key=numeric)
    if len(ordered) % 2:
        ordered = ordered[:-1]
    pairs = list(zip(ordered[::2], ordered[1::2], strict=True))
    spec = "vers:generic/" + "|".join(f">={low}|<{high}" for low, high in pairs)
    key = numeric(probe)
    inside = any(numeric(low) <= key < numeric(high) for low, high in pairs)
    assert in_range(probe, spec) is (A if inside else N)


@given(fixes=st.lists(st.integers(1, 50), min_size=1, max_size=5, unique=True), major=st.integers(0, 60),
       minor=st.integers(0, 30), fix_minor=st.integers(1, 30))  # fmt: skip
def test_branch_lists_never_claim_more_than_they_say(fixes, major, minor, fix_minor):
    fixes = sorted(fixes)
    spec = "<" + "_".join(f"V{f}.{fix_minor:03}" for f in fixes)
    got = in_range(f"{major}.{minor:03}", spec)
    if major in fixes:
        assert got is (A if minor < fix_minor else N)
    elif major < fixes[0]:
        assert got is A
    elif major > fixes[-1]:
        assert got is N
    else:
        assert got is U
