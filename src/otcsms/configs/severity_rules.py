"""Severity rules: which change of a configuration matters how much. Plain Python, no Django.

A rule set is the shipped ``default_rules.yaml`` with an organisation's own rules in front (the format is
described at the top of that file and in docs/configs.md). ``RuleSet.judge(change, sl_t, today)`` gives a
change its severity and the id of the rule that decided it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from otcsms.configs.diff import Change

SEVERITIES = ("info", "low", "medium", "high", "critical")
KINDS = ("added", "removed", "changed")
OPERATORS = ("equals", "in", "not_in", "less_than", "more_than", "days_until_less_than", "contains", "exists")
MAX_RULES = 500
_RANK = {name: i for i, name in enumerate(SEVERITIES)}
_SEGMENT = re.compile(r"^(?:[^()|*]|\((?:[^()|*/]+\|)*[^()|*/]+\))+$")
_MISSING = object()


class RuleError(ValueError):
    """A rules document that cannot be used: one line naming the rule and the problem."""


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    operator: str
    operand: Any
    of: str = (
        ""  # "before" or "after": that side of the change; "" the rule's subject (after, before if removed)
    )

    def holds(self, value: Any, today: dt.date) -> bool:
        found = _lookup(value, self.key)
        if self.operator == "exists":
            return (found is not _MISSING) is bool(self.operand)
        if found is _MISSING:
            return False
        if self.operator == "equals":
            # JSON's equality: true is not 1
            return bool(found == self.operand) and isinstance(found, bool) == isinstance(self.operand, bool)
        if self.operator == "in":
            return found in self.operand
        if self.operator == "not_in":
            return found not in self.operand
        if self.operator == "contains":
            return isinstance(found, list | dict | str) and self.operand in found
        if self.operator in ("less_than", "more_than"):
            if not isinstance(found, int | float) or isinstance(found, bool):
                return False
            return bool(found < self.operand if self.operator == "less_than" else found > self.operand)
        # days_until_less_than: an ISO date or date-time
        try:
            day = dt.date.fromisoformat(str(found)[:10])
        except ValueError:
            return False
        return bool((day - today).days < self.operand)


@dataclass(frozen=True, slots=True)
class AssetTraits:
    """What a rule may ask of the asset a change was seen on: its type (plant's asset types, '' unknown) and
    whether it is named as the security device of a conduit at its site."""

    type: str = ""
    conduit_security_device: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    pattern: re.Pattern[str]
    kinds: frozenset[str]
    where: tuple[Condition, ...]
    severity: str
    raise_to: str | None = None
    raise_frs: tuple[int, ...] = ()
    raise_at_least: int = 0
    # applies_to: None for every asset; else the asset types that have the concept (firewall rules, local
    # users), and whether a conduit's security device qualifies whatever its type. An asset of unknown type
    # ('') is judged by the rule: nothing says it lacks the concept.
    asset_types: frozenset[str] | None = None
    conduit_security_device: bool = False

    def applies_to(self, asset: AssetTraits | None) -> bool:
        if self.asset_types is None or asset is None or not asset.type:
            return True
        return asset.type in self.asset_types or (
            self.conduit_security_device and asset.conduit_security_device
        )

    def matches(self, change: Change, today: dt.date, asset: AssetTraits | None = None) -> bool:
        if change.kind not in self.kinds or not self.pattern.fullmatch(change.path):
            return False
        if not self.applies_to(asset):
            return False
        subject = change.before if change.kind == "removed" else change.after
        return all(
            condition.holds(
                change.before
                if condition.of == "before"
                else change.after
                if condition.of == "after"
                else subject,
                today,
            )
            for condition in self.where
        )

    def severity_for(self, sl_t: Sequence[int] | None) -> str:
        if self.raise_to and sl_t and any(sl_t[fr - 1] >= self.raise_at_least for fr in self.raise_frs):
            return self.raise_to
        return self.severity


@dataclass(frozen=True, slots=True)
class Judgement:
    severity: str
    rule: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    default_severity: str = "low"

    def judge(
        self, change: Change, sl_t: Sequence[int] | None, today: dt.date, asset: AssetTraits | None = None
    ) -> Judgement:
        for rule in self.rules:
            if rule.matches(change, today, asset):
                return Judgement(rule.severity_for(sl_t), rule.id)
        return Judgement(self.default_severity, "")


def highest(severities: Sequence[str]) -> str | None:
    return max(severities, key=_RANK.__getitem__) if severities else None


def at_least(severity: str, floor: str) -> bool:
    return _RANK[severity] >= _RANK[floor]


def compile_pattern(path: str) -> re.Pattern[str]:
    """A path pattern as a regular expression over JSON Pointers: ``*`` one segment, ``**`` any number,
    ``(a|b)`` alternatives inside a segment; everything else literal."""
    if not path.startswith("/"):
        raise RuleError(f"path {path!r} must start with /")
    parts = []
    for segment in path[1:].split("/"):
        if segment == "**":
            parts.append("(?:/[^/]*)*")
        elif segment == "*":
            parts.append("/[^/]+")
        elif segment and _SEGMENT.match(segment):
            parts.append("/" + "".join(_literal(piece) for piece in re.split(r"(\([^)]*\))", segment)))
        else:
            raise RuleError(f"path {path!r}: segment {segment!r} is not a name, *, ** or (a|b)")
    return re.compile("".join(parts))


def _literal(piece: str) -> str:
    if piece.startswith("("):
        return "(?:" + "|".join(re.escape(p) for p in piece[1:-1].split("|")) + ")"
    return re.escape(piece)


def _lookup(value: Any, key: str) -> Any:
    if key == "":
        return value
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def parse_rules(document: Any, *, source: str = "rules") -> tuple[list[Rule], str | None, list[str]]:
    """(rules, default severity or None, ids of shipped rules to disable) from a rules document."""
    if not isinstance(document, Mapping):
        raise RuleError(f"{source}: expected a mapping with 'rules'")
    unknown = set(document) - {"rules", "default_severity", "disable"}
    if unknown:
        raise RuleError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    default = document.get("default_severity")
    if default is not None and default not in SEVERITIES:
        raise RuleError(f"{source}: default_severity must be one of {', '.join(SEVERITIES)}")
    disable = document.get("disable") or []
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise RuleError(f"{source}: 'disable' must be a list of rule ids")
    raw = document.get("rules") or []
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        raise RuleError(f"{source}: 'rules' must be a list of at most {MAX_RULES} rules")
    rules = [_rule(item, f"{source} rule {n + 1}") for n, item in enumerate(raw)]
    return rules, default, disable


def _rule(item: Any, where: str) -> Rule:
    if not isinstance(item, Mapping):
        raise RuleError(f"{where}: expected a mapping")
    unknown = set(item) - {
        "id",
        "description",
        "path",
        "kinds",
        "where",
        "severity",
        "raise_to",
        "applies_to",
    }
    if unknown:
        raise RuleError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{0,99}", rule_id):
        raise RuleError(f"{where}: 'id' must be lower-case letters, digits, '.' or '-'")
    where = f"{where} ({rule_id})"
    severity = item.get("severity")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    kinds = item.get("kinds") or list(KINDS)
    if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
        raise RuleError(f"{where}: kinds must be a list of {', '.join(KINDS)}")
    path = item.get("path")
    if not isinstance(path, str) or len(path) > 500:
        raise RuleError(f"{where}: 'path' must be a pattern such as /opcua/endpoints/*")
    conditions = item.get("where") or []
    if not isinstance(conditions, list):
        raise RuleError(f"{where}: 'where' must be a list of conditions")
    raise_to, frs, minimum = _raise(item.get("raise_to"), where)
    asset_types, conduit_device = _applies_to(item.get("applies_to"), where)
    return Rule(
        id=rule_id,
        description=str(item.get("description") or "")[:500],
        pattern=compile_pattern(path),
        kinds=frozenset(kinds),
        where=tuple(_condition(c, where) for c in conditions),
        severity=severity,
        raise_to=raise_to,
        raise_frs=frs,
        raise_at_least=minimum,
        asset_types=asset_types,
        conduit_security_device=conduit_device,
    )


def _applies_to(item: Any, where: str) -> tuple[frozenset[str] | None, bool]:
    if item is None:
        return None, False
    if not isinstance(item, Mapping) or set(item) - {"asset_types", "conduit_security_device"}:
        raise RuleError(f"{where}: applies_to is {{asset_types: [...], conduit_security_device: true|false}}")
    types = item.get("asset_types") or []
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        raise RuleError(f"{where}: applies_to.asset_types must be a list of asset types")
    conduit = item.get("conduit_security_device", False)
    if not isinstance(conduit, bool):
        raise RuleError(f"{where}: applies_to.conduit_security_device is true or false")
    return frozenset(types), conduit


def _condition(item: Any, where: str) -> Condition:
    if not isinstance(item, Mapping) or not isinstance(item.get("key", ""), str):
        raise RuleError(f"{where}: a condition is {{key: ..., <operator>: value}}")
    of = item.get("of", "")
    if of not in ("", "before", "after"):
        raise RuleError(f"{where}: a condition's 'of' is before or after")
    operators = [op for op in item if op not in ("key", "of")]
    if len(operators) != 1 or operators[0] not in OPERATORS:
        raise RuleError(f"{where}: a condition has exactly one of {', '.join(OPERATORS)}")
    operator = operators[0]
    operand = item[operator]
    if operator in ("in", "not_in") and not isinstance(operand, list):
        raise RuleError(f"{where}: '{operator}' takes a list")
    if operator in ("less_than", "more_than", "days_until_less_than") and (
        not isinstance(operand, int | float) or isinstance(operand, bool)
    ):
        raise RuleError(f"{where}: '{operator}' takes a number")
    # YAML reads the word None as a string, which is what OPC UA calls the policy: keep it so.
    return Condition(str(item.get("key", "")), operator, operand, of)


def _raise(item: Any, where: str) -> tuple[str | None, tuple[int, ...], int]:
    if item is None:
        return None, (), 0
    if not isinstance(item, Mapping) or item.get("severity") not in SEVERITIES:
        raise RuleError(f"{where}: raise_to needs a severity")
    when = item.get("when_sl_t")
    if not isinstance(when, Mapping):
        raise RuleError(f"{where}: raise_to needs when_sl_t: {{frs: [...], at_least: N}}")
    frs = when.get("frs")
    minimum = when.get("at_least")
    if not isinstance(frs, list) or not frs or not all(isinstance(f, int) and 1 <= f <= 7 for f in frs):
        raise RuleError(f"{where}: when_sl_t.frs must list foundational requirements 1-7")
    if not isinstance(minimum, int) or not 0 <= minimum <= 4:
        raise RuleError(f"{where}: when_sl_t.at_least must be a level 0-4")
    return str(item["severity"]), tuple(frs), minimum


def load_yaml(text: str, *, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise RuleError(f"{source}: not valid YAML") from None


@cache
def shipped() -> tuple[tuple[Rule, ...], str]:
    text = files("otcsms.configs").joinpath("default_rules.yaml").read_text(encoding="utf-8")
    rules, default, _ = parse_rules(load_yaml(text, source="default_rules.yaml"), source="default_rules.yaml")
    return tuple(rules), default or "low"


def rule_set(overrides: Sequence[Any] = ()) -> RuleSet:
    """The shipped rules with each override document (parsed YAML) in front, in the order given."""
    own: list[Rule] = []
    disabled: set[str] = set()
    shipped_rules, default = shipped()
    for n, document in enumerate(overrides):
        rules, own_default, disable = parse_rules(document, source=f"override {n + 1}")
        own += rules
        disabled |= set(disable)
        default = own_default or default
    return RuleSet(tuple(own) + tuple(r for r in shipped_rules if r.id not in disabled), default)
