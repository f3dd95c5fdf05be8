"""`otcsms gadgets`: imported before Django is set up, like every app's commands (models inside)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, JsonFlag, find_site, out, require_initialised, setup_django


def gadgets(
    site: Annotated[str | None, typer.Option("--site", help="Site code, name or id.")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """List the gadgets (of one site)."""
    setup_django(data_dir)
    require_initialised()
    from tests.toyapp.models import Gadget

    found = Gadget.objects.select_related("site").order_by("site__code", "name")
    if site is not None:
        found = found.filter(site=find_site(site))
    rows = [{"site": g.site.code, "name": g.name} for g in found]
    if as_json:
        print(json.dumps(rows))
        return
    for row in rows:
        out.print(f"{row['site']}  {row['name']}", highlight=False, markup=False)
