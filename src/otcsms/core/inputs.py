"""The input rules every boundary applies: ids, integers, datetimes and text.

Plain Python (no Django), so the API schemas, the web forms and views, the importers and the CLI all call
the same functions and answer the same bad input with the same reason.
"""

from __future__ import annotations

import datetime as dt
import re

# Ids are 64-bit signed integers on every database we run on.
MAX_ID = 2**63 - 1
# Offsets and counts beyond this are nonsense for any list we hold; it also keeps every value in 64 bits.
MAX_OFFSET = 2**53
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")

# One-line values (names, codes, short fields): no control character at all (C0, DEL, C1), no
# bidirectional override or isolate that makes a name read differently from what it is, no lone
# surrogate (not encodable as UTF-8: every database refuses it).
_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Free text may also hold tabs and line breaks.
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class InputError(ValueError):
    """A value that cannot be accepted; the message says why, in words a user understands."""


# --- integers -------------------------------------------------------------------------------------


def parse_id(raw: object) -> int | None:
    """A database id from a URL or form value: 1..2**63-1 written in ASCII digits; None for anything else.

    ``str.isdigit()`` is not enough: it accepts "²" and other digits that ``int()`` refuses or reads as
    something else, and it has no upper bound.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def parse_int(raw: object, *, minimum: int, maximum: int) -> int | None:
    """An integer in [minimum, maximum] written in ASCII digits (optionally negative); None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if not _ASCII_DIGITS.fullmatch(digits):
            return None
        value = -int(digits) if negative else int(digits)
    elif isinstance(raw, int):
        value = raw
    else:
        return None
    return value if minimum <= value <= maximum else None


# --- datetimes ------------------------------------------------------------------------------------


_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def aware_utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime, in UTC, between 1970 and 9999; InputError for a naive or out-of-range one."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            "give a time zone (e.g. 2026-01-31T08:00:00Z or +01:00): a time without one is ambiguous"
        )
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        raise InputError("date out of range (1970 to 9999, UTC)") from None
    if not _EARLIEST <= utc <= _LATEST:
        raise InputError("date out of range (1970 to 9999, UTC)")
    return utc


def parse_datetime(raw: str) -> dt.datetime:
    """An ISO 8601 date-time with a time zone, as aware UTC; InputError otherwise."""
    text = raw.strip()
    if len(text) > 64:
        raise InputError("not a date-time (ISO 8601, e.g. 2026-01-31T08:00:00Z)")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError("not a date-time (ISO 8601, e.g. 2026-01-31T08:00:00Z)") from None
    return aware_utc(value)


# --- text -----------------------------------------------------------------------------------------


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    bad = (_TEXT_FORBIDDEN if multiline else _LINE_FORBIDDEN).search(value)
    if bad is None:
        return None
    char = bad.group()
    if char == "\x00":
        return "contains a NUL byte"
    if "\ud800" <= char <= "\udfff":
        return "contains an unpaired surrogate (not valid Unicode text)"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"contains the bidirectional control U+{ord(char):04X}, which makes text read differently"
    if char in "\t\n\r":
        return "must be one line (no tabs or line breaks)"
    return f"contains the control character U+{ord(char):04X}"


def check_text(value: str, *, multiline: bool) -> str:
    """``value`` unchanged, or InputError naming the first character that is not allowed."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise InputError(problem)
    return value


# A field whose length limit is above this holds free text (descriptions, comments, statements); at or
# below, it is one line (names, codes, titles, short fields). Django's CharField/TextField split, in numbers.
LINE_LIMIT = 500


def is_multiline(max_length: int | None) -> bool:
    return max_length is None or max_length > LINE_LIMIT
