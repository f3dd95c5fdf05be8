"""The risk matrix: scales, score, level bands and the band -> SL-T convention (plain Python, no Django).

A risk's score is likelihood x consequence, each a 1-based position on its scale; its consequence is the
worst of its consequence categories. The bands give every score of the matrix exactly one level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("safety", "Health and safety"),
    ("environment", "Environment"),
    ("production", "Production / service continuity"),
    ("equipment", "Equipment"),
    ("financial", "Financial"),
    ("regulatory", "Regulatory"),
    ("reputation", "Reputation"),
)
CATEGORY_KEYS = tuple(key for key, _ in CATEGORIES)
LEVELS = ("low", "medium", "high", "critical")
DEFAULT_LIKELIHOOD = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
DEFAULT_CONSEQUENCE = ["Negligible", "Minor", "Moderate", "Major", "Severe"]
DEFAULT_BANDS: list[dict[str, Any]] = [
    {"level": "low", "min": 1, "max": 4},
    {"level": "medium", "min": 5, "max": 9},
    {"level": "high", "min": 10, "max": 16},
    {"level": "critical", "min": 17, "max": 25},
]
MIN_SCALE, MAX_SCALE = 2, 10
MAX_LABEL = 60

# Our convention (docs/risk.md), not the standard's: the SL-T a zone's worst risk justifies. 62443-3-2 leaves
# the mapping to the asset owner; this one reads "a critical risk needs protection against sophisticated
# attackers with extended resources" (SL 4), high against sophisticated means (SL 3), medium against simple
# means (SL 2), low against casual violation (SL 1).
BAND_SL_T: dict[str, int] = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def scale_problems(labels: Any, name: str) -> list[str]:
    if not isinstance(labels, list) or not MIN_SCALE <= len(labels) <= MAX_SCALE:
        return [f"{name}: a list of {MIN_SCALE} to {MAX_SCALE} labels"]
    problems = []
    for index, label in enumerate(labels, start=1):
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
            problems.append(f"{name} {index}: a label of 1 to {MAX_LABEL} characters")
    if len({str(x).strip().casefold() for x in labels}) != len(labels):
        problems.append(f"{name}: every label differs")
    return problems


def scores(n_likelihood: int, n_consequence: int) -> set[int]:
    return {lk * c for lk in range(1, n_likelihood + 1) for c in range(1, n_consequence + 1)}


def band_problems(n_likelihood: int, n_consequence: int, bands: Any) -> list[str]:
    """Why ``bands`` do not give every cell of the matrix exactly one level (empty when they do)."""
    if not isinstance(bands, list) or not bands:
        return ["bands: a list of {level, min, max}"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, band in enumerate(bands, start=1):
        if not isinstance(band, dict) or set(band) != {"level", "min", "max"}:
            problems.append(f"band {index}: exactly level, min and max")
            continue
        level, low, high = band["level"], band["min"], band["max"]
        if level not in LEVELS:
            problems.append(f"band {index}: level is one of {', '.join(LEVELS)}")
        elif level in seen:
            problems.append(f"band {index}: {level} appears twice")
        seen.add(str(level))
        if (
            any(isinstance(x, bool) or not isinstance(x, int) for x in (low, high))
            or not 1 <= low <= high <= 100
        ):
            problems.append(f"band {index}: min and max are whole numbers, 1 <= min <= max <= 100")
    if problems:
        return problems
    for score in sorted(scores(n_likelihood, n_consequence)):
        holding = [b["level"] for b in bands if b["min"] <= score <= b["max"]]
        if not holding:
            problems.append(f"score {score} (a cell of the matrix) is in no band")
        elif len(holding) > 1:
            problems.append(f"score {score} is in more than one band ({', '.join(holding)})")
    return problems


def level_of(score: int, bands: Sequence[Mapping[str, Any]]) -> str:
    for band in bands:
        if band["min"] <= score <= band["max"]:
            return str(band["level"])
    return ""


def worst(consequences: Mapping[str, int]) -> int:
    return max((v for v in consequences.values() if v), default=0)


def consequence_problems(consequences: Any, n_consequence: int) -> list[str]:
    if not isinstance(consequences, dict):
        return ["an object {category: level}"]
    problems = []
    for key, value in consequences.items():
        if key not in CATEGORY_KEYS:
            problems.append(f"{str(key)[:40]!r} is not a category ({', '.join(CATEGORY_KEYS)})")
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= n_consequence:
            problems.append(f"{key}: a level from 1 to {n_consequence}")
    return problems
