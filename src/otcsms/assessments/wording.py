"""Plain words for what the crosswalk and the inference rules did: how a hop reads, and why a status was
carried (the "why inferred" page). Pure functions over names already resolved to what people read."""

from __future__ import annotations

STATUS_WORDS = {
    "met": "met",
    "partially_met": "partially met",
    "not_met": "not met",
    "not_applicable": "not applicable",
    "not_assessed": "not assessed",
}
# "A <verb> B", for a mapping read from A
HOP_VERBS = {
    "equal": "asks the same as",
    "superset": "covers all of",
    "subset": "is part of",
    "intersect": "overlaps with",
    "related": "is only related to",
}
RELATIONSHIP_WORDS = {
    "equal": "the same requirement",
    "superset": "covers all of it",
    "subset": "part of it",
    "intersect": "overlaps with it",
    "related": "only related",
}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))


def hop_sentence(source: str, relationship: str, target: str) -> str:
    """'SR 1.3 (IEC 62443-3-3) overlaps with AC-2 (NIST SP 800-53)'"""
    return f"{source} {HOP_VERBS.get(relationship, relationship)} {target}"


def carry_reason(source: str, target: str, status: str, carried: str, relationship: str, hops: int) -> str:
    """Why an answer `status` on `source` gives `carried` to `target`, reached through a path of class
    `relationship` over `hops` hops."""
    via = "" if hops == 1 else f" (over {hops} mappings that compose)"
    if relationship == "equal":
        return (
            f"{source} asks the same as {target}{via}, so {target} is {status_words(carried)} as {source} is."
        )
    if relationship == "superset" and status == "met":
        return f"{source} covers all of {target} and more{via}, so {source} met means {target} met."
    if relationship == "subset" and status == "not_met":
        return f"{source} is part of {target}{via}, so {source} not met means {target} is not met either."
    if relationship == "subset" and status == "partially_met":
        return f"{source} is part of {target}{via} and is only partly met, so {target} is partly met."
    if relationship in ("subset", "intersect") and status == "met":
        return (
            f"{source} {HOP_VERBS[relationship]} {target}{via}: {source} met shows part of {target} met "
            "(partial evidence), not all of it."
        )
    return f"{source} {HOP_VERBS.get(relationship, relationship)} {target}: {source} {status_words(status)} gives it nothing."


def partial_evidence_note() -> str:
    return (
        "Partially evidenced: answers elsewhere show part of this requirement met; none shows the rest, and "
        "none says it falls short. Answer it directly to settle it."
    )
