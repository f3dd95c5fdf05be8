"""What the parser tests share: the samples, and a reordering of sibling elements in an XML file."""

from __future__ import annotations

import random
from pathlib import Path

from lxml import etree

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def shuffle_children(
    data: bytes, xpath: str, rng: random.Random, namespaces: dict[str, str] | None = None
) -> bytes:
    """``data`` with the element children of every element matching ``xpath`` in a random order."""
    root = etree.fromstring(data)
    parents = root.xpath(xpath, namespaces=namespaces or {})
    assert parents, f"{xpath} matches nothing: the test would prove nothing"
    for parent in parents:
        children = [child for child in parent if isinstance(child.tag, str)]
        for child in children:
            parent.remove(child)
        rng.shuffle(children)
        for child in children:
            parent.append(child)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
