"""The shipped MITRE ATT&CK for ICS selection (attack_ics.yaml): techniques and mitigations by id."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SOURCE = Path(__file__).with_name("attack_ics.yaml")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    name: str
    note: str
    tactic: str = ""


@dataclass(frozen=True)
class Catalog:
    notice: str
    techniques: dict[str, Entry]
    mitigations: dict[str, Entry]


@cache
def catalog() -> Catalog:
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))

    def entries(key: str) -> dict[str, Entry]:
        return {e["id"]: Entry(e["id"], e["name"], e["note"], e.get("tactic", "")) for e in data[key]}

    return Catalog(str(data["notice"]), entries("techniques"), entries("mitigations"))


def unknown_ids(ids: list[str]) -> list[str]:
    known = catalog().techniques
    return [i for i in ids if i not in known]
