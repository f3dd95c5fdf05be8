"""The zone and conduit diagram of a site, drawn on the server as SVG (no JavaScript, no external assets).

Zones are boxes showing their name, their SL-T vector and the assets inside them; conduits are lines between
the boxes labelled with their protocols and security device. Child zones sit in the layer below their parent;
each layer wraps into rows of at most `ZONES_PER_ROW` boxes. The same input always gives the same SVG text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

ZONES_PER_ROW = 4
ASSETS_SHOWN = 8
BOX_WIDTH = 240
COLUMN_GAP = 140
ROW_GAP = 130
MARGIN = 40
LINE_HEIGHT = 15
HEADER_HEIGHT = 46
NAME_CHARS = 30
ASSET_CHARS = 34
LABEL_CHARS = 40
CHAR_WIDTH = 6.3  # average width of a 11px sans-serif character, to size label backgrounds
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

ZoneId = Hashable


@dataclass(frozen=True, slots=True)
class DiagramZone:
    id: ZoneId
    name: str
    sl_t: Sequence[int] | None
    assets: Sequence[str] = ()
    parent: ZoneId | None = None


@dataclass(frozen=True, slots=True)
class DiagramConduit:
    id: Hashable
    name: str
    zone_a: ZoneId
    zone_b: ZoneId
    protocols: Sequence[str] = ()
    security_device: str = ""


@dataclass(frozen=True, slots=True)
class _Box:
    zone: DiagramZone
    row: int
    column: int
    x: float
    y: float
    height: float

    @property
    def center(self) -> tuple[float, float]:
        return self.x + BOX_WIDTH / 2, self.y + self.height / 2


def render_zone_diagram(zones: Iterable[DiagramZone], conduits: Iterable[DiagramConduit]) -> str:
    """An SVG document drawing the zones as labelled boxes and the conduits as labelled lines between them.

    Raises ValueError for a conduit naming a zone that is not drawn, or joining a zone to itself.
    """
    conduit_list = list(conduits)
    boxes = _place(_layout_order(list(zones), conduit_list))
    links = _checked_conduits(conduit_list, boxes)
    width = MARGIN * 2 + _columns_used(boxes) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP if boxes else 320
    height = max((box.y + box.height for box in boxes.values()), default=60) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" font-family="{_attr(FONT)}" font-size="11">',
        "<title>Zone and conduit diagram</title>",
        f"<desc>{len(boxes)} zones, {len(links)} conduits</desc>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    if not boxes:
        parts.append(f'<text x="{MARGIN}" y="{MARGIN}" fill="#555555">No zones yet.</text>')
    lines, labels = _conduit_parts(links, boxes)
    parts += lines
    parts += [_zone_part(box) for box in boxes.values()]
    parts += labels
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------------------------- layout


def _sort_key(zone: DiagramZone) -> tuple[str, str, str]:
    return zone.name.casefold(), zone.name, repr(zone.id)


def _layout_order(zones: list[DiagramZone], conduits: list[DiagramConduit]) -> list[list[DiagramZone]]:
    """Zones per layer: roots first, then each zone's children after their parent's position.

    Within a layer, zones joined by conduits sit next to each other, so most lines stay short.
    """
    by_id = {zone.id: zone for zone in zones}
    if len(by_id) != len(zones):
        raise ValueError("two zones share an id")
    neighbours: dict[ZoneId, set[ZoneId]] = {zone.id: set() for zone in zones}
    for conduit in conduits:
        if conduit.zone_a in neighbours and conduit.zone_b in neighbours:
            neighbours[conduit.zone_a].add(conduit.zone_b)
            neighbours[conduit.zone_b].add(conduit.zone_a)
    children: dict[ZoneId, list[DiagramZone]] = {}
    roots = []
    for zone in zones:
        if zone.parent is not None and zone.parent in by_id and not _in_parent_loop(zone, by_id):
            children.setdefault(zone.parent, []).append(zone)
        else:
            roots.append(zone)
    layers = [_connected_order(roots, neighbours)]
    while layers[-1]:
        layers.append(
            [
                child
                for zone in layers[-1]
                for child in _connected_order(children.get(zone.id, []), neighbours)
            ]
        )
    return layers[:-1]


def _connected_order(group: list[DiagramZone], neighbours: dict[ZoneId, set[ZoneId]]) -> list[DiagramZone]:
    """The zones of `group` in a row, each placed at the end nearer the neighbours already placed.

    Zones are taken breadth-first along their conduits from the most connected one, so it lands in the middle
    with its neighbours on both sides.
    """
    members = {zone.id: zone for zone in group}

    def rank(zone: DiagramZone) -> tuple[int, str, str, str]:
        return (-len(neighbours[zone.id] & members.keys()), *_sort_key(zone))

    row: list[DiagramZone] = []
    placed: set[ZoneId] = set()
    for start in sorted(group, key=rank):
        if start.id in placed:
            continue
        queue = [start]
        placed.add(start.id)
        while queue:
            zone = queue.pop(0)
            _place_at_nearer_end(row, zone, neighbours[zone.id])
            for neighbour in sorted((members[i] for i in neighbours[zone.id] if i in members), key=rank):
                if neighbour.id not in placed:
                    placed.add(neighbour.id)
                    queue.append(neighbour)
    return row


def _place_at_nearer_end(row: list[DiagramZone], zone: DiagramZone, linked: set[ZoneId]) -> None:
    positions = [index for index, other in enumerate(row) if other.id in linked]
    if positions and sum(positions) / len(positions) < (len(row) - 1) / 2:
        row.insert(0, zone)
    else:
        row.append(zone)


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


def _place(layers: list[list[DiagramZone]]) -> dict[ZoneId, _Box]:
    boxes: dict[ZoneId, _Box] = {}
    y = float(MARGIN + 50)  # room above the first row for conduits that arc over it
    row = 0
    for layer in layers:
        for start in range(0, len(layer), ZONES_PER_ROW):
            chunk = layer[start : start + ZONES_PER_ROW]
            height = max(_box_height(zone) for zone in chunk)
            for column, zone in enumerate(chunk):
                x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP)
                boxes[zone.id] = _Box(zone, row, column, x, y, height)
            y += height + ROW_GAP
            row += 1
    return boxes


def _columns_used(boxes: dict[ZoneId, _Box]) -> int:
    return max(box.column for box in boxes.values()) + 1


def _asset_lines(zone: DiagramZone) -> list[str]:
    assets = sorted(zone.assets, key=lambda name: (name.casefold(), name))
    if len(assets) <= ASSETS_SHOWN:
        return assets
    return [*assets[: ASSETS_SHOWN - 1], f"+{len(assets) - ASSETS_SHOWN + 1} more"]


def _box_height(zone: DiagramZone) -> float:
    return HEADER_HEIGHT + max(len(_asset_lines(zone)), 1) * LINE_HEIGHT + 10


# ------------------------------------------------------------------------------------------------ zones


def _zone_part(box: _Box) -> str:
    zone = box.zone
    x, y = box.x, box.y
    lines = [
        f'<g class="zone" id="{_attr(_dom_id("zone", zone.id))}">',
        f"<title>{_text(zone.name)}</title>",
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{BOX_WIDTH}" height="{_n(box.height)}" rx="6" '
        'fill="#f4f8fb" stroke="#2b5d80" stroke-width="1.5"/>',
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{BOX_WIDTH}" height="{HEADER_HEIGHT - 8}" rx="6" '
        'fill="#dbe8f2"/>',
        f'<text x="{_n(x + 10)}" y="{_n(y + 17)}" font-size="13" font-weight="bold" fill="#13334a">'
        f"{_text(_truncate(zone.name, NAME_CHARS))}</text>",
        f'<text x="{_n(x + 10)}" y="{_n(y + 32)}" fill="#2b5d80">{_text(sl_t_label(zone.sl_t))}</text>',
    ]
    assets = _asset_lines(zone) or ["no assets"]
    muted = not zone.assets
    for index, name in enumerate(assets):
        more = index == ASSETS_SHOWN - 1 and len(zone.assets) > ASSETS_SHOWN
        colour = "#777777" if muted or more else "#222222"
        line_y = y + HEADER_HEIGHT + 6 + index * LINE_HEIGHT
        shown = _text(_truncate(name, ASSET_CHARS))
        lines.append(f'<text x="{_n(x + 12)}" y="{_n(line_y)}" fill="{colour}">{shown}</text>')
    lines.append("</g>")
    return "\n".join(lines)


def sl_t_label(sl_t: Sequence[int] | None) -> str:
    """SL-T in a few characters: `SL-T 2` when all seven FRs agree, else `SL-T 2·2·1·3·1·1·2`."""
    if not sl_t:
        return "SL-T not set"
    levels = [str(level) for level in sl_t]
    return f"SL-T {levels[0]}" if len(set(levels)) == 1 else "SL-T " + "·".join(levels)


# --------------------------------------------------------------------------------------------- conduits


def _checked_conduits(conduits: list[DiagramConduit], boxes: dict[ZoneId, _Box]) -> list[DiagramConduit]:
    for conduit in conduits:
        for end in (conduit.zone_a, conduit.zone_b):
            if end not in boxes:
                raise ValueError(f"conduit {conduit.name!r} names zone {end!r}, which is not in the diagram")
        if conduit.zone_a == conduit.zone_b:
            raise ValueError(f"conduit {conduit.name!r} joins zone {conduit.zone_a!r} to itself")
    return sorted(conduits, key=lambda conduit: (conduit.name.casefold(), conduit.name, repr(conduit.id)))


def _pair_key(conduit: DiagramConduit, boxes: dict[ZoneId, _Box]) -> tuple[tuple[int, int], tuple[int, int]]:
    a, b = boxes[conduit.zone_a], boxes[conduit.zone_b]
    return tuple(sorted([(a.row, a.column), (b.row, b.column)]))  # type: ignore[return-value]


def _conduit_parts(conduits: list[DiagramConduit], boxes: dict[ZoneId, _Box]) -> tuple[list[str], list[str]]:
    """SVG for the conduit lines (drawn under the boxes) and their labels (drawn over them)."""
    groups: dict[tuple[tuple[int, int], tuple[int, int]], list[DiagramConduit]] = {}
    for conduit in conduits:
        groups.setdefault(_pair_key(conduit, boxes), []).append(conduit)
    lines: list[str] = []
    labels: list[str] = []
    taken: list[Rect] = [(box.x, box.y, BOX_WIDTH, box.height) for box in boxes.values()]
    for group in groups.values():
        for index, conduit in enumerate(group):
            offset = (index - (len(group) - 1) / 2) * 16
            path, label_at = _route(boxes[conduit.zone_a], boxes[conduit.zone_b], offset)
            lines.append(
                f'<path class="conduit" id="{_attr(_dom_id("conduit", conduit.id))}" d="{path}" fill="none" '
                f'stroke="#c0572b" stroke-width="2"><title>{_text(conduit.name)}</title></path>'
            )
            labels.append(_label_part(conduit, label_at, taken))
    return lines, labels


def _route(a: _Box, b: _Box, offset: float) -> tuple[str, tuple[float, float]]:
    """The path between two boxes and where its label goes; arcs around the boxes between them in a row."""
    if a.row == b.row and abs(a.column - b.column) > 1:
        return _arc(a, b, offset, over=True)
    if a.column == b.column and abs(a.row - b.row) > 1:
        return _arc(a, b, offset, over=False)
    (ax, ay), (bx, by) = a.center, b.center
    length = math.hypot(bx - ax, by - ay) or 1.0
    nx, ny = -(by - ay) / length * offset, (bx - ax) / length * offset
    start = _border_point(a, ax + nx, ay + ny, bx + nx, by + ny)
    end = _border_point(b, bx + nx, by + ny, ax + nx, ay + ny)
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    return f"M {_n(start[0])} {_n(start[1])} L {_n(end[0])} {_n(end[1])}", middle


def _arc(a: _Box, b: _Box, offset: float, *, over: bool) -> tuple[str, tuple[float, float]]:
    if over:  # same row: leave from the top edges and bend up into the gap above the row
        y = min(a.y, b.y)
        x1, x2 = a.center[0] + offset, b.center[0] + offset
        lift = max(20.0, 36 + abs(a.column - b.column) * 6 + offset)
        path = f"M {_n(x1)} {_n(y)} C {_n(x1)} {_n(y - lift)} {_n(x2)} {_n(y - lift)} {_n(x2)} {_n(y)}"
        return path, ((x1 + x2) / 2, y - lift * 0.75)
    # same column: leave from the right edges and bend into the gap to the right
    x = a.x + BOX_WIDTH
    y1, y2 = a.center[1] + offset, b.center[1] + offset
    reach = max(24.0, 44 + abs(a.row - b.row) * 6 + offset)
    path = f"M {_n(x)} {_n(y1)} C {_n(x + reach)} {_n(y1)} {_n(x + reach)} {_n(y2)} {_n(x)} {_n(y2)}"
    return path, (x + reach * 0.75, (y1 + y2) / 2)


def _border_point(box: _Box, x: float, y: float, towards_x: float, towards_y: float) -> tuple[float, float]:
    """Where the segment from (x, y) inside the box towards another point leaves the box."""
    dx, dy = towards_x - x, towards_y - y
    scales = []
    if dx:
        scales.append(((box.x + BOX_WIDTH if dx > 0 else box.x) - x) / dx)
    if dy:
        scales.append(((box.y + box.height if dy > 0 else box.y) - y) / dy)
    scale = min((s for s in scales if s >= 0), default=0.0)
    return x + dx * scale, y + dy * scale


def _label_lines(conduit: DiagramConduit) -> list[str]:
    lines = [_truncate(conduit.name, LABEL_CHARS)]
    if conduit.protocols:
        lines.append(_truncate(", ".join(conduit.protocols), LABEL_CHARS))
    if conduit.security_device:
        lines.append(_truncate(f"via {conduit.security_device}", LABEL_CHARS))
    return lines


Rect = tuple[float, float, float, float]  # x, y, width, height


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _free_spot(at: tuple[float, float], width: float, height: float, taken: list[Rect]) -> Rect:
    """A spot for a label near `at` that covers no other label and no zone box, if one is close by."""
    step = height / 2 + 3
    for shift in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6):
        spot = (at[0] - width / 2, at[1] - height / 2 + shift * step, width, height)
        # a spot above the top edge would be cut off: the drawing starts at y = 0
        if spot[1] >= 0 and not any(_overlaps(spot, other) for other in taken):
            return spot
    return (at[0] - width / 2, at[1] - height / 2, width, height)


def _label_part(conduit: DiagramConduit, at: tuple[float, float], taken: list[Rect]) -> str:
    lines = _label_lines(conduit)
    width = max(len(line) for line in lines) * CHAR_WIDTH + 10
    height = len(lines) * 13 + 6
    spot = _free_spot(at, width, height, taken)
    taken.append(spot)
    left, top = spot[0], spot[1]
    at = (left + width / 2, top + height / 2)
    parts = [
        '<g class="conduit-label">',
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" rx="3" '
        'fill="#fff7f2" stroke="#c0572b" stroke-width="0.75"/>',
    ]
    for index, line in enumerate(lines):
        weight = ' font-weight="bold"' if index == 0 else ""
        line_y = top + 14 + index * 13
        parts.append(
            f'<text x="{_n(at[0])}" y="{_n(line_y)}" text-anchor="middle" fill="#5a2a12"{weight}>'
            f"{_text(line)}</text>"
        )
    parts.append("</g>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------- text

# characters XML 1.0 cannot carry at all; a name holding one must not make the whole drawing unreadable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value), {'"': "&quot;", "'": "&apos;"})


def _dom_id(prefix: str, value: Hashable) -> str:
    # every other character is spelled out, so two different ids never meet in one DOM id
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9-]", lambda match: f"_{ord(match.group()):x}_", str(value))


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _n(value: float) -> str:
    """A coordinate with at most one decimal, written the same way every time."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"
