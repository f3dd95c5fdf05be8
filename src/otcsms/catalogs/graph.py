"""The crosswalk graph of the current framework versions, read from the database and cached per process.

Building it reads every mapping (a few thousand rows, tens of milliseconds); queries then take well under a
millisecond. Before each use the cache compares a revision read from the database: the frameworks and
mapping sets loaded, their content hashes, which are current and which versions the sets point at. Every
change of the library changes one of those (mappings are only ever created with a new mapping set, or
re-pointed when a new framework version becomes current), so another process's import is seen at once and a
worker never answers from a stale graph.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from otcsms.catalogs.crosswalk import CrosswalkGraph, MappingEdge, Reach, ReqKey
from otcsms.catalogs.models import Framework, Mapping, MappingSet

Revision = tuple[tuple, tuple]
_REACH_CACHE_LIMIT = 50_000


@dataclass
class CrosswalkIndex:
    revision: Revision
    graph: CrosswalkGraph
    ids: dict[ReqKey, int]  # (framework key, ref) -> Requirement id, for every mapped requirement
    _reach: dict[tuple[ReqKey, int], list[Reach]] = field(default_factory=dict, repr=False)

    def reach(self, start: ReqKey, max_hops: int = 3) -> list[Reach]:
        """CrosswalkGraph.reach, remembered (coverage asks the same starts again and again)."""
        cache_key = (start, max_hops)
        found = self._reach.get(cache_key)
        if found is None:
            found = self.graph.reach(start, max_hops)
            if len(self._reach) >= _REACH_CACHE_LIMIT:
                self._reach.clear()
            self._reach[cache_key] = found
        return found


_lock = threading.Lock()
_cached: CrosswalkIndex | None = None


def revision() -> Revision:
    """A cheap fingerprint of the library state the graph depends on (two small queries)."""
    frameworks = tuple(Framework.objects.order_by("pk").values_list("pk", "content_hash", "is_current"))
    sets = tuple(
        MappingSet.objects.order_by("pk").values_list(
            "pk", "content_hash", "is_current", "source_framework_id", "target_framework_id"
        )
    )
    return frameworks, sets


def current_index() -> CrosswalkIndex:
    global _cached
    current = revision()
    cached = _cached
    if cached is not None and cached.revision == current:
        return cached
    with _lock:
        if _cached is not None and _cached.revision == current:
            return _cached
        _cached = build_index(current)
        return _cached


def build_index(rev: Revision) -> CrosswalkIndex:
    """Edges of the current version of every mapping set whose two frameworks are current versions."""
    rows = Mapping.objects.filter(
        mapping_set__is_current=True,
        mapping_set__source_framework__is_current=True,
        mapping_set__target_framework__is_current=True,
    ).values_list(
        "source_id", "source__framework__key", "source__ref",
        "target_id", "target__framework__key", "target__ref",
        "relationship", "strength", "rationale", "source_ref",
    )  # fmt: skip
    ids: dict[ReqKey, int] = {}
    edges = []
    for source_id, source_fw, source, target_id, target_fw, target, rel, strength, rationale, ref in rows:
        ids[(source_fw, source)] = source_id
        ids[(target_fw, target)] = target_id
        edges.append(MappingEdge((source_fw, source), (target_fw, target), rel, strength, rationale, ref))
    return CrosswalkIndex(rev, CrosswalkGraph(edges), ids)


def forget() -> None:
    """Drop the cached graph (tests; the revision check makes this unnecessary in production)."""
    global _cached
    with _lock:
        _cached = None
