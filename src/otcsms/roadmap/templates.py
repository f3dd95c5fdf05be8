"""Suggested actions for typical gaps (``action_templates.yaml``) and which of them answer a requirement.

Plain Python apart from reading the shipped YAML (no Django): a gap is named by framework key and requirement
id, and a template matches it when one of its prefixes is the id or its start up to a separator
("SR 1" matches "SR 1.1" and "SR 1.1 RE 2", not "SR 10.1").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SHIPPED = Path(__file__).with_name("action_templates.yaml")
_SEPARATORS = (" ", ".", "(", "-")


@dataclass(frozen=True, slots=True)
class ActionTemplate:
    key: str
    title: str
    description: str
    effort: tuple[float, float]
    cost: tuple[float, float]
    risk_reduction: float
    requirements: dict[str, tuple[str, ...]]  # framework key -> requirement id prefixes

    @property
    def default_effort(self) -> float:
        return round((self.effort[0] + self.effort[1]) / 2, 1)

    @property
    def default_cost(self) -> float:
        return round((self.cost[0] + self.cost[1]) / 2, 2)

    def matches(self, framework: str, ref: str) -> bool:
        return any(_prefix_of(prefix, ref) for prefix in self.requirements.get(framework, ()))


def _prefix_of(prefix: str, ref: str) -> bool:
    return ref == prefix or (ref.startswith(prefix) and ref[len(prefix)] in _SEPARATORS)


@cache
def shipped_templates() -> tuple[ActionTemplate, ...]:
    return parse_templates(SHIPPED.read_text(encoding="utf-8"))


def parse_templates(text: str) -> tuple[ActionTemplate, ...]:
    document = yaml.safe_load(text)
    found = []
    for entry in document["templates"]:
        found.append(ActionTemplate(
            key=str(entry["key"]), title=str(entry["title"]), description=str(entry["description"]).strip(),
            effort=(float(entry["effort"][0]), float(entry["effort"][1])),
            cost=(float(entry["cost"][0]), float(entry["cost"][1])),
            risk_reduction=float(entry["risk_reduction"]),
            requirements={str(k): tuple(str(r) for r in v) for k, v in entry["requirements"].items()},
        ))  # fmt: skip
    return tuple(found)


def template(key: str) -> ActionTemplate | None:
    return next((t for t in shipped_templates() if t.key == key), None)


def matching(framework: str, refs: Iterable[str]) -> dict[str, list[str]]:
    """{template key: the refs among ``refs`` it answers}, templates in file order, only those that match."""
    refs = list(refs)
    found: dict[str, list[str]] = {}
    for t in shipped_templates():
        hits = [ref for ref in refs if t.matches(framework, ref)]
        if hits:
            found[t.key] = hits
    return found
