"""The DOT source of the zone diagram: Purdue bands, nesting, conduits, colours and escaping (no Graphviz run)."""

import random
import re

import pytest

from otcsms.plant.diagram import (
    BANDS,
    DiagramConduit,
    DiagramZone,
    Standing,
    band_of,
    gap_label,
    sl_t_label,
    standing,
    zone_dot,
)

ZONES = [
    DiagramZone(1, "Enterprise", (1,) * 7, ["AD-01", "Mail"], kind="enterprise", url="/zones/1/"),
    DiagramZone(2, "Plant DMZ", (2,) * 7, ["Historian replica"], kind="dmz", url="/zones/2/"),
    DiagramZone(3, "Control", (2, 2, 1, 3, 1, 1, 2), [f"PLC-{i:02d}" for i in range(12)], kind="control"),
    DiagramZone(4, "Safety", (3,) * 7, ["SIS-1"], parent=3, kind="safety"),
    DiagramZone(5, "Lab", None, [], kind=""),
]
CONDUITS = [
    DiagramConduit("c1", "Enterprise to DMZ", 1, 2, ["https", "rdp"], "FW-01", url="/conduits/1/"),
    DiagramConduit("c2", "DMZ to Control", 2, 3, ["opc-ua", "modbus-tcp"], "FW-02"),
    DiagramConduit("c3", "Control to Safety", 3, 4, ["ethernet-ip"], "DIODE-01"),
]


def node_of(source: str, dom_id: str) -> str:
    """The generated node name of the statement carrying id="dom_id" (a node; a cluster's own-assets node)."""
    match = re.search(rf'^\s*(z\d+) \[label=<.*?> [^\n]*id="{re.escape(dom_id)}"', source, re.M)
    assert match, dom_id
    return match.group(1)


def statement(source: str, dom_id: str) -> str:
    return next(line for line in source.splitlines() if f'id="{dom_id}"' in line)


def strip_labels(source: str) -> str:
    """The DOT text with the content of every HTML-like label removed (balanced < >)."""
    out, index = [], 0
    while (start := source.find("label=<", index)) != -1:
        out.append(source[index : start + 7])
        depth, position = 1, start + 7
        while depth:
            depth += {"<": 1, ">": -1}.get(source[position], 0)
            position += 1
        index = position - 1
    out.append(source[index:])
    return "".join(out)


# --- ranks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "band"),
    [("enterprise", 0), ("dmz", 1), ("", 2), ("other", 2), ("something-new", 2), ("control", 3),
     ("field", 4), ("safety", 4), ("remote", 4)],
)  # fmt: skip
def test_zone_kinds_fall_in_purdue_bands_top_to_bottom(kind, band):
    assert band_of(kind) == band
    assert [title for title, _kinds in BANDS][0] == "Enterprise"


def test_each_zone_sits_between_its_band_and_the_next_and_the_bands_are_chained():
    source = zone_dot(ZONES, CONDUITS).source
    assert re.findall(r"^\s*band(\d) -> band(\d) \[style=invis\];", source, re.M) == [
        ("0", "1"), ("1", "2"), ("2", "3"), ("3", "4")
    ]  # fmt: skip
    for zone_id, band in ((1, 0), (2, 1), (5, 2), (4, 4)):
        node = node_of(source, f"zone-{zone_id}")
        assert f"band{band} -> {node} [style=invis weight=0];" in source
        if band < 4:
            assert f"{node} -> band{band + 1} [style=invis weight=0];" in source
    # a zone drawn as a cluster is held in its band by the node of its own assets
    assert "band3 -> " + node_of(source, "zone-own-3") in source
    assert "newrank=true" in source and "compound=true" in source


def test_only_bands_in_use_are_chained():
    source = zone_dot([ZONES[0], ZONES[2]], []).source
    assert re.findall(r"band(\d) -> band(\d)", source) == [("0", "3")]


def test_conduits_are_drawn_downwards_through_the_bands():
    # stored from the control zone to the enterprise zone, drawn from the enterprise zone down
    upward = DiagramConduit("up", "Straight up", 3, 1)
    source = zone_dot(ZONES, [upward]).source
    line = statement(source, "conduit-up")
    assert line.strip().startswith(f"{node_of(source, 'zone-1')} -> {node_of(source, 'zone-own-3')} ")


# --- nesting -------------------------------------------------------------------------------------


def cluster_block(source: str, dom_id: str) -> str:
    """The text of the subgraph whose graph attributes carry id="dom_id"."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if f'id="{dom_id}"' in line and "graph [" in line) - 1
    assert lines[start].strip().startswith("subgraph cluster_")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == " " * indent + "}")
    return "\n".join(lines[start : end + 1])


def test_child_zones_are_clusters_nested_inside_their_parent():
    zones = [*ZONES, DiagramZone(6, "SIS cabinet", (3,) * 7, ["SIS-2"], parent=4, kind="safety")]
    source = zone_dot(zones, CONDUITS).source
    control = cluster_block(source, "zone-3")
    safety = cluster_block(source, "zone-4")
    assert safety in control  # the grandchild's cluster sits inside the child's, inside the parent's
    assert 'id="zone-6"' in safety and 'id="zone-own-4"' in safety and 'id="zone-own-3"' in control
    for outside in ("zone-1", "zone-2", "zone-5"):
        assert f'id="{outside}"' not in control


def test_a_conduit_into_a_cluster_ends_at_its_border_unless_it_comes_from_inside():
    source = zone_dot(ZONES, CONDUITS).source
    into_control = statement(source, "conduit-c2")
    assert 'lhead="cluster_' + node_of(source, "zone-own-3") + '"' in into_control
    inside = statement(source, "conduit-c3")  # control to its own child zone
    assert "lhead" not in inside and "ltail" not in inside


def test_a_parent_loop_or_a_parent_not_drawn_still_draws_every_zone_as_a_root():
    zones = [
        DiagramZone("a", "A", None, parent="b"),
        DiagramZone("b", "B", None, parent="a"),
        DiagramZone("c", "C", None, parent="not drawn"),
    ]
    source = zone_dot(zones, []).source
    assert "subgraph" not in source
    assert all(f'id="zone-{name}"' in source for name in "abc")


# --- labels and colours --------------------------------------------------------------------------


def test_zone_label_has_name_kind_sl_t_and_up_to_six_assets():
    line = statement(zone_dot(ZONES, CONDUITS).source, "zone-4")
    assert "<b>Safety</b>" in line and "Safety · SL-T 3" in line and "SIS-1" in line
    control = statement(zone_dot([ZONES[2]], []).source, "zone-3")
    assert "PLC-00" in control and "PLC-04" in control and "PLC-05" not in control and "+7 more" in control


def test_conduit_label_has_name_protocols_and_security_device_and_links():
    line = statement(zone_dot(ZONES, CONDUITS).source, "conduit-c1")
    assert "label=<<b>Enterprise to DMZ</b><br/>https, rdp<br/>via FW-01>" in line
    assert 'href="/conduits/1/"' in line and 'class="conduit"' in line
    assert 'href="/zones/1/"' in statement(zone_dot(ZONES, CONDUITS).source, "zone-1")


def test_zone_colour_follows_the_sl_gap():
    assert standing(None, None) is Standing.NO_TARGET
    assert standing((2,) * 7, None) is Standing.NOT_ASSESSED
    assert standing((2,) * 7, (2, 3, 2, 2, 2, 2, 2)) is Standing.MEETS
    assert standing((2,) * 7, (1, 2, 2, 2, 2, 2, 2)) is Standing.SHORT_ONE
    assert standing((3,) * 7, (1, 3, 3, 3, 3, 3, 3)) is Standing.SHORT_MORE
    zones = [
        DiagramZone(1, "Met", (2,) * 7, sl_a=(2,) * 7),
        DiagramZone(2, "Short", (3,) * 7, sl_a=(3, 3, 1, 3, 3, 3, 3)),
        DiagramZone(3, "Unset", None),
    ]
    source = zone_dot(zones, [], sl_a_source="SL-A from the assessment “Baseline”").source
    assert f'fillcolor="{Standing.MEETS.fill}"' in statement(source, "zone-1")
    short = statement(source, "zone-2")
    assert f'fillcolor="{Standing.SHORT_MORE.fill}"' in short and "short 2 levels: FR3" in short
    assert "SL-A 3·3·1·3·3·3·3" in short
    assert "dashed" in statement(source, "zone-3")
    legend = source[source.index("  label=<<table") :]
    assert "SL-A from the assessment “Baseline”" in legend
    assert f"{Standing.SHORT_ONE.meaning} (none here)" in legend and f"{Standing.MEETS.meaning}<" in legend


def test_labels():
    assert sl_t_label((2,) * 7) == "SL-T 2"
    assert sl_t_label((1, 2, 2, 3, 1, 1, 2)) == "SL-T 1·2·2·3·1·1·2"
    assert sl_t_label(None) == "SL-T not set"
    assert gap_label((2,) * 7, (2,) * 7) == "meets SL-T"
    assert gap_label((2,) * 7, (1, 2, 0, 2, 2, 2, 2)) == "short 2 levels: FR1, FR3"
    assert gap_label((2,) * 7, None) == ""


# --- escaping ------------------------------------------------------------------------------------

HOSTILE = [
    '"; z0 [label="pwned" href="javascript:alert(1)"]; "',
    "<script>alert(1)</script>",
    "}} digraph { x }",
    "a\\Nb \\G \\l \\",
    "line one\nline two\r\nthree\u2028four",
    ">]]><b>bold</b>&amp;&#92;&lt;",
    "Zürich 東京 🚀 Ωμέγα",
    "x" * 500,
    "bad\x00name\x1b[31m\ufffe",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_changes_nothing_but_label_text(name):
    def drawing(label: str):
        zones = [
            DiagramZone(1, f"1{label}", (2,) * 7, [f"1{label}"], kind="control"),
            DiagramZone(2, f"2{label}", None, [], parent=1, kind="safety"),
            DiagramZone(3, f"3{label}", None, [], kind="dmz"),
        ]
        conduits = [
            DiagramConduit(1, f"1{label}", 1, 2, [label], label),
            DiagramConduit(2, f"2{label}", 3, 1, [], label),
        ]
        return zone_dot(zones, conduits, sl_a_source=label)

    hostile, plain = drawing(name), drawing("")
    assert strip_labels(hostile.source) == strip_labels(plain.source)
    assert hostile.source.count("\n") == plain.source.count("\n")  # no line break inside a label either
    assert "<script" not in hostile.source
    assert hostile.titles.keys() == plain.titles.keys()
    assert all(
        "\n" not in title and "\x00" not in title and len(title) <= 300 for title in hostile.titles.values()
    )


def test_label_text_is_xml_escaped_with_backslashes_doubled():
    source = zone_dot([DiagramZone(1, 'a"b<c>&d\\N', None)], []).source
    assert "<b>a&quot;b&lt;c&gt;&amp;d\\\\N</b>" in source


def test_long_names_wrap_to_two_lines_and_are_cut():
    source = zone_dot([DiagramZone(1, "Water treatment plant main control room network east wing", None)], [])
    line = statement(source.source, "zone-1")
    assert "<b>Water treatment plant main</b>" in line and "<b>control room network east w…</b>" in line
    unbroken = statement(zone_dot([DiagramZone(1, "x" * 100, None)], []).source, "zone-1")
    assert f"<b>{'x' * 28}</b>" in unbroken and f"<b>{'x' * 27}…</b>" in unbroken


def test_titles_hold_the_full_names_by_dom_id():
    dot = zone_dot(ZONES, CONDUITS)
    assert dot.titles["zone-3"] == "Control" and dot.titles["zone-own-3"] == "Control: its own assets"
    assert dot.titles["conduit-c2"] == "DMZ to Control"
    assert 'tooltip="zone-3"' in dot.source  # the tooltip is the id until the SVG gets the name


def test_zone_ids_of_any_text_make_distinct_dom_ids():
    dot = zone_dot([DiagramZone("a b", "One", None), DiagramZone("a_b", "Two", None)], [])
    assert set(dot.titles) == {"zone-a_20_b", "zone-a_5f_b"}


# --- the whole -----------------------------------------------------------------------------------


def test_output_is_deterministic_whatever_the_input_order():
    first = zone_dot(ZONES, CONDUITS)
    rng = random.Random(3)
    for _ in range(5):
        zones, conduits = ZONES[:], CONDUITS[:]
        rng.shuffle(zones)
        rng.shuffle(conduits)
        assert zone_dot(zones, conduits) == first


def test_conduit_to_an_unknown_zone_or_to_itself_is_refused():
    with pytest.raises(ValueError, match="not in the diagram"):
        zone_dot(ZONES, [DiagramConduit("x", "Nowhere", 1, 99)])
    with pytest.raises(ValueError, match="to itself"):
        zone_dot(ZONES, [DiagramConduit("x", "Loop", 1, 1)])
    with pytest.raises(ValueError, match="share an id"):
        zone_dot([ZONES[0], ZONES[0]], [])


def test_empty_site_draws_a_note_and_no_legend():
    source = zone_dot([], []).source
    assert 'label="No zones yet."' in source and "<table" not in source
