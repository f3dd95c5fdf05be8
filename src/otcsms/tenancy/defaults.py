"""Values an instance starts with (plain Python: ``otcsms init`` reads them before Django is set up)."""

from __future__ import annotations

from typing import Final

# The organisation's name until someone names it: the getting-started checklist asks for a real one.
DEFAULT_ORGANISATION_NAME: Final = "My organisation"
