"""NIST CSF 2.0: the Core from NIST's own OSCAL catalog, the otcsms CSF 1.1 -> 2.0 correspondence, and the
62443 -> CSF 2.0 sets composed from the CSF 1.1 informative references through that correspondence.

Current or withdrawn. NIST's CSF 2.0 OSCAL catalog also lists the CSF 1.1 categories and subcategories that 2.0
withdrew, without a status prop or a link (no `status`, no `moved-to`). What tells them apart:

- a category is current when its statement is not empty: the 12 withdrawn CSF 1.1 categories (ID.BE, PR.AC, ...)
  carry an empty statement part;
- a subcategory is current when its category is current and it has at least one implementation example
  (`part name="example"`): NIST wrote examples for every CSF 2.0 subcategory, and the withdrawn ones keep their
  CSF 1.1 wording with no example — this is the only signal for the withdrawn subcategories of categories 2.0
  kept (ID.AM-06, PR.DS-03, DE.CM-04, RS.AN-01, ...).

The id pattern does not help (the file writes CSF 1.1 ids zero-padded too: PR.AC-01). The build checks the rule
against facts it does not use: 6 functions, 22 categories and 106 subcategories (CSWP 29); every withdrawn
element is a CSF 1.1 id; every CSF 1.1 subcategory is either listed as withdrawn or kept under its number;
no withdrawn element carries a CSF 2.0 risk-party prop.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from library_build.common import (
    HAND_WRITTEN,
    OTCSMS_LICENCE,
    framework_document,
    mapping_set_document,
    provenance,
    read_tsv,
    requirement,
)
from otcsms.catalogs import libformat, oscal

CSF2_FILE = Path("nist") / "NIST_CSF_v2.0_catalog.xml"
CORRESPONDENCE_FILE = "csf11_to_csf20.tsv"
CSF11 = "nist-csf-1-1"
CSF20 = "nist-csf-2-0"
CSWP29_COUNTS = {"function": 6, "category": 22, "subcategory": 106}
OSCAL_XML_NS = "{http://csrc.nist.gov/ns/oscal/1.0}"
# OSCAL XML elements that repeat, and the JSON key that holds them (as in the OSCAL JSON format).
_LISTS = {"group": "groups", "control": "controls", "part": "parts", "prop": "props", "link": "links"}
_CATEGORY = re.compile(r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}$")
_SUBCATEGORY = re.compile(r"^((GV|ID|PR|DE|RS|RC)\.[A-Z]{2})-(\d{2})$")
REVERSED = {"equal": "equal", "intersect": "intersect", "subset": "superset", "superset": "subset"}


# ---------------------------------------------------------------------------------------------- reading


def read_oscal_xml_catalog(path: Path) -> dict[str, Any]:
    """An OSCAL XML catalog in the shape of OSCAL JSON ({"catalog": {"metadata", "groups", ...}}): groups,
    controls, parts, props and links as lists, titles as one line, a part's paragraphs as its `prose`. Enough
    for oscal.statement_text and for reading NIST's catalogs; not a general OSCAL XML reader."""
    root = ElementTree.parse(path).getroot()
    if root.tag != f"{OSCAL_XML_NS}catalog":
        raise SystemExit(f"{path}: not an OSCAL catalog (root element {root.tag})")
    catalog = _element(root)
    metadata = root.find(f"{OSCAL_XML_NS}metadata")
    if metadata is None:
        raise SystemExit(f"{path}: no metadata")
    catalog["metadata"] = {
        _local(child.tag): _one_line(child) for child in metadata if _local(child.tag) != "prop"
    } | {"props": [dict(p.attrib) for p in metadata.findall(f"{OSCAL_XML_NS}prop")]}
    return {"catalog": catalog}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _one_line(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def _element(element: Any) -> dict[str, Any]:
    node: dict[str, Any] = dict(element.attrib)
    paragraphs = []
    for child in element:
        tag = _local(child.tag)
        if tag == "title":
            node["title"] = _one_line(child)
        elif tag in _LISTS:
            node.setdefault(_LISTS[tag], []).append(_element(child))
        elif tag == "p":
            paragraphs.append(_one_line(child))
        elif tag == "remarks":
            node["remarks"] = _one_line(child)
    if _local(element.tag) == "part":
        node["prose"] = "\n\n".join(p for p in paragraphs if p)
    return node


@dataclass
class CsfElement:
    id: str
    kind: str  # function, category, subcategory
    title: str
    text: str
    parent: str | None
    sort_id: str
    examples: int
    risk_party: bool
    current: bool = False


@dataclass
class Csf2Catalog:
    version: str
    last_modified: str
    elements: list[CsfElement] = field(default_factory=list)

    def current(self) -> list[CsfElement]:
        return [e for e in self.elements if e.current]

    def withdrawn(self) -> list[CsfElement]:
        return [e for e in self.elements if not e.current]

    def current_ids(self) -> set[str]:
        return {e.id for e in self.current()}

    def source(self) -> str:
        return (
            f"NIST CSF 2.0 Core (NIST CSWP 29) from NIST's OSCAL catalog NIST_CSF_v2.0_catalog.xml "
            f"(version {self.version}, last modified {self.last_modified[:10]})"
        )


def read_csf2(ref: Path, csf11_doc: dict[str, Any]) -> Csf2Catalog:
    document = read_oscal_xml_catalog(ref / CSF2_FILE)["catalog"]
    metadata = document["metadata"]
    catalog = Csf2Catalog(metadata.get("version", ""), metadata.get("last-modified", ""))
    for group in document.get("groups", []):
        if group.get("class") != "function":
            raise SystemExit(f"CSF 2.0 group {group.get('id')} is not a function")
        catalog.elements.append(_csf_element(group, "function", None))
        for category in group.get("controls", []):
            catalog.elements.append(_csf_element(category, "category", group["id"]))
            for subcategory in category.get("controls", []):
                catalog.elements.append(_csf_element(subcategory, "subcategory", category["id"]))
    current_categories = set()
    for element in catalog.elements:
        if element.kind == "function":
            element.current = True
        elif element.kind == "category":
            element.current = bool(element.text)
            if element.current:
                current_categories.add(element.id)
        else:
            element.current = element.parent in current_categories and element.examples > 0
    check_current_rule(catalog, csf11_doc)
    return catalog


def _csf_element(node: dict[str, Any], kind: str, parent: str | None) -> CsfElement:
    expected_class = {"function": "function", "category": "category", "subcategory": "subcategory"}[kind]
    if node.get("class") != expected_class:
        raise SystemExit(f"CSF 2.0 {node.get('id')}: class {node.get('class')!r}, expected {expected_class}")
    props = node.get("props", [])
    sort_id = next((p["value"] for p in props if p.get("name") == "sort-id"), "")
    parts = node.get("parts", [])
    if kind == "function":
        text = " ".join(p["prose"] for p in parts if p.get("name") == "overview")
    else:
        text = oscal.statement_text(parts, {})
    return CsfElement(
        id=node["id"],
        kind=kind,
        title=node.get("title", ""),
        text=" ".join(text.split()),
        parent=parent,
        sort_id=sort_id,
        examples=sum(1 for p in parts if p.get("name") == "example"),
        risk_party=any(p.get("name") == "risk-party" for p in props),
    )


def unpadded(csf2_style_id: str) -> str:
    """'PR.AC-01' -> 'PR.AC-1', the way CSF 1.1 (and the shipped nist-csf-1-1) writes it."""
    match = _SUBCATEGORY.match(csf2_style_id)
    return f"{match.group(1)}-{int(match.group(3))}" if match else csf2_style_id


def padded(csf11_id: str) -> str:
    """'PR.AC-1' -> 'PR.AC-01', the CSF 2.0 form of the same number."""
    base, _, number = csf11_id.partition("-")
    return f"{base}-{int(number):02d}" if number else base


def check_current_rule(catalog: Csf2Catalog, csf11_doc: dict[str, Any]) -> None:
    """Fail the build unless the current/withdrawn split matches facts the rule does not use."""
    counts = Counter(e.kind for e in catalog.current())
    if dict(counts) != CSWP29_COUNTS:
        raise SystemExit(f"CSF 2.0 current elements {dict(counts)}, CSWP 29 has {CSWP29_COUNTS}")
    ids = [e.id for e in catalog.elements]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"CSF 2.0 ids repeated: {sorted(i for i, n in Counter(ids).items() if n > 1)}")
    for element in catalog.current():
        pattern = {"function": re.compile(r"^(GV|ID|PR|DE|RS|RC)$"), "category": _CATEGORY}.get(
            element.kind, _SUBCATEGORY
        )
        if not pattern.match(element.id) or (element.parent and not element.id.startswith(element.parent)):
            raise SystemExit(f"CSF 2.0 current element {element.id} does not fit the 2.0 id pattern")
    csf11 = {r["id"]: r["kind"] for r in csf11_doc["framework"]["requirements"]}
    for element in catalog.withdrawn():
        if csf11.get(unpadded(element.id)) != element.kind:
            raise SystemExit(f"CSF 2.0 withdrawn {element.kind} {element.id} is not a CSF 1.1 {element.kind}")
        if element.risk_party:
            raise SystemExit(f"CSF 2.0 withdrawn {element.id} carries a CSF 2.0 risk-party prop")
    withdrawn = {unpadded(e.id) for e in catalog.withdrawn()}
    kept = {unpadded(e.id) for e in catalog.current()}
    for csf11_id, kind in csf11.items():
        if kind in ("category", "subcategory") and (csf11_id in withdrawn) == (csf11_id in kept):
            raise SystemExit(f"CSF 1.1 {csf11_id} is neither withdrawn nor kept (or both) in CSF 2.0")


# ---------------------------------------------------------------------------------------------- framework


def build_csf_2_0(catalog: Csf2Catalog) -> dict[str, Any]:
    source = catalog.source()
    current = sorted(catalog.current(), key=lambda e: (e.sort_id, e.id))
    children: dict[str | None, list[CsfElement]] = defaultdict(list)
    for element in current:
        children[element.parent].append(element)
    rows: list[dict[str, Any]] = []

    def add(element: CsfElement) -> None:
        # Subcategories have no title of their own in the Core: the statement is the outcome, shown as both.
        title = element.title.title() if element.kind == "function" else element.title
        if element.kind == "subcategory":
            title = element.text
        rows.append(
            requirement(
                element.id,
                element.parent,
                title,
                element.kind,
                element.kind == "subcategory",
                len(rows),
                text=element.text,
                provenance=provenance(f"{source}: {element.id}", True),
            )
        )
        for child in children.get(element.id, []):
            add(child)

    for function in children[None]:
        add(function)
    return framework_document(
        {
            "id": CSF20,
            "name": "NIST Cybersecurity Framework 2.0",
            "version": "2.0",
            "publisher": "NIST",
            "licence": "Public domain (US Government work); NIST OSCAL content CC0",
            "description": (
                "The CSF 2.0 Core (NIST CSWP 29, February 2024): 6 functions, 22 categories and 106 "
                "subcategories, with NIST's text (function overviews, category and subcategory statements). "
                "Subcategories are the assessable outcomes; a subcategory has no title of its own, so its "
                "statement is also its title. Built from NIST's OSCAL catalog, which also lists the CSF 1.1 "
                "categories and subcategories that 2.0 withdrew; those are left out (a category is current when "
                "its statement is not empty, a subcategory when its category is current and NIST gives it "
                "implementation examples). NIST's implementation examples are not included: the library format "
                "has no guidance field."
            ),
            "provenance": provenance(source, True),
        },
        rows,
    )


# ---------------------------------------------------------------------------------------------- 1.1 -> 2.0


@dataclass(frozen=True)
class Correspondence:
    source: str
    target: str
    relationship: str
    strength: int
    rationale: str


def read_correspondence() -> list[Correspondence]:
    rows = []
    for row in read_tsv(HAND_WRITTEN / CORRESPONDENCE_FILE):
        rows.append(
            Correspondence(
                row["source"], row["target"], row["relationship"], int(row["strength"]), row["rationale"]
            )
        )
    return rows


def check_correspondence(rows: list[Correspondence], csf11_doc: dict[str, Any], catalog: Csf2Catalog) -> None:
    csf11_subcategories = {
        r["id"] for r in csf11_doc["framework"]["requirements"] if r["kind"] == "subcategory"
    }
    current = {e.id for e in catalog.current() if e.kind == "subcategory"}
    problems = []
    for row in rows:
        if row.source not in csf11_subcategories:
            problems.append(f"{row.source}: not a CSF 1.1 subcategory")
        if row.target not in current:
            problems.append(f"{row.source} -> {row.target}: not a current CSF 2.0 subcategory")
        if row.relationship not in REVERSED or not 0 <= row.strength <= 10 or not row.rationale:
            problems.append(f"{row.source} -> {row.target}: bad relationship, strength or rationale")
    pairs = Counter((r.source, r.target) for r in rows)
    problems += [f"{s} -> {t}: {n} rows" for (s, t), n in pairs.items() if n > 1]
    problems += [f"{s}: no CSF 2.0 row" for s in sorted(csf11_subcategories - {r.source for r in rows})]
    # 'equal' says both ask the same thing, so it pairs one element with one element.
    for end in ("source", "target"):
        equal = Counter(getattr(r, end) for r in rows if r.relationship == "equal")
        problems += [f"{i}: {n} 'equal' rows" for i, n in equal.items() if n > 1]
    repeated = Counter(r.rationale for r in rows)
    problems += [f"rationale used {n} times: {t[:60]}" for t, n in repeated.items() if n > 3]
    if problems:
        raise SystemExit("csf11_to_csf20.tsv: " + "; ".join(problems))


def correspondence_source_ref(row: Correspondence, catalog: Csf2Catalog) -> str:
    withdrawn = {e.id for e in catalog.withdrawn()}
    same_number = padded(row.source)
    if same_number in withdrawn:
        fact = f"NIST's CSF 2.0 OSCAL catalog lists {row.source} as withdrawn ({same_number}) and names no successor"
    else:
        fact = f"NIST's CSF 2.0 OSCAL catalog keeps {row.source} under its number as {same_number}"
    return f"otcsms expert mapping; {fact}"


def build_csf11_to_csf20(catalog: Csf2Catalog, csf11_doc: dict[str, Any]) -> dict[str, Any]:
    rows = read_correspondence()
    check_correspondence(rows, csf11_doc, catalog)
    order = {r["id"]: i for i, r in enumerate(csf11_doc["framework"]["requirements"])}
    rows.sort(key=lambda r: (order[r.source], libformat.version_sort_key(r.target)))
    description = (
        "Each CSF 1.1 subcategory and the CSF 2.0 subcategories that took over its outcome, with the otcsms "
        "project's reason on each row. 'equal' where the outcome moved or was renumbered with its substance "
        "unchanged; 'subset' where the 1.1 outcome is part of a broader 2.0 one (merged); 'superset' where a 1.1 "
        "outcome was split and the 2.0 one is part of it; 'intersect' for a partial overlap. NIST's CSF 2.0 "
        "OSCAL catalog lists the withdrawn CSF 1.1 elements but carries no link to their successors, so this "
        "correspondence is our own judgement; each row's source_ref says whether the catalog keeps the 1.1 "
        "number or lists it as withdrawn."
    )
    return mapping_set_document(
        {
            "id": f"{CSF11}_to_{CSF20}",
            "name": "NIST CSF 1.1 to NIST CSF 2.0 (otcsms correspondence)",
            "version": "1",
            "source_framework": CSF11,
            "target_framework": CSF20,
            "licence": OTCSMS_LICENCE,
            "description": description,
        },
        [
            (
                r.source,
                r.target,
                r.relationship,
                r.strength,
                r.rationale,
                correspondence_source_ref(r, catalog),
            )
            for r in rows
        ],
    )


# ---------------------------------------------------------------------------------------------- composed


def build_via_csf11(
    hop: dict[str, Any], correspondence: dict[str, Any], other_framework: str, other_name: str
) -> dict[str, Any]:
    """<other> -> CSF 2.0 rows: each row between <other> and CSF 1.1 in `hop` (either direction), followed by a
    CSF 1.1 -> 2.0 row that is 'equal'. Through 'equal' the first relationship carries as it is; the strength is
    the lower of the two (a path is as strong as its weakest hop)."""
    ms = hop["mapping_set"]
    if {ms["source_framework"], ms["target_framework"]} != {other_framework, CSF11}:
        raise SystemExit(f"{ms['id']} does not link {other_framework} and {CSF11}")
    equal = {
        m["source"]: m for m in correspondence["mapping_set"]["mappings"] if m["relationship"] == "equal"
    }
    rows: dict[tuple[str, str], tuple] = {}
    for m in ms["mappings"]:
        if ms["source_framework"] == CSF11:
            other, csf11, relationship = m["target"], m["source"], REVERSED[m["relationship"]]
        else:
            other, csf11, relationship = m["source"], m["target"], m["relationship"]
        second = equal.get(csf11)
        if second is None:
            continue
        target = second["target"]
        if (other, target) in rows:
            raise SystemExit(f"{other} -> {target} reached twice through 'equal' rows")
        first_reason = m["rationale"].rstrip(".")
        rows[(other, target)] = (
            other,
            target,
            relationship,
            min(m["strength"], second["strength"]),
            f"Two hops: {first_reason}; and CSF 1.1 {csf11} is equal to CSF 2.0 {target} "
            f"({second['rationale'].rstrip('.')}).",
            f"{m['source_ref']}; otcsms CSF 1.1 to 2.0 correspondence {csf11} = {target}",
        )
    ordered = sorted(rows.values(), key=lambda r: tuple(libformat.version_sort_key(x) for x in r[:2]))
    description = (
        f"{other_name} requirements linked to CSF 2.0 subcategories in one step, so that an assessment shows CSF "
        f"2.0 coverage without a weak multi-hop path: each row composes a row of {ms['id']} (NIST CSF 1.1 "
        "informative references) with the otcsms CSF 1.1 -> 2.0 correspondence where that row is 'equal' (the "
        "1.1 outcome carried over to 2.0 unchanged), keeping the first row's relationship and the lower "
        "strength. CSF 1.1 subcategories that 2.0 merged, split or reworded are not followed; the crosswalk "
        "still reaches them over two hops. Each row's rationale and source_ref name both hops."
    )
    return mapping_set_document(
        {
            "id": f"{other_framework}_to_{CSF20}",
            "name": f"{other_name} to NIST CSF 2.0 (via CSF 1.1)",
            "version": "1",
            "source_framework": other_framework,
            "target_framework": CSF20,
            "licence": OTCSMS_LICENCE
            + "; derived from NIST CSF 1.1 informative references (public domain) and the otcsms correspondence",
            "description": description,
        },
        ordered,
    )
