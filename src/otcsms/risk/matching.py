"""Which assets an advisory's products name: vendor, product and firmware version (plain Python, no Django).

An asset is matched to a product when
1. its vendor equals the product's vendor branch, both normalised (case, punctuation and spacing ignored, a
   trailing corporate suffix such as Inc., AG, GmbH, Corp., Ltd. dropped), and
2. its model equals the product name (normalised), or begins with it followed by more words: the product
   "ControlLogix 5580" names the model "ControlLogix 5580 (1756-L83E)". A product name whose parenthesised part
   holds part numbers (often with wildcards: "1756 - L8z", "BMEP*") is compared without it as well, and the
   reason says so. The vendor's name written at the start of a product name is ignored.
3. Then the firmware: a product_version must equal it, a product_version_range must contain it (``versions``).

A product defined by a relationship of the product tree (firmware ``installed_on`` a device, a component
``default_component_of`` a product) is matched as its platform: the platform's vendor, its product name, its full
name and the component's name as alternatives, and the component's version when it runs on the platform (the
platform's own when it is a part of it); the reason names the relationship.

The verdict is ``affected`` only when all three are established. An asset without a firmware recorded, or a
version or range that cannot be compared, is ``possibly affected`` with the reason; never silently affected.
A product the advisory lists as under investigation is at most possibly affected. An asset whose exact product
and version the advisory lists as fixed or known not affected is not matched (``stated_not_affected``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from otcsms.risk import versions
from otcsms.risk.csaf import Product

AFFECTED = "affected"
POSSIBLY_AFFECTED = "possibly-affected"

_NON_WORD = re.compile(r"[^0-9a-z]+")
_SUFFIXES = ("inc", "incorporated", "ag", "gmbh", "corp", "corporation", "co", "ltd", "limited", "llc", "sa",
             "se", "plc", "kg", "bv", "nv", "ab", "oy", "spa", "srl", "company")  # fmt: skip
_PARENTHESISED = re.compile(r"\([^)]*\)")


def norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def norm_vendor(text: str) -> str:
    words = norm(text).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class AssetFacts:
    vendor: str
    model: str
    firmware: str
    vendor_key: str = field(init=False)  # norm_vendor(vendor), computed once per asset
    model_key: str = field(init=False)  # norm(model)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vendor_key", norm_vendor(self.vendor))
        object.__setattr__(self, "model_key", norm(self.model))


@dataclass(frozen=True, slots=True)
class Verdict:
    match: str  # AFFECTED or POSSIBLY_AFFECTED
    reason: str


@lru_cache(maxsize=4096)
def _product_names(product: Product) -> tuple[tuple[str, str], ...]:
    """(normalised name, how it was read) for the product, with and without its parenthesised part."""
    name = product.product or product.name.split(":")[0]
    vendor = norm(product.vendor)
    names: list[tuple[str, str]] = []
    candidates = [
        (name, "product name"),
        (_PARENTHESISED.sub(" ", name), "product name without its part numbers"),
    ]
    candidates += [(alias, "related product name") for alias in product.aliases]
    for text, how in candidates:
        n = norm(text)
        if vendor and n.startswith(vendor + " "):
            n = n[len(vendor) + 1 :]
        if n and all(n != known for known, _ in names):
            names.append((n, how))
    return tuple(names)


@lru_cache(maxsize=4096)
def _vendor_key(vendor: str) -> str:
    return norm_vendor(vendor)


def names_product(asset: AssetFacts, product: Product) -> str | None:
    """How the asset's vendor and model name the product (a phrase for the reason), or None."""
    if not product.vendor or not asset.vendor_key or not asset.model_key:
        return None
    if asset.vendor_key != _vendor_key(product.vendor):
        return None
    model = asset.model_key
    for name, how in _product_names(product):
        if model == name or model.startswith(name + " "):
            return f"vendor {product.vendor!s} and {how} {name!r} match the model {asset.model!r}"
    return None


@lru_cache(maxsize=65536)
def stated_not_affected(asset: AssetFacts, product: Product) -> bool:
    """The advisory lists this very product and version (fixed or known not affected) for the asset: its word
    on the asset's exact version outweighs a range or another version it cannot compare."""
    firmware = asset.firmware.strip()
    if not product.version or not firmware or names_product(asset, product) is None:
        return False
    return versions.same_version(firmware, product.version) is versions.Match.AFFECTED


@lru_cache(maxsize=65536)  # assets of one model and firmware share their verdict: a site has few such groups
def judge(asset: AssetFacts, product: Product, *, under_investigation: bool = False) -> Verdict | None:
    """The asset's verdict for a product the advisory lists as affected (or under investigation); None when
    the asset is not this product or runs a version outside the affected ones."""
    named = names_product(asset, product)
    if named is None:
        return None
    if product.relation:
        named = f"{named} ({product.relation})"
    firmware = asset.firmware.strip()
    spec = product.version or product.version_range
    if not spec:
        outcome, said = versions.Match.AFFECTED, "the advisory names every version"
    elif not firmware:
        return Verdict(POSSIBLY_AFFECTED, f"{named}; no firmware recorded, the advisory names {spec!r}")
    else:
        try:
            outcome = (versions.same_version(firmware, product.version) if product.version
                       else versions.in_range(firmware, product.version_range))  # fmt: skip
        except versions.RangeError as exc:
            return Verdict(POSSIBLY_AFFECTED, f"{named}; the range cannot be read ({exc})")
        said = f"firmware {firmware!r} is within {spec!r}"
    if outcome is versions.Match.NOT_AFFECTED:
        return None
    if outcome is versions.Match.UNKNOWN:
        return Verdict(POSSIBLY_AFFECTED, f"{named}; firmware {firmware!r} cannot be compared with {spec!r}")
    if under_investigation:
        return Verdict(POSSIBLY_AFFECTED, f"{named}; {said}, but the vendor still investigates")
    return Verdict(AFFECTED, f"{named}; {said}")
