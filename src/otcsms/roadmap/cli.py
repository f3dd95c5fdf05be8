"""`otcsms import actions FILE --site S`: roadmap actions from CSV, XLSX or JSON, all or nothing; `otcsms poam
--site S -o FILE` and `otcsms import poam FILE --site S`: the POA&M workbook out and its edits back; `otcsms roadmap
sync [--site S] [--json]`: actions from open vulnerabilities and drift findings.

Declared as an import kind (core.registry.ImportKind) of the `otcsms import` command; imported before Django is
set up, so Django and the models are imported inside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, JsonFlag, err, fail, find_site, out, require_initialised, setup_django


def import_actions(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Import the file's actions into the site (exit 2 with the first problem, and nothing written, on any)."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant.importfiles import ImportRejected
    from otcsms.roadmap import exchange

    if site is None:
        fail("importing actions needs --site")
    target = find_site(site)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with acting_as(cli_actor()):
        try:
            result = exchange.import_actions(target, data, file.name)
        except ImportRejected as exc:
            noun = "problem" if len(exc.problems) == 1 else "problems"
            err.print(f"otcsms: {file.name}: {len(exc.problems)} {noun}, nothing was imported: {exc.problems[0]}",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
            for problem in exc.problems[1:]:
                err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        out.print(result.describe(), highlight=False, markup=False)


def import_poam(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Apply an edited POA&M workbook to the site's actions (owner, status, status_reason, start_on, due_on), all
    or nothing: exit 2 with every problem, and nothing written, on any."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.models import User
    from otcsms.plant.importfiles import ImportRejected
    from otcsms.roadmap import poam_sheet

    if site is None:
        fail("importing a POA&M needs --site")
    target = find_site(site)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    # The command line is the instance's administrator: an org admin that exists only for this run.
    admin = User(username=cli_actor().label[:150], is_org_admin=True, is_active=True)
    with acting_as(cli_actor()):
        try:
            result = poam_sheet.import_poam(target, data, file.name, by=admin)
        except ImportRejected as exc:
            noun = "problem" if len(exc.problems) == 1 else "problems"
            err.print(f"otcsms: {file.name}: {len(exc.problems)} {noun}, nothing was changed: {exc.problems[0]}",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
            for problem in exc.problems[1:]:
                err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        out.print(result.describe(), highlight=False, markup=False)


def poam(
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="XLSX file to write.")],
    data_dir: DataDir = None,
) -> None:
    """Write the site's plan of action and milestones as XLSX: every roadmap action and every open gap no action
    addresses yet, with filters and a frozen header. Edit owner, status, status_reason, start_on and due_on, then
    `otcsms import poam FILE --site S`."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.roadmap import poam_sheet

    target = find_site(site)
    _name, data = poam_sheet.export_xlsx(target)
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    out.print(
        f"POA&M of {target.name} written to {output} ({len(data)} bytes)", highlight=False, markup=False
    )


roadmap_app = typer.Typer(help="Roadmap actions.", no_args_is_help=True)


@roadmap_app.command("sync")
def sync_command(
    site: Annotated[
        str | None, typer.Option("--site", help="Site code, name or id (default: every site).")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Create or update roadmap actions from open vulnerabilities and drift findings (one per source)."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.roadmap import sources

    target = find_site(site) if site is not None else None
    with acting_as(cli_actor()):
        result = sources.sync_site(target) if target is not None else sources.sync_all()
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        out.print(result.describe(), highlight=False, markup=False)
