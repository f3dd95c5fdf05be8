"""What an assessment's answers add up to: gaps, coverage, SL-A per zone, redundancy, and change.

Plain functions over plain data (no Django), so the same answers feed the UI, the API, reports and the
fleet benchmark. An *outcome* is the effective status of one requirement in one scope (a zone, or the site
for frameworks answered at site level), direct or inferred through the crosswalk.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from otcsms.assessments.inference import ReachLike
from otcsms.iec62443.security_levels import SlRequirement, SlTable, achieved_sl, sl_gap, sl_table

ReqKey = tuple[str, str]  # (framework key, requirement ref)
Scope = Hashable
Slot = tuple[Scope, ReqKey]  # one requirement in one scope

STATUSES = ("met", "partially_met", "not_met", "not_applicable", "not_assessed")
GAP_STATUSES = ("not_met", "partially_met")
_PROGRESS = {"not_met": 0, "partially_met": 1, "met": 2}
STRONG_RELATIONSHIPS = frozenset({"equal", "superset", "subset"})


@dataclass(frozen=True, slots=True)
class RequirementMeta:
    key: ReqKey
    ref: str
    title: str
    group: str  # the top-level node it sits under (FR 1, AC, CIP-004, PR.AC, ...)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class Gap:
    scope: Scope
    key: ReqKey
    ref: str
    title: str
    group: str
    status: str
    inferred: bool
    sl_required: int | None


def gap_list(
    outcomes: Mapping[Slot, Outcome],
    meta: Mapping[ReqKey, RequirementMeta],
    sl_required: Mapping[Slot, int] | None = None,
) -> list[Gap]:
    """Every requirement not met or partially met: not met first, then by the SL that needs it, then reading order."""
    gaps = []
    for (scope, key), outcome in outcomes.items():
        if outcome.status not in GAP_STATUSES:
            continue
        info = meta.get(key) or RequirementMeta(key, key[1], "", "")
        level = (sl_required or {}).get((scope, key))
        gaps.append(
            Gap(scope, key, info.ref, info.title, info.group, outcome.status, outcome.inferred, level)
        )
    order = {ref: i for i, ref in enumerate(m.key for m in meta.values())}
    gaps.sort(
        key=lambda g: (g.status != "not_met", g.sl_required or 0, order.get(g.key, len(order)), str(g.scope))
    )
    return gaps


@dataclass
class Counts:
    met: int = 0
    partially_met: int = 0
    not_met: int = 0
    not_applicable: int = 0
    not_assessed: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def total(self) -> int:
        return self.met + self.partially_met + self.not_met + self.not_applicable + self.not_assessed

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    def share(self, status: str) -> float:
        """Share of the applicable requirements (N/A neither helps nor hurts), 0.0-1.0."""
        return getattr(self, status) / self.applicable if self.applicable else 0.0

    def as_dict(self) -> dict[str, int | float]:
        return {s: getattr(self, s) for s in STATUSES} | {"total": self.total, "met_share": self.share("met")}


@dataclass
class Coverage:
    framework: str  # the framework key, until a caller puts its display name here (then `key` keeps the key)
    overall: Counts = field(default_factory=Counts)
    by_group: dict[str, Counts] = field(default_factory=dict)
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = self.framework


def combined_status(statuses: Iterable[str]) -> str:
    """One requirement's status over every zone it applies to: not applicable when it is so everywhere;
    otherwise, the not-applicable zones aside, met / not met / partially met / not assessed when it is that in
    every zone; when the zones differ, partially met if it is met or partially met in one of them, else not
    met (not met in one, not assessed in another: nothing is met anywhere)."""
    applicable = set()
    seen = False
    for status in statuses:
        seen = True
        if status != "not_applicable":
            applicable.add(status)
    if not seen:
        return "not_assessed"
    if not applicable:
        return "not_applicable"
    if len(applicable) == 1:
        return applicable.pop()
    return "partially_met" if applicable & {"met", "partially_met"} else "not_met"


def coverage(
    universe: Iterable[Slot], outcomes: Mapping[Slot, Outcome], meta: Mapping[ReqKey, RequirementMeta]
) -> dict[str, Coverage]:
    """Counts per requirement, per framework and per top-level group: each requirement once, with its status
    combined over the scopes of the universe it appears in (``combined_status``); a slot of the universe with
    no outcome is not assessed."""
    per_key: dict[ReqKey, list[str]] = {}
    for slot in universe:
        outcome = outcomes.get(slot)
        per_key.setdefault(slot[1], []).append(outcome.status if outcome is not None else "not_assessed")
    result: dict[str, Coverage] = {}
    for key, found in per_key.items():
        status = combined_status(found)
        cov = result.get(key[0])
        if cov is None:
            cov = result[key[0]] = Coverage(key[0])
        cov.overall.add(status)
        group = meta[key].group if key in meta else ""
        cov.by_group.setdefault(group, Counts()).add(status)
    return result


def coverage_of_reached(
    sizes: Mapping[str, Mapping[str, int]],
    group_of: Mapping[ReqKey, str],
    statuses_per_scope: Iterable[Mapping[ReqKey, str]],
) -> dict[str, Coverage]:
    """Coverage of whole frameworks, per requirement, from only the requirements that have a status.

    ``sizes`` gives, per framework, the number of assessable requirements in each group; ``group_of`` maps
    each assessable requirement to its group (keys outside it are ignored). A requirement's status is combined
    over the scopes (``combined_status``), a scope where it has none counting as not assessed; a requirement
    with no status anywhere is not assessed. Cost follows what was reached, not the size of the catalogs.
    """
    per_key: dict[ReqKey, list[str]] = {}
    scopes = 0
    for statuses in statuses_per_scope:
        scopes += 1
        for key, status in statuses.items():
            if key in group_of:
                per_key.setdefault(key, []).append(status)
    tally: Counter[tuple[str, str, str]] = Counter()
    for key, found in per_key.items():
        status = combined_status([*found, *["not_assessed"] * (scopes - len(found))])
        if status != "not_assessed":
            tally[(key[0], group_of[key], status)] += 1
    result = {}
    for fw, groups in sizes.items():
        cov = result[fw] = Coverage(fw, by_group={g: Counts() for g in groups})
        for group, size in groups.items():
            counts = cov.by_group[group]
            for status in ("met", "partially_met", "not_met", "not_applicable"):
                setattr(counts, status, tally.get((fw, group, status), 0))
            counts.not_assessed = size - counts.total
            for status in STATUSES:
                setattr(cov.overall, status, getattr(cov.overall, status) + getattr(counts, status))
    return result


@dataclass(frozen=True, slots=True)
class ZoneLevels:
    zone: Scope
    sl_t: tuple[int, ...]
    sl_a: tuple[int, ...]
    gap: tuple[int, ...]


def sl_heatmap(
    sl_targets: Mapping[Scope, Sequence[int]],
    statuses_by_zone: Mapping[Scope, Mapping[str, str]],
    catalog: Sequence[SlRequirement] | SlTable,
) -> list[ZoneLevels]:
    """SL-A per zone per FR from the zone's 62443-3-3 statuses, next to its SL-T (zones x FRs); ``catalog`` is
    best given prepared (``sl_table``), else it is prepared here."""
    table = catalog if isinstance(catalog, SlTable) else sl_table(catalog)
    rows = []
    for zone, target in sl_targets.items():
        achieved = achieved_sl(statuses_by_zone.get(zone, {}), table)
        rows.append(ZoneLevels(zone, tuple(target), achieved, sl_gap(target, achieved)))
    return rows


# A heat-map cell's state: what the page colours, marks with a symbol and explains in its legend.
HEAT_MET = "met"  # SL-A reaches SL-T
HEAT_SHORT_ONE = "short1"  # one level short
HEAT_SHORT_MORE = "short2"  # two or more levels short
HEAT_NOT_ASSESSED = "unassessed"  # nothing in the cell answered yet: no SL-A to speak of
HEAT_NO_TARGET = "none"  # SL-T 0 for this FR: nothing to assess
HEAT_STATES = (HEAT_MET, HEAT_SHORT_ONE, HEAT_SHORT_MORE, HEAT_NOT_ASSESSED)


@dataclass(frozen=True, slots=True)
class HeatCell:
    """One zone x FR of the SL heat map: the levels, how much of it is answered, and its state."""

    fr: int  # 1-7
    sl_t: int
    sl_a: int
    gap: int
    total: int  # requirements the zone's SL-T selects in this FR
    answered: int  # of those, answered (any status but not assessed)

    @property
    def state(self) -> str:
        if self.sl_t == 0:
            return HEAT_NO_TARGET
        if self.answered == 0:
            return HEAT_NOT_ASSESSED
        if self.gap == 0:
            return HEAT_MET
        return HEAT_SHORT_ONE if self.gap == 1 else HEAT_SHORT_MORE

    @property
    def percent(self) -> int | None:
        """Share of the cell's requirements answered; None when the SL-T selects none."""
        return round(100 * self.answered / self.total) if self.total else None


def heat_cells(
    levels: ZoneLevels, selected: Mapping[int, Sequence[str]], statuses: Mapping[str, str]
) -> list[HeatCell]:
    """A zone's row of the heat map: per FR (1-7) its levels and how many of ``selected[fr]`` (the refs its SL-T
    selects) have an answer in ``statuses`` (ref -> status)."""
    cells = []
    for index, (t, a, gap) in enumerate(zip(levels.sl_t, levels.sl_a, levels.gap, strict=True)):
        refs = selected.get(index + 1, ())
        answered = sum(1 for ref in refs if statuses.get(ref, "not_assessed") != "not_assessed")
        cells.append(HeatCell(index + 1, t, a, gap, len(refs), answered))
    return cells


@dataclass(frozen=True, slots=True)
class RedundantSet:
    """Requirements answered separately although the crosswalk links them: one answer could serve all."""

    scope: Scope
    keys: tuple[ReqKey, ...]


def redundancy(
    direct: Mapping[Slot, str], reach: Callable[[ReqKey], Sequence[ReachLike]]
) -> list[RedundantSet]:
    """Groups of directly answered requirements (per scope) joined by equal/subset/superset mappings."""
    by_scope: dict[Scope, set[ReqKey]] = defaultdict(set)
    for (scope, key), status in direct.items():
        if status not in ("not_assessed", "not_applicable"):
            by_scope[scope].add(key)
    found = []
    for scope, keys in by_scope.items():
        parent = {k: k for k in keys}
        for key in keys:
            for hop in reach(key):
                if hop.target in parent and hop.relationship in STRONG_RELATIONSHIPS:
                    parent[_root(parent, hop.target)] = _root(parent, key)
        groups: dict[ReqKey, list[ReqKey]] = defaultdict(list)
        for key in keys:
            groups[_root(parent, key)].append(key)
        found += [RedundantSet(scope, tuple(sorted(g))) for g in groups.values() if len(g) > 1]
    found.sort(key=lambda r: (-len(r.keys), str(r.scope), r.keys))
    return found


def _root(parent: dict[ReqKey, ReqKey], key: ReqKey) -> ReqKey:
    """Union-find root with path halving."""
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


@dataclass(frozen=True, slots=True)
class Change:
    scope: Scope
    key: ReqKey
    before: str
    after: str
    direction: str  # improved, regressed, changed


def delta(before: Mapping[Slot, str], after: Mapping[Slot, str]) -> list[Change]:
    """What changed between two assessments of the same scope (a slot missing on one side is not assessed)."""
    changes = []
    for slot in sorted(set(before) | set(after), key=lambda s: (str(s[0]), s[1])):
        old, new = before.get(slot, "not_assessed"), after.get(slot, "not_assessed")
        if old == new:
            continue
        if old in _PROGRESS and new in _PROGRESS:
            direction = "improved" if _PROGRESS[new] > _PROGRESS[old] else "regressed"
        elif new == "met" or (old == "not_assessed" and new in _PROGRESS):
            direction = "improved" if new == "met" else "changed"
        elif new in ("not_met", "not_assessed") and old in _PROGRESS:
            direction = "regressed"
        else:
            direction = "changed"
        changes.append(Change(slot[0], slot[1], old, new, direction))
    return changes


def summarise(changes: Iterable[Change]) -> Counter[str]:
    return Counter(change.direction for change in changes)
