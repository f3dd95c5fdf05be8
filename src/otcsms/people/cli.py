"""The training commands: `otcsms import completions FILE --site S` (an import kind of `otcsms import`) and the
`otcsms people` group: `readiness PERSON --site S [--privilege P]`, `matrix --site S`.

Imported before Django is set up, so Django and the models are imported inside the commands. Exit codes: 0 done,
1 the command ran and found something missing (a person not ready), 2 bad usage or input (nothing written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from otcsms.cli_support import DataDir, JsonFlag, err, fail, find_site, out, require_initialised, setup_django

people_app = typer.Typer(help="Training and personnel security: readiness, the training matrix.",
                         no_args_is_help=True)  # fmt: skip
SiteOption = Annotated[str, typer.Option("--site", help="Site code, name or id.")]
PRIVILEGES = ("view", "operate", "engineer", "administer")


def import_completions(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Record the completions of an LMS export at the site (exit 2 and nothing written on any problem)."""
    if system is not None:
        fail("--system does not apply to completions")
    if site is None:
        fail("importing completions needs --site")
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.people import services
    from otcsms.people.completionfile import CompletionFileRejected

    target = find_site(site)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with acting_as(cli_actor()):
        try:
            result = services.import_completions(target, data, file.name[:100])
        except CompletionFileRejected as exc:
            noun = "problem" if len(exc.problems) == 1 else "problems"
            err.print(f"otcsms: {file.name}: {len(exc.problems)} {noun}, nothing was imported", markup=False)
            for problem in exc.problems:
                err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        out.print(result.describe(), highlight=False, markup=False)


def _find_person(ref: str, site: Any) -> Any:
    from django.db.models import Q

    from otcsms.core.inputs import parse_id
    from otcsms.org.models import Person

    query = Q(name__iexact=ref) | Q(email__iexact=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    found = list(Person.objects.filter(query).filter(Q(site=site) | Q(site__isnull=True))[:2])
    if not found:
        fail(f"no person {ref!r} at {site.name} (name, e-mail or id)")
    if len(found) > 1:
        fail(f"{ref!r} names several people: use the e-mail address or the id")
    return found[0]


@people_app.command("readiness")
def readiness_command(
    person: Annotated[str, typer.Argument(help="Name, e-mail address or id.")],
    site: SiteOption,
    privilege: Annotated[
        str | None, typer.Option("--privilege", help="view, operate, engineer or administer.")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """What PERSON still needs before access at the site (exit 1 when something is missing or expired)."""
    if privilege is not None and privilege not in PRIVILEGES:
        fail(f"--privilege must be one of {', '.join(PRIVILEGES)}")
    setup_django(data_dir)
    require_initialised()
    from otcsms.people import services

    target = find_site(site)
    who = _find_person(person, target)
    result = services.readiness(who, target, privilege)
    if as_json:
        print(json.dumps({
            "person": who.name, "site": target.code, "privilege": privilege, "ready": result.ready,
            "needs": [{"what": n.what, "subject": n.subject, "status": n.status, "message": n.message,
                       "on": n.since.isoformat() if n.since else None} for n in result.needs],
        }))  # fmt: skip
    else:
        head = "ready" if result.ready else f"NOT READY ({len(result.needs)} missing or expired)"
        out.print(f"{who.name} at {target.name}{f' for {privilege} access' if privilege else ''}: {head}",
                  highlight=False, markup=False)  # fmt: skip
        for n in result.items:
            out.print(f"  {'ok ' if n.status == 'ok' else 'NO '} {n.message}", highlight=False, markup=False)
    if not result.ready:
        raise typer.Exit(1)


@people_app.command("matrix")
def matrix_command(site: SiteOption, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """The site's training matrix: people x required courses (ok, expiring, expired, missing)."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.people import services

    target = find_site(site)
    matrix, total = services.training_matrix(None, target, limit=10_000)
    if as_json:
        print(json.dumps({
            "site": target.code, "percent": matrix.percent, "people": total,
            "courses": [c.code for c in matrix.courses],
            "rows": [{"person": r.person.name, "compliant": r.compliant, "cells": [c.status for c in r.cells]}
                     for r in matrix.rows],
        }))  # fmt: skip
        return
    out.print(f"{target.name}: {matrix.percent}% of required training current ({total} people)",
              highlight=False, markup=False)  # fmt: skip
    for r in matrix.rows:
        cells = ", ".join(f"{c.code} {cell.status}" for c, cell in zip(matrix.courses, r.cells, strict=True)
                          if cell.status)  # fmt: skip
        out.print(f"  {r.person.name}: {cells or 'nothing required'}", highlight=False, markup=False)
