"""The zone and conduit diagram of a site as a Graphviz DOT graph (plain Python: no Django, no subprocess).

Graphviz's `dot` does the layout (``plant.graphviz`` runs it). This module only decides what is drawn:

- Purdue-style bands from top to bottom: enterprise, DMZ, zones of any other kind, control, field and safety.
  Invisible "band" nodes in a chain hold the bands apart; each zone sits below its band's node and above the
  next band's, so conduits may still spread the zones of one band over several rows.
- A zone with child zones is a cluster drawn around them; conduits to it end at the cluster's border.
- Conduits are undirected edges labelled with their name, protocols and security device. Edge labels are laid
  out by `dot` as nodes of their own, so they never cover each other or a zone.
- Each zone is coloured by how its SL-A (where an assessment gives one) meets its SL-T; a legend says how.
- Every zone and conduit links to its page.

Every name is user input, and goes into labels only: Graphviz HTML-like labels holding XML-escaped text with
each backslash doubled (Graphviz reads `\\N`, `\\G`, `\\l`... in labels, so `\\N` must reach it as `\\\\N`).
No markup, attribute or escape of Graphviz can come from a name. Node names, ids and tooltips are generated
(``z0``, ``zone-12``); the full names for the SVG's ``<title>`` elements travel beside the DOT source
(``ZoneDot.titles``), because Graphviz reads escapes in a tooltip twice. The same input always gives the same
DOT text, whatever the order of the zones and conduits.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "Helvetica,Arial,sans-serif"
ASSETS_SHOWN = 6
NAME_LINE_CHARS = 28
NAME_LINES = 2
ASSET_CHARS = 32
LABEL_LINE_CHARS = 36
TOOLTIP_CHARS = 300

ZoneId = Hashable

# Purdue-style bands, top to bottom; a kind not listed (other, none, anything new) goes to the middle band.
BANDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Enterprise", frozenset({"enterprise"})),
    ("DMZ", frozenset({"dmz"})),
    ("Supervisory and other zones", frozenset()),
    ("Control", frozenset({"control"})),
    ("Field, safety and remote", frozenset({"field", "safety", "remote"})),
)
MIDDLE_BAND = 2


def band_of(kind: str) -> int:
    """The Purdue band (0 = top) a zone of this kind is drawn in."""
    for index, (_title, kinds) in enumerate(BANDS):
        if kind in kinds:
            return index
    return MIDDLE_BAND


@dataclass(frozen=True, slots=True)
class DiagramZone:
    id: ZoneId
    name: str
    sl_t: Sequence[int] | None
    assets: Sequence[str] = ()
    parent: ZoneId | None = None
    kind: str = ""
    sl_a: Sequence[int] | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class DiagramConduit:
    id: Hashable
    name: str
    zone_a: ZoneId
    zone_b: ZoneId
    protocols: Sequence[str] = ()
    security_device: str = ""
    url: str = ""


class Standing(enum.Enum):
    """How a zone's achieved levels meet its target: the zone's colour (fill, border) and its legend line."""

    MEETS = ("#dcefd9", "#2e7d32", "SL-A meets SL-T in every FR")
    SHORT_ONE = ("#fff0c7", "#a86b00", "SL-A 1 level short of SL-T in some FR")
    SHORT_MORE = ("#fbd9d5", "#b3261e", "SL-A 2 or more levels short of SL-T")
    NOT_ASSESSED = ("#e3ecf6", "#2b5d80", "SL-T set, no SL-A assessed")
    NO_TARGET = ("#f2f2f2", "#7a7a7a", "no SL-T set (dashed border)")

    @property
    def fill(self) -> str:
        return self.value[0]

    @property
    def border(self) -> str:
        return self.value[1]

    @property
    def meaning(self) -> str:
        return self.value[2]


def sl_gap(sl_t: Sequence[int], sl_a: Sequence[int]) -> tuple[int, ...]:
    """Levels still missing per FR (SL-T minus SL-A, never below 0)."""
    return tuple(max(0, target - achieved) for target, achieved in zip(sl_t, sl_a, strict=True))


def standing(sl_t: Sequence[int] | None, sl_a: Sequence[int] | None) -> Standing:
    if not sl_t:
        return Standing.NO_TARGET
    if not sl_a:
        return Standing.NOT_ASSESSED
    worst = max(sl_gap(sl_t, sl_a))
    return Standing.MEETS if worst == 0 else Standing.SHORT_ONE if worst == 1 else Standing.SHORT_MORE


def sl_t_label(sl_t: Sequence[int] | None) -> str:
    """SL-T in a few characters: `SL-T 2` when all seven FRs agree, else `SL-T 2·2·1·3·1·1·2`."""
    if not sl_t:
        return "SL-T not set"
    return "SL-T " + _levels(sl_t)


def _levels(levels: Sequence[int]) -> str:
    text = [str(level) for level in levels]
    return text[0] if len(set(text)) == 1 else "·".join(text)


def gap_label(sl_t: Sequence[int] | None, sl_a: Sequence[int] | None) -> str:
    """`meets SL-T`, `short 1 level: FR1, FR3` or `short 2 levels: FR2`; empty without both vectors."""
    if not sl_t or not sl_a:
        return ""
    gap = sl_gap(sl_t, sl_a)
    worst = max(gap)
    if worst == 0:
        return "meets SL-T"
    frs = ", ".join(f"FR{index + 1}" for index, missing in enumerate(gap) if missing)
    return f"short {worst} level{'s' if worst > 1 else ''}: {frs}"


# ------------------------------------------------------------------------------------------- the graph


@dataclass(frozen=True, slots=True)
class _Tree:
    """The zones by generated node name, with each zone's children (parent loops and strays become roots)."""

    names: dict[ZoneId, str]
    zones: dict[ZoneId, DiagramZone]
    children: dict[ZoneId, list[DiagramZone]]
    roots: list[DiagramZone]
    titles: dict[str, str]  # DOM id -> full name, filled in while the DOT text is written

    def ancestors(self, zone_id: ZoneId) -> set[ZoneId]:
        """The zones drawn around this one."""
        nested_in = {child.id: parent for parent, kids in self.children.items() for child in kids}
        found: set[ZoneId] = set()
        while zone_id in nested_in:
            zone_id = nested_in[zone_id]
            found.add(zone_id)
        return found


def _sort_key(zone: DiagramZone) -> tuple[str, str, str]:
    return zone.name.casefold(), zone.name, repr(zone.id)


def _tree(zones: Iterable[DiagramZone]) -> _Tree:
    ordered = sorted(zones, key=_sort_key)
    by_id = {zone.id: zone for zone in ordered}
    if len(by_id) != len(ordered):
        raise ValueError("two zones share an id")
    children: dict[ZoneId, list[DiagramZone]] = {}
    roots = []
    for zone in ordered:
        if zone.parent is not None and zone.parent in by_id and not _in_parent_loop(zone, by_id):
            children.setdefault(zone.parent, []).append(zone)
        else:
            roots.append(zone)
    names = {zone.id: f"z{index}" for index, zone in enumerate(ordered)}
    return _Tree(names, by_id, children, roots, {})


def _in_parent_loop(zone: DiagramZone, by_id: dict[ZoneId, DiagramZone]) -> bool:
    # a loop of parents has no top; drawing those zones as roots keeps them on the page
    seen = {zone.id}
    parent = by_id.get(zone.parent) if zone.parent is not None else None
    while parent is not None:
        if parent.id in seen:
            return True
        seen.add(parent.id)
        parent = by_id.get(parent.parent) if parent.parent is not None else None
    return False


def _checked_conduits(conduits: Iterable[DiagramConduit], tree: _Tree) -> list[DiagramConduit]:
    checked = []
    for conduit in conduits:
        for end in (conduit.zone_a, conduit.zone_b):
            if end not in tree.zones:
                raise ValueError(f"conduit {conduit.name!r} names zone {end!r}, which is not in the diagram")
        if conduit.zone_a == conduit.zone_b:
            raise ValueError(f"conduit {conduit.name!r} joins zone {conduit.zone_a!r} to itself")
        checked.append(conduit)
    return sorted(checked, key=lambda c: (c.name.casefold(), c.name, repr(c.id)))


@dataclass(frozen=True, slots=True)
class ZoneDot:
    """The DOT source, and the full name of each zone and conduit by the DOM id its SVG group will have."""

    source: str
    titles: dict[str, str]


def zone_dot(
    zones: Iterable[DiagramZone], conduits: Iterable[DiagramConduit], *, sl_a_source: str = ""
) -> ZoneDot:
    """The DOT source of the diagram. ``sl_a_source`` says in the legend where the SL-A comes from.

    Raises ValueError for a conduit naming a zone that is not drawn, or joining a zone to itself.
    """
    tree = _tree(zones)
    links = _checked_conduits(conduits, tree)
    lines = [
        'digraph "Zone and conduit diagram" {',
        f"  graph [newrank=true compound=true rankdir=TB nodesep=0.35 ranksep=0.45 fontname={_q(FONT)} "
        f'fontsize=10 labelloc=b labeljust=l bgcolor="white" pad=0.2];',
        f'  node [fontname={_q(FONT)} fontsize=10 shape=box style="rounded,filled" margin="0.12,0.06"];',
        f'  edge [fontname={_q(FONT)} fontsize=9 dir=none color="#c0572b" fontcolor="#5a2a12" penwidth=1.6];',
    ]
    if not tree.zones:
        lines.append('  empty [shape=plaintext style="" label="No zones yet." fontcolor="#555555"];')
    for zone in tree.roots:
        lines += _zone_lines(zone, tree, "  ")
    lines += _band_lines(tree)
    lines += [_conduit_line(conduit, tree) for conduit in links]
    if tree.zones:
        lines.append(f"  label={_legend(tree, sl_a_source)};")
    lines.append("}")
    return ZoneDot("\n".join(lines) + "\n", tree.titles)


def _anchor(zone: DiagramZone, tree: _Tree) -> str:
    """The node a zone's conduits and band edges attach to (a zone with children: the box of its own assets)."""
    return tree.names[zone.id]


def _cluster(zone: DiagramZone, tree: _Tree) -> str:
    return "cluster_" + tree.names[zone.id]


def _zone_lines(zone: DiagramZone, tree: _Tree, indent: str) -> list[str]:
    state = standing(zone.sl_t, zone.sl_a)
    common = {"class": "zone", **_identity(_dom_id("zone", zone.id), zone.name, zone.url, tree)}
    children = tree.children.get(zone.id)
    if not children:
        attrs = {**common, "fillcolor": state.fill, "color": state.border, **_outline(state)}
        return [f"{indent}{tree.names[zone.id]} [label={_zone_label(zone)} {_attrs(attrs)}];"]
    cluster_attrs = {
        **common,
        "style": "rounded,filled" + (",dashed" if state is Standing.NO_TARGET else ""),
        "fillcolor": _lighter(state.fill),
        "color": state.border,
        "penwidth": "1.6",
        "labeljust": "l",
        "labelloc": "t",
        "margin": "10",
    }
    own = {
        "class": "zone-own",
        **_identity(_dom_id("zone-own", zone.id), f"{zone.name}: its own assets", zone.url, tree),
        "fillcolor": state.fill,
        "color": state.border,
        **_outline(state),
    }
    lines = [
        f"{indent}subgraph {_cluster(zone, tree)} {{",
        f"{indent}  graph [label={_zone_label(zone, with_assets=False)} {_attrs(cluster_attrs)}];",
        f"{indent}  {_anchor(zone, tree)} [label={_own_assets_label(zone)} {_attrs(own)}];",
    ]
    for child in children:
        lines += _zone_lines(child, tree, indent + "  ")
    lines.append(f"{indent}}}")
    return lines


def _identity(dom_id: str, title: str, url: str, tree: _Tree) -> dict[str, str]:
    """A drawn object's id, its link, and its tooltip: the id for now, the SVG gets the full name later."""
    tree.titles[dom_id] = _tooltip(title)
    return {"id": dom_id, "tooltip": dom_id, **({"href": url} if url else {})}


def _outline(state: Standing) -> dict[str, str]:
    return {"style": "rounded,filled,dashed"} if state is Standing.NO_TARGET else {}


def _band_lines(tree: _Tree) -> list[str]:
    """Invisible band nodes in a chain; each zone below its band's node and above the next band's."""
    used = sorted({band_of(zone.kind) for zone in tree.zones.values()})
    lines = []
    for band in used:
        lines.append(f'  band{band} [shape=point style=invis width=0 height=0 label=""];')
    following = dict(itertools.pairwise(used))
    for upper, lower in following.items():
        lines.append(f"  band{upper} -> band{lower} [style=invis];")
    for zone in sorted(tree.zones.values(), key=lambda z: tree.names[z.id]):
        band = band_of(zone.kind)
        node = _anchor(zone, tree)
        lines.append(f"  band{band} -> {node} [style=invis weight=0];")
        if band in following:
            lines.append(f"  {node} -> band{following[band]} [style=invis weight=0];")
    return lines


def _conduit_line(conduit: DiagramConduit, tree: _Tree) -> str:
    upper, lower = tree.zones[conduit.zone_a], tree.zones[conduit.zone_b]
    if band_of(lower.kind) < band_of(upper.kind):
        upper, lower = lower, upper  # drawn downwards, so the Purdue bands stay in order
    attrs = {"class": "conduit", **_identity(_dom_id("conduit", conduit.id), conduit.name, conduit.url, tree)}
    attrs["labeltooltip"] = attrs["tooltip"]
    # a conduit of a zone drawn as a cluster ends at the cluster's border, unless it joins the zone to one
    # of its own children (then it runs inside the cluster, to the box of the zone's own assets)
    if upper.id in tree.children and upper.id not in tree.ancestors(lower.id):
        attrs["ltail"] = _cluster(upper, tree)
    if lower.id in tree.children and lower.id not in tree.ancestors(upper.id):
        attrs["lhead"] = _cluster(lower, tree)
    return (
        f"  {_anchor(upper, tree)} -> {_anchor(lower, tree)} "
        f"[label={_conduit_label(conduit)} {_attrs(attrs)}];"
    )


# ------------------------------------------------------------------------------------------------ labels


def _zone_label(zone: DiagramZone, *, with_assets: bool = True) -> str:
    rows = [_bold(line) for line in _wrap(zone.name, NAME_LINE_CHARS, NAME_LINES)]
    facts = [zone.kind.upper() if zone.kind == "dmz" else zone.kind.capitalize(), sl_t_label(zone.sl_t)]
    rows.append(_small(" · ".join(fact for fact in facts if fact), "#333333"))
    if zone.sl_t and zone.sl_a:
        rows.append(_small(f"SL-A {_levels(zone.sl_a)}", "#333333"))
        rows.append(_small(gap_label(zone.sl_t, zone.sl_a), standing(zone.sl_t, zone.sl_a).border))
    if with_assets:
        rows += [_small(line, colour) for line, colour in _asset_lines(zone)]
    return _table(rows)


def _own_assets_label(zone: DiagramZone) -> str:
    return _table([_small(line, colour) for line, colour in _asset_lines(zone, empty="no assets of its own")])


def _asset_lines(zone: DiagramZone, empty: str = "no assets") -> list[tuple[str, str]]:
    assets = sorted(zone.assets, key=lambda name: (name.casefold(), name))
    if not assets:
        return [(empty, "#777777")]
    if len(assets) > ASSETS_SHOWN:
        shown = [(_truncate(name, ASSET_CHARS), "#222222") for name in assets[: ASSETS_SHOWN - 1]]
        return [*shown, (f"+{len(assets) - ASSETS_SHOWN + 1} more", "#777777")]
    return [(_truncate(name, ASSET_CHARS), "#222222") for name in assets]


def _conduit_label(conduit: DiagramConduit) -> str:
    lines = [_bold(line) for line in _wrap(conduit.name, LABEL_LINE_CHARS, 2)]
    if conduit.protocols:
        lines += [_html(line) for line in _wrap(", ".join(conduit.protocols), LABEL_LINE_CHARS, 2)]
    if conduit.security_device:
        lines += [_html(line) for line in _wrap(f"via {conduit.security_device}", LABEL_LINE_CHARS, 2)]
    return "<" + "<br/>".join(line for line in lines if line) + ">"


def _legend(tree: _Tree, sl_a_source: str) -> str:
    used = {standing(zone.sl_t, zone.sl_a) for zone in tree.zones.values()}
    rows = [_legend_row("", "<b>Zone colour</b>")]
    for state in Standing:
        swatch = (
            f'<td bgcolor="{state.fill}" border="1" color="{state.border}" fixedsize="true" width="18" '
            'height="12"></td>'
        )
        rows.append(_legend_row(swatch, _html(state.meaning + ("" if state in used else " (none here)"))))
    source = sl_a_source or "SL-A: no IEC 62443-3-3 assessment of these zones"
    rows.append(_legend_row("", _html(_truncate(_one_line(source), 120))))
    bands = "Bands, top to bottom: " + ", ".join(title for title, _kinds in BANDS)
    rows.append(_legend_row("", _html(bands)))
    return '<<table border="0" cellspacing="3" cellpadding="1">' + "".join(rows) + "</table>>"


def _legend_row(swatch: str, text: str) -> str:
    return f'<tr>{swatch or "<td></td>"}<td align="left">{text}</td></tr>'


def _table(rows: list[str]) -> str:
    cells = "".join(f'<tr><td align="left">{row}</td></tr>' for row in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'


def _bold(text: str) -> str:
    # Graphviz refuses an empty element (<b></b>) in a label: a blank name is no text at all
    return f"<b>{_html(text)}</b>" if text else ""


def _small(text: str, colour: str) -> str:
    return f'<font point-size="9" color="{colour}">{_html(text)}</font>' if text else ""


def _lighter(colour: str) -> str:
    """The colour mixed half with white: a cluster's background, so the boxes inside it stand out."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(value + 255) // 2:02x}" for value in (red, green, blue))


# ------------------------------------------------------------------------------------------------ text

# characters XML 1.0 cannot carry (and Graphviz's HTML-label parser refuses); a name holding one must not
# make the whole drawing fail
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\n\r\u0085\u2028\u2029]+")


def _one_line(value: str) -> str:
    return _NOT_XML.sub("\ufffd", _BREAKS.sub(" ", value))


def _html(value: str) -> str:
    """Text for a Graphviz HTML-like label: one line, XML-escaped (no markup), backslashes doubled (no escape).

    `]` is written as a character reference: Graphviz 2.43 refuses a text that is only `]`."""
    return escape(_one_line(value), {'"': "&quot;", "]": "&#93;"}).replace("\\", "\\\\")


def _q(value: str) -> str:
    """A DOT quoted string for a value of ours (an id, a colour, a path): backslashes and quotes escaped."""
    return '"' + _one_line(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attrs(attrs: dict[str, str]) -> str:
    return " ".join(f"{name}={_q(value)}" for name, value in attrs.items())


def _tooltip(value: str) -> str:
    return _truncate(_one_line(value), TOOLTIP_CHARS)


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _wrap(value: str, width: int, max_lines: int) -> list[str]:
    """Up to ``max_lines`` lines of at most ``width`` characters, broken at spaces where possible (runs of
    spaces count as one, as in HTML)."""
    words = _one_line(value).split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a word longer than a line is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _truncate(" ".join(lines[max_lines - 1 :]), width)]
    return lines


def _dom_id(prefix: str, value: Hashable) -> str:
    # every other character is spelled out, so two different ids never meet in one DOM id
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9-]", lambda match: f"_{ord(match.group()):x}_", str(value))
