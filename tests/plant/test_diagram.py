"""The zone and conduit diagram: a well-formed, escaped, deterministic SVG (no database)."""

import random
import re

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.plant.diagram import DiagramConduit, DiagramZone, render_zone_diagram, sl_t_label

SVG = "{http://www.w3.org/2000/svg}"

ZONES = [
    DiagramZone(1, "Enterprise", (1,) * 7, ["AD-01", "Mail"]),
    DiagramZone(2, "Plant DMZ", (2,) * 7, ["Historian replica", "Jump host"]),
    DiagramZone(3, "Control", (2, 2, 1, 3, 1, 1, 2), [f"PLC-{i:02d}" for i in range(12)]),
    DiagramZone(4, "Safety", (3,) * 7, ["SIS-1"], parent=3),
]
CONDUITS = [
    DiagramConduit("c1", "Enterprise to DMZ", 1, 2, ["https", "rdp"], "FW-01"),
    DiagramConduit("c2", "DMZ to Control", 2, 3, ["opc-ua", "modbus-tcp"], "FW-02"),
    DiagramConduit("c3", "Control to Safety", 3, 4, ["ethernet-ip"], "DIODE-01"),
]


def parse(svg):
    return ElementTree.fromstring(svg)


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def zone_group(root, zone_id):
    return next(group for group in root.iter(f"{SVG}g") if group.get("id") == f"zone-{zone_id}")


def test_zones_are_labelled_boxes_with_sl_t_and_assets():
    root = parse(render_zone_diagram(ZONES, CONDUITS))
    control = zone_group(root, 3)
    lines = texts(control)
    assert lines[:2] == ["Control", "SL-T 2·2·1·3·1·1·2"]
    assert lines[2:] == [f"PLC-{i:02d}" for i in range(7)] + ["+5 more"]
    assert texts(zone_group(root, 1)) == ["Enterprise", "SL-T 1", "AD-01", "Mail"]
    assert len(list(control.iter(f"{SVG}rect"))) == 2


def test_eight_assets_are_all_shown_and_nine_are_truncated():
    eight = DiagramZone("z", "Z", None, [f"A{i}" for i in range(8)])
    nine = DiagramZone("z", "Z", None, [f"A{i}" for i in range(9)])
    assert texts(parse(render_zone_diagram([eight], [])))[2:] == [f"A{i}" for i in range(8)]
    assert texts(parse(render_zone_diagram([nine], [])))[2:] == [f"A{i}" for i in range(7)] + ["+2 more"]


def test_conduits_are_lines_labelled_with_name_protocols_and_security_device():
    root = parse(render_zone_diagram(ZONES, CONDUITS))
    paths = {path.get("id"): path for path in root.iter(f"{SVG}path")}
    assert set(paths) == {"conduit-c1", "conduit-c2", "conduit-c3"}
    labels = [texts(group) for group in root.iter(f"{SVG}g") if group.get("class") == "conduit-label"]
    assert ["DMZ to Control", "opc-ua, modbus-tcp", "via FW-02"] in labels
    assert ["Control to Safety", "ethernet-ip", "via DIODE-01"] in labels


def test_child_zones_sit_below_their_parent():
    root = parse(render_zone_diagram(ZONES, CONDUITS))

    def top(zone_id):
        return float(next(zone_group(root, zone_id).iter(f"{SVG}rect")).get("y"))

    assert top(4) > top(3)
    assert top(1) == top(2) == top(3)


def test_zones_joined_by_conduits_sit_side_by_side():
    zones = [DiagramZone(i, name, None) for i, name in enumerate(["A", "B", "C", "D"])]
    conduits = [
        DiagramConduit("x", "A-D", 0, 3),
        DiagramConduit("y", "D-B", 3, 1),
        DiagramConduit("z", "B-C", 1, 2),
    ]
    root = parse(render_zone_diagram(zones, conduits))

    def left(zone_id):
        return float(next(zone_group(root, zone_id).iter(f"{SVG}rect")).get("x"))

    order = sorted(range(4), key=left)
    assert {
        order.index(0) - order.index(3),
        order.index(3) - order.index(1),
        order.index(1) - order.index(2),
    } <= {-1, 1}


@pytest.mark.parametrize(
    "name",
    ["<script>alert(1)</script>", "Tom & Jerry", '"><svg onload=alert(1)>', "../../etc/passwd", "]]>&amp;"],
)
def test_hostile_names_are_escaped_text(name):
    zones = [DiagramZone(name, name, (2,) * 7, [name]), DiagramZone("other", "Other", None, [])]
    conduits = [DiagramConduit(name, name, name, "other", [name], name)]
    svg = render_zone_diagram(zones, conduits)
    root = parse(svg)
    assert not any(element.tag.endswith(("script", "foreignObject")) for element in root.iter())
    assert not any(attribute.startswith("on") for element in root.iter() for attribute in element.attrib)
    assert "<script" not in svg
    assert name in texts(root) or name[:29] + "…" in texts(root)
    assert name in ["".join(title.itertext()) for title in root.iter(f"{SVG}title")]


def test_control_characters_do_not_break_the_xml():
    zones = [DiagramZone(1, "bad\x00name\x1b[31m", None, ["nul\x00asset"])]
    root = parse(render_zone_diagram(zones, []))
    assert texts(root)[0] == "bad\ufffdname\ufffd[31m"


def test_output_is_deterministic_whatever_the_input_order():
    first = render_zone_diagram(ZONES, CONDUITS)
    shuffled_zones = [
        DiagramZone(z.id, z.name, z.sl_t, list(reversed(z.assets)), z.parent) for z in ZONES[::-1]
    ]
    assert render_zone_diagram(shuffled_zones, CONDUITS[::-1]) == first
    rng = random.Random(3)
    for _ in range(5):
        zones, conduits = ZONES[:], CONDUITS[:]
        rng.shuffle(zones)
        rng.shuffle(conduits)
        assert render_zone_diagram(zones, conduits) == first


def test_parallel_conduits_get_separate_lines_and_labels():
    conduits = [DiagramConduit(i, f"Link {i}", 1, 2, ["dnp3"], "") for i in range(3)]
    root = parse(render_zone_diagram(ZONES[:2], conduits))
    paths = [path.get("d") for path in root.iter(f"{SVG}path")]
    assert len(set(paths)) == 3
    label_boxes = [
        next(group.iter(f"{SVG}rect")).get("y")
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "conduit-label"
    ]
    assert len(set(label_boxes)) == 3


def test_conduit_to_an_unknown_zone_or_to_itself_is_refused():
    with pytest.raises(ValueError, match="not in the diagram"):
        render_zone_diagram(ZONES, [DiagramConduit("x", "Nowhere", 1, 99)])
    with pytest.raises(ValueError, match="to itself"):
        render_zone_diagram(ZONES, [DiagramConduit("x", "Loop", 1, 1)])
    with pytest.raises(ValueError, match="share an id"):
        render_zone_diagram([ZONES[0], ZONES[0]], [])


def test_a_parent_loop_still_draws_every_zone():
    zones = [DiagramZone("a", "A", None, parent="b"), DiagramZone("b", "B", None, parent="a")]
    root = parse(render_zone_diagram(zones, []))
    assert {group.get("id") for group in root.iter(f"{SVG}g")} == {"zone-a", "zone-b"}


def test_empty_site_draws_a_note():
    root = parse(render_zone_diagram([], []))
    assert texts(root) == ["No zones yet."]


def test_sl_t_label():
    assert sl_t_label((2,) * 7) == "SL-T 2"
    assert sl_t_label((1, 2, 2, 3, 1, 1, 2)) == "SL-T 1·2·2·3·1·1·2"
    assert sl_t_label(None) == "SL-T not set"


def test_zone_ids_of_any_text_make_distinct_dom_ids():
    zones = [DiagramZone("a b", "One", None), DiagramZone("a_b", "Two", None)]
    ids = [group.get("id") for group in parse(render_zone_diagram(zones, [])).iter(f"{SVG}g")]
    assert len(set(ids)) == 2
    assert all(re.fullmatch(r"zone-[A-Za-z0-9_-]+", value) for value in ids)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.text(max_size=20)), max_size=15),
)
def test_any_names_and_links_give_well_formed_svg_with_every_zone(names, links):
    zones = [DiagramZone(i, name, None, [name]) for i, name in enumerate(names)]
    conduits = [
        DiagramConduit(n, label, a % len(names), b % len(names), [label], label)
        for n, (a, b, label) in enumerate(links)
        if a % len(names) != b % len(names)
    ]
    root = parse(render_zone_diagram(zones, conduits))
    groups = [group.get("id") for group in root.iter(f"{SVG}g") if group.get("class") == "zone"]
    assert len(groups) == len(names)
    assert len(list(root.iter(f"{SVG}path"))) == len(conduits)
