"""A table of text cells written as CSV, XLSX or JSON: what every access export is made of (the one writer of
``core.spreadsheet``, which every list's export uses too)."""

from __future__ import annotations

from otcsms.core.spreadsheet import CONTENT_TYPES as CONTENT_TYPES
from otcsms.core.spreadsheet import TABLE_FORMATS as FORMATS
from otcsms.core.spreadsheet import write_table as write_table

__all__ = ["CONTENT_TYPES", "FORMATS", "write_table"]
