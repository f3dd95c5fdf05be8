"""Graphviz's `dot` as a subprocess, and the SVG it writes made safe to inline (plain Python: no Django).

`dot` (Debian's graphviz package; `make run-deps` installs it) is run without a shell, the DOT source on
stdin and the SVG on stdout, with a timeout. A missing program, a timeout or a failed layout raise
``LayoutUnavailable`` with a sentence for the page. The child gets a minimal environment with SERVER_NAME set,
which makes Graphviz refuse to read any file (images, shape files) named in a graph.

The SVG is parsed again (no DTD, no entities, no network) and only known SVG elements and attributes are kept:
no script, no event handler, no style, no foreign object, links only to paths of this site. Each drawn zone
and conduit gets its full name as ``<title>`` (a browser shows it on hover, a screen reader reads it).

Layouts are kept in a small in-process cache keyed by the SHA-256 of the DOT source: the source holds
everything drawn, so an entry is never stale, and another worker without it just runs `dot` again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from lxml import etree

DOT_PROGRAM = "dot"
DOT_TIMEOUT_SECONDS = 20.0
CACHE_ENTRIES = 32

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XLINK_HREF = f"{{{XLINK_NS}}}href"
XLINK_TITLE = f"{{{XLINK_NS}}}title"

# what Graphviz's SVG renderer writes for our graphs; anything else is dropped
ALLOWED_ELEMENTS = frozenset({"svg", "g", "title", "a", "path", "polygon", "polyline", "ellipse", "text"})
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id", "class", "width", "height", "viewBox", "transform", "points", "d", "x", "y", "cx", "cy", "rx",
        "ry", "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity",
        "text-anchor", "font-family", "font-size", "font-weight", "font-style", "text-decoration",
        XLINK_HREF, XLINK_TITLE,
    }
)  # fmt: skip
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.~%-]*")

logger = logging.getLogger(__name__)


class LayoutUnavailable(Exception):
    """The diagram cannot be drawn now; the message says why, in a sentence for the page."""


_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = threading.Lock()


def dot_svg(source: str, *, timeout: float = DOT_TIMEOUT_SECONDS) -> str:
    """The SVG `dot` draws for ``source``, exactly as `dot` wrote it (see ``clean_svg``)."""
    key = hashlib.sha256(source.encode("utf-8")).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    svg = _run_dot(source, timeout)
    with _cache_lock:
        _cache[key] = svg
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return svg


def _run_dot(source: str, timeout: float) -> str:
    program = shutil.which(DOT_PROGRAM)
    if program is None:
        raise LayoutUnavailable(
            "Graphviz is not installed on the server, so the diagram cannot be drawn "
            "(the `dot` program of Debian's graphviz package; `make run-deps` installs it)."
        )
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and argument list, no shell, input on stdin
            [program, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
            env=_child_environment(),
        )
    except subprocess.TimeoutExpired as exc:
        raise LayoutUnavailable(f"Graphviz took longer than {timeout:g} s to lay out the diagram.") from exc
    except OSError as exc:
        raise LayoutUnavailable(f"Graphviz's `dot` could not be started ({exc.strerror}).") from exc
    problems = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout:
        logger.error("dot failed (exit %s): %s", done.returncode, problems[:2000])
        raise LayoutUnavailable(f"Graphviz could not lay out the diagram: {problems[:200] or 'no output'}")
    if problems:
        logger.warning("dot: %s", problems[:2000])
    return done.stdout.decode("utf-8")


def _child_environment() -> dict[str, str]:
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "SERVER_NAME": "otcsms"}
    if "HOME" in os.environ:  # fontconfig keeps its cache there
        environment["HOME"] = os.environ["HOME"]
    return environment


def clean_svg(svg: str, titles: Mapping[str, str]) -> str:
    """The SVG with only known elements and attributes, local links, and each object's full name as title.

    ``titles`` maps the id of a drawn object's group (``zone-12``) to the text of its ``<title>`` and links.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
    )
    root = etree.fromstring(svg.encode("utf-8"), parser)
    if _local_name(root) != "svg" or etree.QName(root).namespace != SVG_NS:
        raise LayoutUnavailable("Graphviz wrote something other than an SVG drawing.")
    for element in list(root.iter()):
        if element is not root and not _allowed(element):
            _drop(element)
            continue
        for name in list(element.attrib):
            if name not in ALLOWED_ATTRIBUTES or (name == XLINK_HREF and not _local(element.get(name))):
                del element.attrib[name]
    for group in root.iter(f"{{{SVG_NS}}}g"):
        title = titles.get(group.get("id", ""))
        if title is not None:
            _name(group, title)
    graph_title = root.find(f"{{{SVG_NS}}}g/{{{SVG_NS}}}title")
    if graph_title is not None and root.find(f"{{{SVG_NS}}}title") is None:
        _name_drawing(root, graph_title.text or "")
    # what was removed (comments, invisible nodes) leaves empty lines; no text of ours holds a line break
    return re.sub(r"\n\s*\n", "\n", str(etree.tostring(root, encoding="unicode"))) + "\n"


def _allowed(element: Any) -> bool:
    return (
        isinstance(element.tag, str)
        and etree.QName(element).namespace == SVG_NS
        and _local_name(element) in ALLOWED_ELEMENTS
        and _local_name(element) != "svg"
    )


def _drop(element: Any) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _local(href: str | None) -> bool:
    return href is not None and LOCAL_PATH.fullmatch(href) is not None


def _local_name(element: Any) -> str:
    return str(etree.QName(element).localname)


def _name_drawing(root: Any, title: str) -> None:
    """The graph's name (Graphviz puts it in its first group) as the drawing's accessible name too."""
    element = etree.Element(f"{{{SVG_NS}}}title")
    element.text = title
    element.tail = "\n"
    root.insert(0, element)


def _name(group: Any, title: str) -> None:
    """The group's ``<title>`` (Graphviz writes the node's generated name there) and its links say ``title``."""
    first = group.find(f"{{{SVG_NS}}}title")
    if first is None:
        first = etree.Element(f"{{{SVG_NS}}}title")
        group.insert(0, first)
    first.text = title
    for link in group.iter(f"{{{SVG_NS}}}a"):
        link.set(XLINK_TITLE, title)
