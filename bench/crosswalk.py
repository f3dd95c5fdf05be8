"""Crosswalk speed over the shipped library: all-pairs closure cold (building the graph included) and warm,
and one requirement's reach. Target: full closure under 1 s.

    PYTHONPATH=src .venv/bin/python bench/crosswalk.py [--hops 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from otcsms.catalogs.crosswalk import CrosswalkGraph, edges_from_mapping_sets
from otcsms.catalogs.libformat import load_shipped_library

START = ("iec62443-3-3", "SR 1.3")


def timed(action):  # -> (seconds, result)
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hops", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    load_seconds, batch = timed(load_shipped_library)
    edges = edges_from_mapping_sets(batch.mapping_sets)
    print(f"library load (parse + validate, not part of the target): {load_seconds:.3f} s")
    print(f"mapping sets: {len(batch.mapping_sets)}, mapping rows: {len(edges)}")

    cold = []
    for _ in range(args.repeat):
        seconds, (graph, closure) = timed(lambda: _build_and_close(edges, args.hops))
        cold.append(seconds)
    print(f"graph: {graph.nodes_count()} nodes, {graph.edges_count()} edges")
    reaches = sum(len(found) for found in closure.values())
    related = sum(1 for found in closure.values() for reach in found if reach.related)
    print(
        f"closure ({args.hops} hops): {reaches} (start, target) pairs: {reaches - related} mapped, {related} related"
    )
    print(
        f"closure cold (build graph + closure): median {statistics.median(cold):.3f} s, best {min(cold):.3f} s"
    )

    warm = [timed(lambda: graph.closure(args.hops))[0] for _ in range(args.repeat)]
    print(f"closure warm: median {statistics.median(warm):.3f} s, best {min(warm):.3f} s")

    single = [timed(lambda: graph.reach(START, args.hops)) for _ in range(args.repeat * 20)]
    found = single[0][1]
    mapped = sum(1 for reach in found if not reach.related)
    print(
        f"reach {START[1]}: {len(found)} targets ({mapped} mapped, {len(found) - mapped} related), "
        f"median {statistics.median(s for s, _ in single) * 1000:.2f} ms"
    )
    verdict = "OK" if statistics.median(cold) < 1.0 else "SLOWER THAN TARGET"
    print(f"target < 1 s for the cold closure: {verdict}")


def _build_and_close(edges, hops):
    graph = CrosswalkGraph(edges)
    return graph, graph.closure(hops)


if __name__ == "__main__":
    main()
