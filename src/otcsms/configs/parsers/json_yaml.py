"""Plain JSON or YAML configuration files: the document as it is, under ``config``.

A top-level ``volatile`` key, when present, is taken as the volatile part (process values kept for context).
YAML is read with the safe loader (no Python objects, no tags that run code).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from otcsms.configs.parsers import Parsed, ParseError

KIND = "json"
LABEL = "JSON or YAML document"
_SUFFIXES = (".json", ".yaml", ".yml")


def sniff(name: str, head: bytes) -> bool:
    return name.lower().endswith(_SUFFIXES) or head.lstrip()[:1] in (b"{", b"[")


def parse(data: bytes) -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (byte {exc.start})") from None
    document = _load(text)
    if not isinstance(document, dict):
        raise ParseError(f"the document is a {type(document).__name__}, not a mapping of settings")
    volatile = document.pop("volatile", {})
    if not isinstance(volatile, dict):
        raise ParseError("'volatile' must be a mapping")
    return Parsed(kind=KIND, config=document, volatile=volatile)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ParseError(f"neither JSON nor YAML{where}") from None
