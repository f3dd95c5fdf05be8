"""Drift: an asset's latest configuration against its approved baseline. Plain Python, no Django.

The status of an asset is one of
    no_baseline   nothing approved yet
    unreachable   the last collection could not reach the device (never drift: nothing is known)
    in_baseline   the latest configuration equals the baseline, or every difference is an approved deviation
    drifted       at least one difference that no live deviation approves

An approved deviation covers a change when its path pattern matches the change's path and the value after the
change equals the deviation's expected value (``null`` expects a removal). A deviation past its expiry covers
nothing: the change is drift again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from otcsms.configs.canonical import canonical_bytes
from otcsms.configs.diff import Change, diff
from otcsms.configs.severity_rules import AssetTraits, RuleSet, compile_pattern, highest

Status = Literal["in_baseline", "drifted", "no_baseline", "unreachable"]


@dataclass(frozen=True)
class Deviation:
    id: int
    pattern: re.Pattern[str]
    expected: Any
    expires_at: dt.datetime | None

    @classmethod
    def of(cls, id: int, path_pattern: str, expected: Any, expires_at: dt.datetime | None) -> Deviation:
        return cls(id, compile_pattern(path_pattern), canonical_bytes(expected), expires_at)

    def covers(self, change: Change, now: dt.datetime) -> bool:
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return bool(self.pattern.fullmatch(change.path)) and canonical_bytes(change.after) == self.expected


@dataclass(frozen=True)
class JudgedChange:
    change: Change
    severity: str
    rule: str
    deviation: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.change.as_dict(), "severity": self.severity, "rule": self.rule}


@dataclass(frozen=True)
class AssetDrift:
    status: Status
    changes: list[JudgedChange] = field(default_factory=list)  # unapproved ones
    approved: list[JudgedChange] = field(default_factory=list)  # covered by a live deviation

    @property
    def severity(self) -> str | None:
        return highest([c.severity for c in self.changes])


def judge(
    changes: Sequence[Change], rules: RuleSet, sl_t: Sequence[int] | None, today: dt.date,
    asset: AssetTraits | None = None,
) -> list[JudgedChange]:  # fmt: skip
    judged = []
    for change in changes:
        verdict = rules.judge(change, sl_t, today, asset)
        judged.append(JudgedChange(change, verdict.severity, verdict.rule))
    return judged


def asset_drift(
    *,
    baseline: Any | None,
    latest: Any | None,
    unreachable: bool,
    deviations: Sequence[Deviation],
    rules: RuleSet,
    sl_t: Sequence[int] | None,
    now: dt.datetime,
    asset: AssetTraits | None = None,
) -> AssetDrift:
    """The drift of one asset from its baseline ``config`` and latest ``config`` (JSON values)."""
    if unreachable:
        return AssetDrift("unreachable")
    if baseline is None or latest is None:
        return AssetDrift("no_baseline")
    pending: list[JudgedChange] = []
    approved: list[JudgedChange] = []
    for judged in judge(diff(baseline, latest), rules, sl_t, now.date(), asset):
        covering = next((d for d in deviations if d.covers(judged.change, now)), None)
        if covering is None:
            pending.append(judged)
        else:
            approved.append(JudgedChange(judged.change, judged.severity, judged.rule, covering.id))
    return AssetDrift("drifted" if pending else "in_baseline", pending, approved)
