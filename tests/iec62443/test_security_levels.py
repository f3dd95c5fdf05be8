"""SL vectors, requirements selected by SL-T, SL-A from statuses and the gap between them (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcsms.iec62443.security_levels import (
    SlRequirement,
    achieved_sl,
    format_sl_vector,
    requirements_in_scope,
    sl_gap,
    validate_sl_vector,
)


def req(req_id, fr, *levels):
    return SlRequirement(req_id, fr, frozenset(levels))


# FR 1 and FR 5 after 62443-3-3 Table B.1 (a few rows), FR 2 with nothing at SL 1, FR 7 not in the catalog
CATALOG = [
    req("SR 1.1", 1, 1, 2, 3, 4),
    req("SR 1.1 RE 1", 1, 2, 3, 4),
    req("SR 1.1 RE 2", 1, 3, 4),
    req("SR 1.1 RE 3", 1, 4),
    req("SR 1.2", 1, 2, 3, 4),
    req("SR 2.8 RE 1", 2, 2, 3, 4),
    req("SR 2.8 RE 2", 2, 4),
    req("SR 5.1", 5, 1, 2, 3, 4),
    req("SR 5.1 RE 1", 5, 2, 3, 4),
    req("SR 5.2", 5, 1, 2, 3, 4),
]
FR1 = ["SR 1.1", "SR 1.1 RE 1", "SR 1.1 RE 2", "SR 1.1 RE 3", "SR 1.2"]


# --------------------------------------------------------------------------------------- validate vector


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, (2,) * 7),
        ("2", (2,) * 7),
        (" 0 ", (0,) * 7),
        ("1,2,2,3,1,1,2", (1, 2, 2, 3, 1, 1, 2)),
        ("1, 2, 2, 3, 1, 1, 2", (1, 2, 2, 3, 1, 1, 2)),
        ([1, 2, 2, 3, 1, 1, 2], (1, 2, 2, 3, 1, 1, 2)),
        ((4, 4, 4, 4, 4, 4, 4), (4,) * 7),
        (["1", "2", "2", "3", "1", "1", "2"], (1, 2, 2, 3, 1, 1, 2)),
        ([3], (3,) * 7),
    ],
)
def test_valid_sl_vectors(value, expected):
    assert validate_sl_vector(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (5, "level 1 must be 0-4, got 5"),
        (-1, "level 1 must be 0-4, got -1"),
        ("5", "level 1 must be one of 0, 1, 2, 3, 4, got '5'"),
        ("", "level 1 must be one of 0, 1, 2, 3, 4, got ''"),
        ("1,2,3", "got 3 levels"),
        ("1,2,2,3,1,1,2,2", "got 8 levels"),
        ([], "got 0 levels"),
        ("1,2,2,x,1,1,2", "level 4 must be one of 0, 1, 2, 3, 4, got 'x'"),
        ("1,2,2,,1,1,2", "level 4 must be one of"),
        ("2.0", "got '2.0'"),
        (2.0, "level 1 must be a whole number 0-4, got 2.0"),
        (True, "got True"),
        (None, "got None"),
        ([1, 2, 2, 3, 1, 1, None], "level 7 must be a whole number 0-4, got None"),
        ("١", "must be one of"),  # an Arabic-Indic digit one is not a level
    ],
)
def test_invalid_sl_vectors_say_why(value, reason):
    with pytest.raises(ValueError) as caught:
        validate_sl_vector(value)
    assert reason in str(caught.value)


@given(st.lists(st.integers(0, 4), min_size=7, max_size=7))
def test_format_reads_back(levels):
    assert validate_sl_vector(format_sl_vector(levels)) == tuple(levels)


def test_format_is_compact_when_uniform():
    assert format_sl_vector((2,) * 7) == "2"
    assert format_sl_vector((1, 2, 2, 3, 1, 1, 2)) == "1,2,2,3,1,1,2"


# --------------------------------------------------------------------------------- requirements in scope


def test_requirements_selected_by_the_sl_t_of_each_fr():
    assert requirements_in_scope((1, 0, 0, 0, 1, 0, 0), CATALOG) == ["SR 1.1", "SR 5.1", "SR 5.2"]
    assert requirements_in_scope((3, 2, 0, 0, 0, 0, 0), CATALOG) == [
        "SR 1.1",
        "SR 1.1 RE 1",
        "SR 1.1 RE 2",
        "SR 1.2",
        "SR 2.8 RE 1",
    ]
    assert requirements_in_scope((4,) * 7, CATALOG) == [r.id for r in CATALOG]


def test_sl_t_zero_selects_nothing():
    assert requirements_in_scope((0,) * 7, CATALOG) == []


def test_requirements_in_scope_checks_its_inputs():
    with pytest.raises(ValueError):
        requirements_in_scope((1, 1, 1), CATALOG)
    with pytest.raises(ValueError, match="FRs are 1-7"):
        requirements_in_scope((1,) * 7, [req("SR 8.1", 8, 1)])


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7), st.integers(0, 6))
def test_raising_one_fr_only_adds_requirements_of_that_fr(levels, fr_index):
    higher = list(levels)
    higher[fr_index] += 1
    before, after = set(requirements_in_scope(levels, CATALOG)), set(requirements_in_scope(higher, CATALOG))
    assert before <= after
    assert all(next(r for r in CATALOG if r.id == added).fr == fr_index + 1 for added in after - before)


# ---------------------------------------------------------------------------------------------- SL-A


def statuses(status="met", **overrides):
    result = {r.id: status for r in CATALOG}
    result.update({key.replace("_", " "): value for key, value in overrides.items()})
    return result


def test_everything_met_reaches_the_highest_level_the_catalog_covers():
    assert achieved_sl(statuses(), CATALOG) == (4, 4, 0, 0, 4, 0, 0)


def test_an_unmet_enhancement_holds_the_fr_at_the_level_below_it():
    assert achieved_sl(statuses(**{"SR_1.1_RE_2": "partially_met"}), CATALOG)[0] == 2
    assert achieved_sl(statuses(**{"SR_1.1_RE_3": "not_met"}), CATALOG)[0] == 3
    assert achieved_sl(statuses(**{"SR_1.1": "not_met"}), CATALOG)[0] == 0


def test_sl_a_is_cumulative_over_lower_levels():
    # SR 1.2 is first selected at SL 2; if it fails, SL 3 and 4 fail too even with all their REs met
    assert achieved_sl(statuses(**{"SR_1.2": "not_met"}), CATALOG)[0] == 1


def test_not_applicable_does_not_reduce_sl_a():
    assert achieved_sl(statuses(**{"SR_1.1_RE_2": "not_applicable"}), CATALOG)[0] == 4


def test_a_missing_or_not_assessed_status_counts_as_not_met():
    assert achieved_sl({}, CATALOG) == (0,) * 7
    partial = {r: "met" for r in FR1 if r != "SR 1.1 RE 1"}
    assert achieved_sl(partial, CATALOG)[0] == 1
    assert achieved_sl(statuses(**{"SR_1.1_RE_1": "not_assessed"}), CATALOG)[0] == 1


def test_an_fr_whose_first_requirements_sit_at_sl2_skips_the_empty_level():
    # FR 2 here: nothing at SL 1, RE 1 from SL 2, RE 2 only at SL 4
    assert achieved_sl(statuses(**{"SR_2.8_RE_2": "not_met"}), CATALOG)[1] == 3
    assert achieved_sl(statuses(**{"SR_2.8_RE_1": "not_met"}), CATALOG)[1] == 0


@given(
    st.dictionaries(
        st.sampled_from([r.id for r in CATALOG]),
        st.sampled_from(["met", "not_met", "not_applicable", "partially_met"]),
    ),
    st.sampled_from([r.id for r in CATALOG]),
)
def test_meeting_one_more_requirement_never_lowers_sl_a(given_statuses, improved):
    better = dict(given_statuses, **{improved: "met"})
    before, after = achieved_sl(given_statuses, CATALOG), achieved_sl(better, CATALOG)
    assert all(b >= a for a, b in zip(before, after))
    assert all(0 <= level <= 4 for level in after)


# ------------------------------------------------------------------------------------------------- gap


def test_sl_gap_is_target_minus_achieved_never_negative():
    assert sl_gap((2, 2, 1, 3, 1, 1, 2), (1, 2, 2, 0, 1, 0, 2)) == (1, 0, 0, 3, 0, 1, 0)
    assert sl_gap("2", "4") == (0,) * 7


def test_sl_gap_checks_its_vectors():
    with pytest.raises(ValueError):
        sl_gap((2,) * 6, (1,) * 7)
