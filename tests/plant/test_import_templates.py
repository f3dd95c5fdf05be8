"""The column specifications as the one source of the file contract: the new zone and conduit columns, the
templates generated from the specifications, and the documentation table that lists them (no database)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from otcsms.plant.importfiles import (
    COLUMNS,
    KINDS,
    MAX_RULE_SET_CHARS,
    SPECS,
    ZONE_KINDS,
    Column,
    ImportContext,
    ImportRejected,
    read_table,
    specs_of,
    validate_rows,
    write_table,
    write_template,
)
from otcsms.plant.importfiles.templates import describe

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plant-import.md"
# what the templates' example rows refer to: the zones of the conduit and asset examples
CONTEXT = ImportContext(existing_zones=frozenset({"Plant DMZ", "Control"}))


def context_for(kind: str) -> ImportContext:
    return ImportContext() if kind == "zones" else CONTEXT  # the zones example is new to the site


def problems_of(kind, rows, context=ImportContext()):
    with pytest.raises(ImportRejected) as caught:
        validate_rows(kind, rows, context)
    return [(p.row, p.column, p.reason) for p in caught.value.problems]


# ---------------------------------------------------------------------------------- zone and conduit columns


def test_zone_kind_reason_and_parent_are_read():
    rows = [
        {"name": "Plant", "kind": "Enterprise"},
        {"name": "DMZ", "kind": "Demilitarized Zone", "parent": "plant", "sl_t": "2",
         "sl_t_reason": "Remote access lands here.\nSee RA-7."},
    ]  # fmt: skip
    plant, dmz = validate_rows("zones", rows, ImportContext()).records
    assert (plant.kind, dmz.kind, dmz.parent) == ("enterprise", "dmz", "Plant")
    assert dmz.sl_t_reason == "Remote access lands here.\nSee RA-7."


def test_an_unknown_zone_kind_names_the_accepted_values():
    assert problems_of("zones", [{"name": "Z", "kind": "tunnel"}]) == [
        (2, "kind", "'tunnel' is not one of: " + ", ".join(ZONE_KINDS))
    ]


def test_a_zone_cannot_be_its_own_parent_in_a_file():
    assert problems_of("zones", [{"name": "Loop", "parent": "loop"}]) == [
        (2, "parent", "the parent chain loops: Loop -> Loop")
    ]


def test_conduit_rule_set_is_read_and_bounded():
    row = {
        "name": "C",
        "zones": "Plant DMZ;Control",
        "rule_set": "allow 4840/tcp historian -> PLCs\ndeny all",
    }
    (conduit,) = validate_rows("conduits", [row], CONTEXT).records
    assert conduit.rule_set == "allow 4840/tcp historian -> PLCs\ndeny all"
    row["rule_set"] = "x" * (MAX_RULE_SET_CHARS + 1)
    assert problems_of("conduits", [row], CONTEXT) == [
        (2, "rule_set", f"longer than {MAX_RULE_SET_CHARS} characters ({MAX_RULE_SET_CHARS + 1})")
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_new_columns_round_trip_through_every_format(fmt):
    zones = validate_rows("zones", [
        {"name": "Control", "kind": "control", "sl_t": "1,2,2,3,1,1,2", "sl_t_reason": "=consequence: high"},
        {"name": "Cell 1", "kind": "field", "parent": "Control"},
    ], ImportContext())  # fmt: skip
    again = validate_rows("zones", read_table(write_table("zones", [r.as_row() for r in zones.records], fmt),
                                              f"z.{fmt}"), ImportContext())  # fmt: skip
    assert [r._replace(row=0) for r in again.records] == [r._replace(row=0) for r in zones.records]
    conduits = validate_rows("conduits", [{"name": "C", "zones": "Plant DMZ;Control", "rule_set": "+allow\n-deny"}],
                             CONTEXT)  # fmt: skip
    data = write_table("conduits", [r.as_row() for r in conduits.records], fmt)
    assert (
        validate_rows("conduits", read_table(data, f"c.{fmt}"), CONTEXT).records[0].rule_set
        == "+allow\n-deny"
    )


# --------------------------------------------------------------------------------------- one source of truth


def test_the_column_contract_is_the_specifications():
    for kind in KINDS:
        assert tuple(c.name for c in specs_of(kind)) == COLUMNS[kind].all
        assert {c.name for c in SPECS[kind] if c.required} == set(COLUMNS[kind].required)
        for column in SPECS[kind]:
            assert column.accepts and column.accepts == column.accepts.strip(), (kind, column.name)


def test_every_choice_column_lists_exactly_what_the_checker_accepts():
    for kind in KINDS:
        for column in SPECS[kind]:
            for value in column.choices:
                assert value in column.accepts
            if column.choices:
                row = {"name": "X", column.name: "surely-not-a-value"}
                if kind == "conduits":
                    row["zones"] = "Plant DMZ;Control"
                (problem,) = problems_of(kind, [row], CONTEXT)
                assert problem[1] == column.name and ", ".join(column.choices) in problem[2]


def test_the_documented_columns_are_the_contract():
    """docs/plant-import.md lists the columns of each kind; it may not drift from the specifications."""
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("## Columns") :].split("\n\n")[0]
    documented = {}
    for line in table.splitlines()[3:]:
        kind, required, optional = (cell.strip() for cell in line.strip("|").split("|"))
        documented[kind] = (tuple(re.split(r",\s*", required)), tuple(re.split(r",\s*", optional)))
    assert documented == {kind: (c.required, c.optional) for kind, c in COLUMNS.items()}


# ------------------------------------------------------------------------------------------------ templates


@pytest.mark.parametrize("kind", KINDS)
def test_the_csv_template_is_the_header_and_one_example_row_that_imports(kind):
    data = write_template(kind, "csv")
    header, example = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == COLUMNS[kind].all
    assert example == [c.example for c in specs_of(kind)]
    plan = validate_rows(kind, read_table(data, f"{kind}.csv"), context_for(kind))
    assert len(plan.records) == 1 and plan.records[0].name == example[0]


@pytest.mark.parametrize("kind", KINDS)
def test_the_xlsx_template_explains_every_column_and_imports(kind):
    data = write_template(kind, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, about = book.worksheets
    assert sheet.title == kind and about.title == "about"
    header = [cell.value for cell in sheet[1]]
    assert tuple(header) == COLUMNS[kind].all
    for cell, column in zip(sheet[1], specs_of(kind), strict=True):
        assert cell.comment.text == describe(column)
    described = {row[0]: row for row in about.iter_rows(min_row=4, values_only=True)}
    assert set(described) == set(COLUMNS[kind].all)
    for column in specs_of(kind):
        assert described[column.name][1:3] == ("yes" if column.required else "no", column.accepts)
    plan = validate_rows(kind, read_table(data, f"{kind}.xlsx"), context_for(kind))
    assert len(plan.records) == 1


HOSTILE = (
    Column("name", True, '=HYPERLINK("http://evil.example","click")', "=1+2"),
    Column("description", False, "@SUM(A1:A9)", "-2+3 cmd|' /C calc'!A0"),
)


def test_a_template_never_carries_a_formula_and_its_values_round_trip():
    text = write_template("sites", "csv", HOSTILE).decode("utf-8-sig")
    assert text.splitlines()[1] == "\"'=1+2\",\"'-2+3 cmd|' /C calc'!A0\""
    assert read_table(text.encode(), "t.csv") == [{"name": "=1+2", "description": "-2+3 cmd|' /C calc'!A0"}]

    data = write_template("sites", "xlsx", HOSTILE)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert not str(cell.value or "").startswith(("=", "+", "-", "@")), cell.coordinate
                if cell.comment is not None:
                    assert not cell.comment.text.startswith(("=", "+", "-", "@"))
    assert read_table(data, "t.xlsx") == [{"name": "=1+2", "description": "-2+3 cmd|' /C calc'!A0"}]


def test_unknown_template_kind_or_format_is_refused():
    with pytest.raises(ValueError, match="unknown import kind"):
        write_template("accounts", "csv")
    with pytest.raises(ValueError, match="unknown template format"):
        write_template("zones", "json")
