"""CSAF 2.0 advisories (OASIS Common Security Advisory Framework), read as untrusted input.

Plain Python (no Django): ``parse(data)`` gives an ``Advisory`` or raises ``CsafError`` naming the JSON Pointer of
the first problem (``/product_tree/branches/0/branches/1/name: expected a string``). What is checked is what
otcsms reads of the CSAF 2.0 schema, plus limits that keep a hostile file harmless:

- size (``MAX_BYTES``), UTF-8 only, nesting depth (``MAX_DEPTH``), no duplicate keys, no NaN/Infinity;
- ``document``: category, csaf_version "2.0", title, publisher.name, tracking (id, version, status,
  initial/current release dates, a non-empty revision_history);
- ``product_tree``: branches (category, name, then either branches or a product), full_product_names
  (name, product_id), relationships (a product made of two: ``installed_on`` / ``installed_with`` a component
  running on a platform, ``default_component_of`` / ``optional_component_of`` / ``external_component_of`` a
  component part of a platform; each names products defined before it and defines a new product id) and
  product_groups (group_id, two or more product ids); product and group ids unique;
- ``vulnerabilities``: cve, title, scores[].cvss_v3 (baseScore 0-10, vectorString), product_status lists,
  remediations (category, details, url, product_ids, group_ids: a group stands for its products), notes and
  threats; every product and group id they name exists.

Free text longer than the limits is cut (``MAX_TEXT``), never refused: a vendor's long remediation note is
not an attack. Texts are kept as text: nothing in an advisory is rendered as HTML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_PRODUCTS = 10_000
MAX_VULNERABILITIES = 5_000
MAX_NAME = 500
MAX_TEXT = 5_000

VERSION_BRANCHES = ("product_version", "product_version_range")
BRANCH_CATEGORIES = frozenset({
    "architecture", "host_name", "language", "legacy", "patch_level", "product_family", "product_name",
    "product_version", "product_version_range", "service_pack", "specification", "vendor",
})  # fmt: skip
RELATIONSHIP_CATEGORIES = frozenset({
    "default_component_of", "external_component_of", "installed_on", "installed_with", "optional_component_of",
})  # fmt: skip
# The component runs on the platform (its version is the one that matters) or is a part of it (the platform's).
RUNS_ON = frozenset({"installed_on", "installed_with"})
MAX_GROUPS = 10_000
REMEDIATION_CATEGORIES = frozenset(
    {"mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"}
)
AFFECTED_STATUSES = ("known_affected", "first_affected", "last_affected")
UNDER_INVESTIGATION = ("under_investigation",)
NOT_AFFECTED_STATUSES = ("known_not_affected", "fixed", "first_fixed")
ALL_STATUSES = (*AFFECTED_STATUSES, *UNDER_INVESTIGATION, *NOT_AFFECTED_STATUSES, "recommended")
TRACKING_STATUSES = frozenset({"draft", "final", "interim"})
_CVE = re.compile(r"CVE-[0-9]{4}-[0-9]{4,}")
_INT_VERSION = re.compile(r"0|[1-9][0-9]{0,8}")
_SEMVER = re.compile(
    r"(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z.-]{1,50}))?(?:\+[0-9A-Za-z.-]{1,50})?"
)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class CsafError(ValueError):
    """The document is not a CSAF 2.0 advisory otcsms can read; ``path`` is the JSON Pointer of the problem."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path or "/"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    name: str  # the full product name
    vendor: str  # the vendor branch above it ("" when the product is outside the branches)
    product: str  # the product_name branch above it ("" likewise)
    version: str = ""  # product_version: exactly this version
    version_range: str = ""  # product_version_range, as written
    # A product of a relationship: the other names the asset's model may carry, and how the two are related
    # ("installed_on: Firmware 4.0 on P3 D24M").
    aliases: tuple[str, ...] = ()
    relation: str = ""


@dataclass(frozen=True, slots=True)
class Remediation:
    category: str
    details: str
    url: str
    product_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "details": self.details, "url": self.url,
                "product_ids": list(self.product_ids)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Vulnerability:
    key: str  # the CVE, else the first id, else "#<index>"
    cve: str
    title: str
    cvss_score: float | None
    cvss_vector: str
    cwe: str
    summary: str
    exploitability: str
    affected: frozenset[str]
    under_investigation: frozenset[str]
    remediations: tuple[Remediation, ...]
    not_affected: frozenset[str] = frozenset()  # known_not_affected, fixed, first_fixed

    def remediations_for(self, product_id: str) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.remediations if not r.product_ids or product_id in r.product_ids]


@dataclass(frozen=True)
class Advisory:
    tracking_id: str
    version: str
    version_key: tuple[int, ...]
    category: str
    title: str
    publisher: str
    status: str
    initial_release: str
    current_release: str
    revision_history: list[dict[str, str]]
    exploitability: str = (
        ""  # what the document's notes say of exploitation (risk evaluation, known exploits)
    )
    products: dict[str, Product] = field(default_factory=dict)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # product_groups: group id -> product ids


def version_key(version: str) -> tuple[int, ...] | None:
    """A sortable key of a CSAF tracking version (integer or semantic versioning); None when it is neither.
    A pre-release sorts before its release (``1.0.0-rc`` < ``1.0.0``)."""
    if _INT_VERSION.fullmatch(version):
        return (int(version), 0, 0, 1)
    found = _SEMVER.fullmatch(version)
    if found is None:
        return None
    return (int(found.group(1)), int(found.group(2)), int(found.group(3)), 0 if found.group(4) else 1)


# --- reading JSON safely --------------------------------------------------------------------------------
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise CsafError("/", f"duplicate key {key[:80]!r}")
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise CsafError("/", f"{name} is not JSON")


def _check_depth(root: Any) -> None:
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CsafError("/", f"nested deeper than {MAX_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def load_json(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise CsafError("/", f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsafError("/", f"not UTF-8 (byte {exc.start})") from None
    try:
        root = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except RecursionError:
        raise CsafError("/", f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise CsafError("/", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    _check_depth(root)
    return root


# --- typed access with the path of every problem ----------------------------------------------------------
def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CsafError(path, "expected an object")
    return value


def _list(value: Any, path: str, *, required_items: bool = False, limit: int = MAX_PRODUCTS) -> list[Any]:
    if not isinstance(value, list):
        raise CsafError(path, "expected an array")
    if required_items and not value:
        raise CsafError(path, "expected at least one item")
    if len(value) > limit:
        raise CsafError(path, f"more than {limit} items")
    return value


def _text(value: Any, path: str, *, limit: int = MAX_NAME, cut: bool = False, required: bool = True) -> str:
    if not isinstance(value, str):
        raise CsafError(path, "expected a string")
    if _FORBIDDEN.search(value):
        raise CsafError(path, "control or bidirectional-override characters are not accepted")
    value = value.strip()
    if required and not value:
        raise CsafError(path, "expected a non-empty string")
    if len(value) > limit:
        if not cut:
            raise CsafError(path, f"longer than {limit} characters")
        value = value[: limit - 1] + "…"
    return value


def _field(d: dict[str, Any], key: str, path: str) -> Any:
    if key not in d:
        raise CsafError(f"{path}/{key}", "required")
    return d[key]


def _opt_text(d: dict[str, Any], key: str, path: str, *, limit: int = MAX_NAME, cut: bool = False) -> str:
    if key not in d or d[key] is None:
        return ""
    return _text(d[key], f"{path}/{key}", limit=limit, cut=cut, required=False)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# --- the document ---------------------------------------------------------------------------------------
def parse(data: bytes) -> Advisory:
    """The advisory in ``data`` (bytes of a CSAF 2.0 JSON file), or CsafError."""
    root = _obj(load_json(data), "")
    doc = _obj(_field(root, "document", ""), "/document")
    category = _text(_field(doc, "category", "/document"), "/document/category", limit=200)
    csaf_version = _text(_field(doc, "csaf_version", "/document"), "/document/csaf_version", limit=20)
    if csaf_version != "2.0":
        raise CsafError("/document/csaf_version", f'expected "2.0", not {csaf_version!r}')
    title = _text(_field(doc, "title", "/document"), "/document/title", limit=MAX_NAME, cut=True)
    publisher = _obj(_field(doc, "publisher", "/document"), "/document/publisher")
    publisher_name = _text(_field(publisher, "name", "/document/publisher"), "/document/publisher/name")
    tracking = _obj(_field(doc, "tracking", "/document"), "/document/tracking")
    at = "/document/tracking"
    tracking_id = _text(_field(tracking, "id", at), f"{at}/id", limit=200)
    version = _text(_field(tracking, "version", at), f"{at}/version", limit=120)
    key = version_key(version)
    if key is None:
        raise CsafError(f"{at}/version", "expected an integer or a semantic version (e.g. 2 or 1.0.1)")
    status = _text(_field(tracking, "status", at), f"{at}/status", limit=20)
    if status not in TRACKING_STATUSES:
        raise CsafError(f"{at}/status", f"expected one of {', '.join(sorted(TRACKING_STATUSES))}")
    initial = _text(_field(tracking, "initial_release_date", at), f"{at}/initial_release_date", limit=40)
    current = _text(_field(tracking, "current_release_date", at), f"{at}/current_release_date", limit=40)
    history = _revision_history(_field(tracking, "revision_history", at), f"{at}/revision_history")
    exploitability = _document_exploitability(doc.get("notes", []))
    if "product_tree" not in root:
        raise CsafError("/product_tree", "required: otcsms matches the product tree to assets")
    tree = _obj(root["product_tree"], "/product_tree")
    products = _product_tree(tree)
    groups = _product_groups(tree.get("product_groups", []), products)
    vulns = _vulnerabilities(root.get("vulnerabilities", []), products, groups)
    return Advisory(
        tracking_id=tracking_id, version=version, version_key=key, category=category, title=title,
        publisher=publisher_name, status=status, initial_release=initial, current_release=current,
        revision_history=history, exploitability=exploitability, products=products, vulnerabilities=vulns,
        groups=groups,
    )  # fmt: skip


def _document_exploitability(value: Any) -> str:
    """CISA writes the risk evaluation and whether exploitation is known in the document's notes."""
    texts = []
    for index, item in enumerate(_list(value, "/document/notes", limit=1000)):
        at = f"/document/notes/{index}"
        note = _obj(item, at)
        text = _text(_field(note, "text", at), f"{at}/text", limit=MAX_TEXT, cut=True)
        title = _opt_text(note, "title", at).lower()
        if "risk evaluation" in title or "exploit" in text.lower():
            texts.append(text)
    return "\n\n".join(texts)[:MAX_TEXT]


def _revision_history(value: Any, path: str) -> list[dict[str, str]]:
    history = []
    for index, item in enumerate(_list(value, path, required_items=True, limit=1000)):
        at = f"{path}/{index}"
        entry = _obj(item, at)
        history.append({
            "number": _text(_field(entry, "number", at), f"{at}/number", limit=120),
            "date": _text(_field(entry, "date", at), f"{at}/date", limit=40),
            "summary": _text(_field(entry, "summary", at), f"{at}/summary", limit=MAX_TEXT, cut=True),
        })  # fmt: skip
    return history


def _product_tree(tree: dict[str, Any]) -> dict[str, Product]:
    products: dict[str, Product] = {}

    def add(product: Product, path: str) -> None:
        if product.product_id in products:
            raise CsafError(path, f"product id {product.product_id!r} is defined twice")
        if len(products) >= MAX_PRODUCTS:
            raise CsafError(path, f"more than {MAX_PRODUCTS} products")
        products[product.product_id] = product

    # Iterative walk: the depth limit already holds, and the branch context travels with each node.
    stack: list[tuple[Any, str, dict[str, str]]] = []
    if "branches" in tree:
        branches = _list(tree["branches"], "/product_tree/branches")
        stack.extend((b, f"/product_tree/branches/{i}", {}) for i, b in reversed(list(enumerate(branches))))
    while stack:
        node, at, context = stack.pop()
        branch = _obj(node, at)
        category = _text(_field(branch, "category", at), f"{at}/category", limit=40)
        if category not in BRANCH_CATEGORIES:
            raise CsafError(f"{at}/category", f"{category[:40]!r} is not a CSAF branch category")
        name = _text(_field(branch, "name", at), f"{at}/name")
        here = {**context, category: name}
        has_children, has_product = "branches" in branch, "product" in branch
        if has_children == has_product:
            raise CsafError(at, "a branch holds either branches or a product")
        if has_product:
            full = _full_product_name(branch["product"], f"{at}/product")
            add(Product(
                product_id=full[0], name=full[1], vendor=here.get("vendor", ""),
                product=here.get("product_name", ""), version=here.get("product_version", ""),
                version_range=here.get("product_version_range", ""),
            ), f"{at}/product/product_id")  # fmt: skip
            continue
        children = _list(branch["branches"], f"{at}/branches", required_items=True)
        stack.extend((b, f"{at}/branches/{i}", here) for i, b in reversed(list(enumerate(children))))
    for index, item in enumerate(
        _list(tree.get("full_product_names", []), "/product_tree/full_product_names")
    ):
        at = f"/product_tree/full_product_names/{index}"
        product_id, name = _full_product_name(item, at)
        add(Product(product_id=product_id, name=name, vendor="", product=""), f"{at}/product_id")
    relationships = _list(tree.get("relationships", []), "/product_tree/relationships")
    for index, item in enumerate(relationships):
        at = f"/product_tree/relationships/{index}"
        product = _relationship(_obj(item, at), at, products)
        add(product, f"{at}/full_product_name/product_id")
    if not products:
        raise CsafError("/product_tree", "names no product")
    return products


def _relationship(r: dict[str, Any], at: str, products: dict[str, Product]) -> Product:
    """The product a relationship defines: matched as the platform (its vendor and names, and the component's
    names as aliases), with the component's version when it runs on the platform, else the platform's."""
    category = _text(_field(r, "category", at), f"{at}/category", limit=40)
    if category not in RELATIONSHIP_CATEGORIES:
        raise CsafError(f"{at}/category", f"expected one of {', '.join(sorted(RELATIONSHIP_CATEGORIES))}")
    refs = []
    for key in ("product_reference", "relates_to_product_reference"):
        ref = _text(_field(r, key, at), f"{at}/{key}", limit=200)
        if ref not in products:
            raise CsafError(f"{at}/{key}", f"no product {ref[:80]!r} defined before this relationship")
        refs.append(products[ref])
    component, platform = refs
    product_id, name = _full_product_name(_field(r, "full_product_name", at), f"{at}/full_product_name")
    if product_id in (component.product_id, platform.product_id):
        raise CsafError(f"{at}/full_product_name/product_id", "a relationship defines a new product id")
    versioned = component if category in RUNS_ON else platform
    platform_name = platform.product or platform.name
    # Only the two products' own names: a chain of relationships never grows the aliases (no quadratic trees).
    aliases = tuple(dict.fromkeys(
        a for a in (platform.name, component.product or component.name) if a and a != platform_name
    ))  # fmt: skip
    return Product(
        product_id=product_id, name=name, vendor=platform.vendor or component.vendor, product=platform_name,
        version=versioned.version, version_range=versioned.version_range, aliases=aliases,
        relation=f"{category}: {component.name} / {platform.name}"[:MAX_NAME],
    )  # fmt: skip


def _product_groups(value: Any, products: dict[str, Product]) -> dict[str, frozenset[str]]:
    groups: dict[str, frozenset[str]] = {}
    for index, item in enumerate(_list(value, "/product_tree/product_groups", limit=MAX_GROUPS)):
        at = f"/product_tree/product_groups/{index}"
        group = _obj(item, at)
        group_id = _text(_field(group, "group_id", at), f"{at}/group_id", limit=200)
        if group_id in groups:
            raise CsafError(f"{at}/group_id", f"group id {group_id[:80]!r} is defined twice")
        ids = _product_ids(_field(group, "product_ids", at), f"{at}/product_ids", products)
        if len(set(ids)) < 2:
            raise CsafError(f"{at}/product_ids", "a product group names at least two products")
        _opt_text(group, "summary", at, limit=MAX_TEXT, cut=True)
        groups[group_id] = frozenset(ids)
    return groups


def _group_ids(value: Any, at: str, groups: dict[str, frozenset[str]]) -> list[str]:
    """The product ids of the groups named (a group stands for its products)."""
    ids: list[str] = []
    for index, item in enumerate(_list(value, at, limit=MAX_GROUPS)):
        group_id = _text(item, f"{at}/{index}", limit=200)
        if group_id not in groups:
            raise CsafError(f"{at}/{index}", f"no product group {group_id[:80]!r} in the product tree")
        ids.extend(sorted(groups[group_id]))
    return ids


def _full_product_name(value: Any, at: str) -> tuple[str, str]:
    full = _obj(value, at)
    name = _text(_field(full, "name", at), f"{at}/name")
    product_id = _text(_field(full, "product_id", at), f"{at}/product_id", limit=200)
    return product_id, name


def _vulnerabilities(
    value: Any, products: dict[str, Product], groups: dict[str, frozenset[str]]
) -> list[Vulnerability]:
    found: list[Vulnerability] = []
    keys: set[str] = set()
    for index, item in enumerate(_list(value, "/vulnerabilities", limit=MAX_VULNERABILITIES)):
        at = f"/vulnerabilities/{index}"
        vuln = _vulnerability(_obj(item, at), at, index, products, groups)
        if vuln.key in keys:
            raise CsafError(at, f"{vuln.key} is listed twice")
        keys.add(vuln.key)
        found.append(vuln)
    return found


def _product_ids(value: Any, at: str, products: dict[str, Product]) -> list[str]:
    ids = []
    for index, item in enumerate(_list(value, at)):
        product_id = _text(item, f"{at}/{index}", limit=200)
        if product_id not in products:
            raise CsafError(f"{at}/{index}", f"no product {product_id[:80]!r} in the product tree")
        ids.append(product_id)
    return ids


def _vulnerability(
    v: dict[str, Any], at: str, index: int, products: dict[str, Product], groups: dict[str, frozenset[str]]
) -> Vulnerability:
    cve = _opt_text(v, "cve", at, limit=40)
    if cve and not _CVE.fullmatch(cve):
        raise CsafError(f"{at}/cve", "expected CVE-YYYY-NNNN")
    ids = [_obj(i, f"{at}/ids/{n}") for n, i in enumerate(_list(v.get("ids", []), f"{at}/ids", limit=100))]
    first_id = _opt_text(ids[0], "text", f"{at}/ids/0", limit=200) if ids else ""
    key = cve or first_id or f"#{index + 1}"
    status = _obj(v.get("product_status", {}), f"{at}/product_status")
    lists: dict[str, list[str]] = {}
    for name, ids_value in status.items():
        if name not in ALL_STATUSES:
            raise CsafError(f"{at}/product_status/{_escape(name)[:40]}", "not a CSAF product status")
        lists[name] = _product_ids(ids_value, f"{at}/product_status/{name}", products)
    score, vector = _cvss(v.get("scores", []), f"{at}/scores", products)
    cwe = ""
    if "cwe" in v:
        cwe_obj = _obj(v["cwe"], f"{at}/cwe")
        cwe = f"{_opt_text(cwe_obj, 'id', f'{at}/cwe', limit=40)} {_opt_text(cwe_obj, 'name', f'{at}/cwe')}".strip()
    return Vulnerability(
        key=key, cve=cve, title=_opt_text(v, "title", at, cut=True), cvss_score=score, cvss_vector=vector, cwe=cwe,
        summary=_notes(v.get("notes", []), f"{at}/notes"),
        exploitability=_threats(v.get("threats", []), f"{at}/threats", products, groups),
        affected=frozenset(i for s in AFFECTED_STATUSES for i in lists.get(s, [])),
        under_investigation=frozenset(lists.get("under_investigation", [])),
        not_affected=frozenset(i for s in NOT_AFFECTED_STATUSES for i in lists.get(s, [])),
        remediations=_remediations(v.get("remediations", []), f"{at}/remediations", products, groups),
    )  # fmt: skip


def _cvss(value: Any, at: str, products: dict[str, Product]) -> tuple[float | None, str]:
    """The highest CVSS v3 base score of the vulnerability, with its vector."""
    best: tuple[float | None, str] = (None, "")
    for index, item in enumerate(_list(value, at, limit=1000)):
        here = f"{at}/{index}"
        score = _obj(item, here)
        _product_ids(_field(score, "products", here), f"{here}/products", products)
        if "cvss_v3" not in score:
            continue
        cvss = _obj(score["cvss_v3"], f"{here}/cvss_v3")
        base = _field(cvss, "baseScore", f"{here}/cvss_v3")
        if isinstance(base, bool) or not isinstance(base, int | float) or not 0 <= base <= 10:
            raise CsafError(f"{here}/cvss_v3/baseScore", "expected a number from 0 to 10")
        vector = _text(
            _field(cvss, "vectorString", f"{here}/cvss_v3"), f"{here}/cvss_v3/vectorString", limit=200
        )
        if not vector.startswith("CVSS:3."):
            raise CsafError(f"{here}/cvss_v3/vectorString", "expected a CVSS:3.x vector")
        if best[0] is None or float(base) > best[0]:
            best = (float(base), vector)
    return best


def _notes(value: Any, at: str) -> str:
    texts = []
    for index, item in enumerate(_list(value, at, limit=1000)):
        note = _obj(item, f"{at}/{index}")
        _text(_field(note, "category", f"{at}/{index}"), f"{at}/{index}/category", limit=40)
        texts.append(
            _text(_field(note, "text", f"{at}/{index}"), f"{at}/{index}/text", limit=MAX_TEXT, cut=True)
        )
    return "\n\n".join(texts)[:MAX_TEXT]


def _threats(value: Any, at: str, products: dict[str, Product], groups: dict[str, frozenset[str]]) -> str:
    texts = []
    for index, item in enumerate(_list(value, at, limit=1000)):
        here = f"{at}/{index}"
        threat = _obj(item, here)
        category = _text(_field(threat, "category", here), f"{here}/category", limit=40)
        details = _text(_field(threat, "details", here), f"{here}/details", limit=MAX_TEXT, cut=True)
        if "product_ids" in threat:
            _product_ids(threat["product_ids"], f"{here}/product_ids", products)
        if "group_ids" in threat:
            _group_ids(threat["group_ids"], f"{here}/group_ids", groups)
        if category in ("exploit_status", "impact"):
            texts.append(details)
    return "\n\n".join(texts)[:MAX_TEXT]


def _remediations(
    value: Any, at: str, products: dict[str, Product], groups: dict[str, frozenset[str]]
) -> tuple[Remediation, ...]:
    found = []
    for index, item in enumerate(_list(value, at, limit=1000)):
        here = f"{at}/{index}"
        r = _obj(item, here)
        category = _text(_field(r, "category", here), f"{here}/category", limit=40)
        if category not in REMEDIATION_CATEGORIES:
            raise CsafError(
                f"{here}/category", f"expected one of {', '.join(sorted(REMEDIATION_CATEGORIES))}"
            )
        url = _opt_text(r, "url", here, limit=2048)
        if url and not url.lower().startswith(("https://", "http://", "mailto:")):
            raise CsafError(f"{here}/url", "expected an http(s) or mailto: URL")
        ids = _product_ids(r["product_ids"], f"{here}/product_ids", products) if "product_ids" in r else []
        if "group_ids" in r:
            ids = list(dict.fromkeys([*ids, *_group_ids(r["group_ids"], f"{here}/group_ids", groups)]))
        details = _text(_field(r, "details", here), f"{here}/details", limit=MAX_TEXT, cut=True)
        found.append(Remediation(category, details, url, tuple(ids)))
    return tuple(found)
