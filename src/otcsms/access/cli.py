"""`otcsms import accounts FILE --system X [--site S]`: a system's account export, reconciled against grants.

Declared as an import kind (core.registry.ImportKind) of the `otcsms import` command; imported before Django is
set up, so Django and the models are imported inside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from otcsms.cli_support import err, fail, find_site, out, require_initialised, setup_django


def import_accounts(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Import the account list; print what changed and the reconciliation (exit 2 and nothing written on any
    problem in the file)."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.access import services
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant.importfiles import ImportRejected

    target = _find_system(system or "", find_site(site) if site is not None else None)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with acting_as(cli_actor()):
        try:
            result = services.import_accounts(target, data, file.name)
        except ImportRejected as exc:
            noun = "problem" if len(exc.problems) == 1 else "problems"
            err.print(f"otcsms: {file.name}: {len(exc.problems)} {noun}, nothing was imported", markup=False)
            for problem in exc.problems:
                err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        out.print(result.describe(), highlight=False, markup=False)


def _find_system(ref: str, site: Any) -> Any:
    from django.db.models import Q

    from otcsms.access.models import AccessSystem
    from otcsms.core.inputs import parse_id

    query = Q(name__iexact=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    found = AccessSystem.objects.filter(query)
    if site is not None:
        found = found.filter(site=site)
    systems = list(found.select_related("site")[:2])
    if not systems:
        fail(f"no system {ref!r} (give its name or id{'' if site else ', and --site when names repeat'})")
    if len(systems) > 1:
        fail(f"several sites have a system {ref!r}: give --site")
    return systems[0]
