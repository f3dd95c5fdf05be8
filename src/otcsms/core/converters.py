"""URL converters: ``<id:pk>`` (UI) and ``{id:pk}`` (API) match only ids the databases can hold.

Django's ``int`` converter matches any run of digits; a 30-digit id then reached the database and failed
there (a 5xx). An id outside 1..2**63-1 is simply not a route: 404.
"""

from __future__ import annotations

from otcsms.core.inputs import parse_id


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not an id")  # Django reads this as "no match"
        return parsed

    def to_url(self, value: int) -> str:
        return str(int(value))
