"""The one way the XML parsers read XML: hardened against hostile files, with size and depth limits.

Vendor exports are uploaded by users and fetched from devices, so every XML file is treated as hostile:
- a document type declaration (``<!DOCTYPE``) is refused outright. None of the formats we read uses one, and
  it is the carrier of entity expansion (billion laughs), external entities (XXE: ``file:///etc/passwd``) and
  external DTD fetches;
- entities are never resolved, DTDs never loaded, the network never used, and libxml2's own limits on text node
  size and entity amplification stay on (``huge_tree=False``), whatever slips past the first check;
- a file over ``max_bytes`` is refused before it is read, a tree deeper than ``max_depth`` after.

Also the small helpers the parsers share: local names and a fingerprint of an element (the SHA-256 of its
normalised content) for logic that is compared by checksum rather than kept in full.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from lxml import etree

from otcsms.configs.parsers import MAX_BYTES, ParseError

MAX_DEPTH = 128  # the deepest real export we know (nested L5X structures, SCL SDIs) stays well under 40


def _parser() -> etree.XMLParser:
    # A new parser for every document: an lxml parser must not be shared between threads (the server parses
    # uploads in several at once), and making one costs microseconds.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


# The prolog: byte order mark, XML declaration, comments, processing instructions, blanks; then a DOCTYPE?
_DOCTYPE_IN_PROLOG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL | re.IGNORECASE
)
_ROOT_NAME = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", re.DOTALL
)


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """The root element of ``data``, or ParseError (one line) for hostile, oversized or malformed XML."""
    if len(data) > max_bytes:
        raise ParseError(f"XML of {len(data)} bytes is over the {max_bytes} byte limit")
    if _DOCTYPE_IN_PROLOG.match(data, 0, 64 * 1024):
        raise ParseError(
            "XML with a document type declaration (<!DOCTYPE>) is refused: entities and DTDs are unsafe"
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {_syntax_message(exc)}") from None
    if root is None:  # recover mode is off, so only an empty document gets here
        raise ParseError("empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # a UTF-16 prolog hides it from the byte check
        raise ParseError(
            "XML with a document type declaration (<!DOCTYPE>) is refused: entities and DTDs are unsafe"
        )
    if _deeper_than(root, max_depth):
        raise ParseError(f"XML nested deeper than {max_depth} levels is refused")
    return root


@contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large export becomes dicts (it found nothing to free and cost a
    third of the time on a 20 MB NodeSet); back on, when it was on, however the parse ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def root_name(head: bytes) -> str | None:
    """The local name of the root element from the first bytes of a file (for sniffing), or None."""
    found = _ROOT_NAME.match(head)
    return found.group(2).decode("ascii") if found else None


def local(tag: object) -> str:
    """``{namespace}Name`` -> ``Name`` (comments and other non-element nodes have a non-string tag)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(element: etree._Element) -> str:
    """The ``{namespace}`` prefix of an element's tag, '' when it has none: to build qualified tags quickly."""
    tag = element.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def fingerprint(element: etree._Element, ignore: Iterable[str] = ()) -> str:
    """SHA-256 of an element's normalised content: tags without namespaces, attributes sorted, text stripped,
    children in document order (order is meaning in logic), elements named in ``ignore`` left out
    (comments and descriptions, which do not change what the logic does)."""
    digest = hashlib.sha256()
    skip = frozenset(ignore)
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        name = local(node.tag)
        if not name or name in skip:
            if event == "start":
                walker.skip_subtree()
            continue
        if event == "start":
            attributes = "\x1f".join(f"{local(k)}={v}" for k, v in sorted(node.attrib.items()))
            digest.update(f"<{name}\x1e{attributes}\x1e{_words(node.text)}".encode())
        else:
            digest.update(f">{_words(node.tail) if node is not element else ''}".encode())
    return digest.hexdigest()


def _words(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


_DECLARED_ENCODING = re.compile(rb"""\A<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_FOUR_BYTE_LEAD = re.compile(rb"[\xf0-\xf7]")


def bmp_only(data: bytes) -> bool:
    """True only when the XML in ``data`` can hold no character outside the Basic Multilingual Plane: UTF-8
    (no byte order mark of another encoding, no other encoding declared), no four-byte sequence and no
    character reference (``&#...;`` could name any character). False means "maybe": the caller checks."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return False
    head = data[3:200] if data.startswith(b"\xef\xbb\xbf") else data[:200]
    declared = _DECLARED_ENCODING.match(head)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return False
    # Two scans that stay in C at memory speed: ``in`` is a fast substring search, and pure ASCII (the usual
    # export) needs no byte-class search at all (one alternation over 20 MB took a fifth of a NodeSet's parse).
    if b"&#" in data:
        return False
    return data.isascii() or _FOUR_BYTE_LEAD.search(data) is None


def _deeper_than(root: etree._Element, max_depth: int) -> bool:
    # XPath walks the tree in C: an element max_depth child steps below the root is at level max_depth + 1.
    return bool(root.xpath("boolean(" + "*/" * (max_depth - 1) + "*)"))


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    message = str(exc.msg or exc).split(", line ")[0].strip().rstrip(".")
    if "Excessive depth" in message:
        return "nested deeper than libxml2's limit of 256 levels"
    if "amplification" in message or "entity" in message.lower():
        return f"entity expansion refused ({message})"
    line = exc.lineno or (exc.position[0] if exc.position else 0)
    return f"{message} at line {line}" if line else message
