"""The real `dot` on the diagram's DOT source, and the SVG made safe to inline (no database)."""

import uuid

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.plant import graphviz
from otcsms.plant.diagram import DiagramConduit, DiagramZone, zone_dot
from otcsms.plant.graphviz import LayoutUnavailable, clean_svg, dot_svg

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def draw(zones, conduits=(), **kwargs) -> str:
    dot = zone_dot(zones, conduits, **kwargs)
    return clean_svg(dot_svg(dot.source), dot.titles)


def group(root, dom_id):
    return next(g for g in root.iter(f"{SVG}g") if g.get("id") == dom_id)


def texts(element):
    return ["".join(text.itertext()) for text in element.iter(f"{SVG}text")]


def fresh_graph() -> str:
    """A graph no earlier test has drawn, so the layout cache cannot answer it."""
    return f'digraph {{ a [label="{uuid.uuid4().hex}"] }}'


def test_dot_draws_zones_with_their_labels_titles_and_links():
    zones = [
        DiagramZone(1, "Enterprise", (1,) * 7, ["AD-01"], kind="enterprise", url="/zones/1/"),
        DiagramZone(2, "Control", (2,) * 7, ["PLC-1"], kind="control", url="/zones/2/"),
    ]
    conduit = DiagramConduit(9, "Enterprise to Control", 1, 2, ["opc-ua"], "FW-1", url="/conduits/9/")
    root = ElementTree.fromstring(draw(zones, [conduit]))
    enterprise = group(root, "zone-1")
    assert "zone" in enterprise.get("class").split()
    assert texts(enterprise) == ["Enterprise", "Enterprise · SL-T 1", "AD-01"]
    assert enterprise.find(f"{SVG}title").text == "Enterprise"
    link = next(enterprise.iter(f"{SVG}a"))
    assert link.get(f"{XLINK}href") == "/zones/1/" and link.get(f"{XLINK}title") == "Enterprise"
    edge = group(root, "conduit-9")
    assert texts(edge) == ["Enterprise to Control", "opc-ua", "via FW-1"]
    assert {a.get(f"{XLINK}href") for a in edge.iter(f"{SVG}a")} == {"/conduits/9/"}
    assert root.get("viewBox") and root.find(f"{SVG}title").text == "Zone and conduit diagram"
    assert root.find(f"{SVG}g/{SVG}title").text == "Zone and conduit diagram"


HOSTILE = [
    '"; z0 [label="pwned" href="javascript:alert(1)"]; "',
    "<script>alert(1)</script>",
    "a\\Nb \\G \\l \\E \\",
    '"><svg onload=alert(1)>',
    "]]>&amp;&#92;&lt;{}",
    "Zürich 東京 🚀",
    "]",  # Graphviz 2.43 refuses a label text that is only "]"
    " ",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_drawn_as_their_own_text_and_nothing_else(name):
    zones = [
        DiagramZone(1, name, (2,) * 7, [name], kind="control", url="/zones/1/"),
        DiagramZone(2, "Other", None, kind="dmz", url="/zones/2/"),
    ]
    conduits = [DiagramConduit(3, name, 1, 2, [name], name, url="/conduits/3/")]
    svg = draw(zones, conduits, sl_a_source=name)
    root = ElementTree.fromstring(svg)
    assert "<script" not in svg
    hrefs = {value for el in root.iter() for key, value in el.attrib.items() if key.endswith("href")}
    assert hrefs <= {"/zones/1/", "/zones/2/", "/conduits/3/"}
    assert not any(
        el.tag.rsplit("}", 1)[-1] in ("script", "foreignObject", "image", "style") for el in root.iter()
    )
    assert not any(name.lower().startswith("on") for el in root.iter() for name in el.attrib)
    zone = group(root, "zone-1")
    assert zone.find(f"{SVG}title").text == name
    lines = texts(zone)
    name_lines = lines[: lines.index("Control · SL-T 2")]
    shown, spaced = " ".join(name_lines), " ".join(name.split())  # runs of spaces count as one, as in HTML
    assert shown == spaced or (shown.endswith("…") and spaced.startswith(shown[:-1].rstrip()))
    asset = lines[-1].strip()
    assert asset == name.strip() or (asset.endswith("…") and name.startswith(asset[:-1]))
    assert group(root, "conduit-3").find(f"{SVG}title").text == name
    assert len([g for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()]) == 2


def test_newlines_control_characters_and_very_long_names_stay_on_their_lines():
    name = "first\nsecond\x00third\x1b" + "x" * 500
    root = ElementTree.fromstring(draw([DiagramZone(1, name, None, [name])]))
    zone = group(root, "zone-1")
    assert texts(zone)[:2] == ["first", "second\ufffdthird\ufffd" + "x" * 14 + "…"]
    title = zone.find(f"{SVG}title").text
    assert title.startswith("first second\ufffdthird\ufffd") and len(title) == 300


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=6, unique_by=str.casefold))
def test_any_names_give_well_formed_svg_with_every_zone_and_its_full_name(names):
    zones = [DiagramZone(i, name, None, kind="control") for i, name in enumerate(names)]
    conduits = [DiagramConduit(i, name, i, i + 1) for i, name in enumerate(names[1:])]
    root = ElementTree.fromstring(draw(zones, conduits))
    for i, name in enumerate(names):
        zone = group(root, f"zone-{i}")
        expected = zone_dot([zones[i]], []).titles[f"zone-{i}"]
        assert zone.find(f"{SVG}title").text == expected
        if name.strip() and name.isprintable() and " " not in name and len(name) <= 28:
            assert texts(zone)[0] == name


def test_clean_svg_keeps_only_known_elements_attributes_and_local_links():
    svg = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"
     onload="alert(1)" style="x">
<!-- a comment --><?pi data?>
<script>alert(1)</script>
<g id="zone-1" class="node zone" onclick="alert(2)"><title>z0</title>
  <a xlink:href="javascript:alert(3)" xlink:title="z"><text x="1" y="2">&xxe;A</text></a>
  <a xlink:href="//evil.example/x"><path d="M0 0"/></a>
  <a xlink:href="/zones/1/"><polygon points="0,0 1,1"/></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <image xlink:href="file:///etc/passwd"/>
</g></svg>"""
    cleaned = clean_svg(svg, {"zone-1": "Control <room>"})
    root = ElementTree.fromstring(cleaned)
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert tags <= {"svg", "g", "title", "a", "path", "polygon", "text"}
    assert "script" not in cleaned and "onload" not in cleaned and "onclick" not in cleaned
    assert "style=" not in cleaned and "passwd" not in cleaned and "DOCTYPE" not in cleaned
    assert "comment" not in cleaned and "<?" not in cleaned
    hrefs = [a.get(f"{XLINK}href") for a in root.iter(f"{SVG}a")]
    assert hrefs == [None, None, "/zones/1/"]
    assert group(root, "zone-1").find(f"{SVG}title").text == "Control <room>"
    assert {a.get(f"{XLINK}title") for a in root.iter(f"{SVG}a")} == {"Control <room>"}


def test_dot_may_not_read_files_named_in_a_graph():
    svg = dot_svg('digraph { a [image="/etc/hostname" label="x"] }')
    assert "<image" not in svg and "hostname" not in svg


def test_a_missing_dot_is_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on the path
    with pytest.raises(LayoutUnavailable, match="Graphviz is not installed on the server"):
        dot_svg(fresh_graph())


def test_layouts_are_cached_by_their_source(monkeypatch, tmp_path):
    source = fresh_graph()
    first = dot_svg(source)
    monkeypatch.setenv("PATH", str(tmp_path))  # dot cannot run any more: the cached layout answers
    assert dot_svg(source) == first
    with pytest.raises(LayoutUnavailable):
        dot_svg(fresh_graph())


def test_old_layouts_leave_the_cache(monkeypatch, tmp_path):
    sources = [fresh_graph() for _ in range(graphviz.CACHE_ENTRIES + 1)]
    for source in sources:
        dot_svg(source)
    monkeypatch.setenv("PATH", str(tmp_path))
    dot_svg(sources[-1])
    with pytest.raises(LayoutUnavailable):
        dot_svg(sources[0])


def test_a_layout_that_takes_too_long_or_fails_is_a_clear_message():
    with pytest.raises(LayoutUnavailable, match="took longer than"):
        dot_svg(fresh_graph(), timeout=0.000001)
    with pytest.raises(LayoutUnavailable, match="could not lay out the diagram: .*syntax error"):
        dot_svg("digraph { a -> }")
