"""`otcsms frameworks ...`: list, import, export (OSCAL or library file), crosswalk, diff between versions.

Imported by otcsms.cli before Django is set up: Django and the models are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from otcsms.cli_support import DataDir, JsonFlag, fail, require_initialised, setup_django

frameworks_app = typer.Typer(
    help="The framework library: catalogs, crosswalks, versions and OSCAL.", no_args_is_help=True
)

# Scripts read --json; a table piped to a file or a pager should not wrap at 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def _ready(data_dir: Path | None) -> None:
    setup_django(data_dir)
    require_initialised()


def _fail(reason: str) -> NoReturn:
    fail(reason)


def _framework(spec: str):
    from otcsms.catalogs.services import LookupProblem, find_framework

    try:
        return find_framework(spec)
    except LookupProblem as exc:
        _fail(str(exc))


@frameworks_app.command("list")
def list_frameworks(
    all_versions: Annotated[
        bool, typer.Option("--all", help="Include superseded versions, not only the current ones.")
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The loaded frameworks: id, version, name, publisher, size, licence."""
    _ready(data_dir)
    from otcsms.catalogs.models import Framework

    rows = Framework.objects.order_by("key", "-is_current", "version")
    if not all_versions:
        rows = rows.filter(is_current=True)
    listed: list[dict[str, Any]] = [
        {
            "id": fw.key, "version": fw.version, "name": fw.name, "publisher": fw.publisher,
            "edition": fw.edition, "current": fw.is_current, "origin": fw.origin,
            "requirements": fw.requirements_count, "assessable": fw.assessable_count, "licence": fw.licence,
            "pk": fw.pk,
        }
        for fw in rows
    ]  # fmt: skip
    if as_json:
        print(json.dumps(listed, ensure_ascii=False))
        return
    if not listed:
        out.print("no frameworks loaded: run `otcsms init`", highlight=False)
        return
    table = Table("id", "version", "name", "publisher", "requirements", "assessable", "origin", box=None)
    for row in listed:
        version = row["version"] + ("" if row["current"] else " (superseded)")
        table.add_row(
            row["id"], version, row["name"], row["publisher"], str(row["requirements"]),
            str(row["assessable"]), row["origin"],
        )  # fmt: skip
    out.print(table)


@frameworks_app.command("import")
def import_files(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="Library file(s) (YAML/JSON; several are one all-or-nothing batch), or one OSCAL catalog or profile.",
        ),
    ],
    framework: Annotated[
        str | None,
        typer.Option(
            help="OSCAL catalog: the id to load it as. OSCAL profile: the framework it selects from."
        ),
    ] = None,
    version: Annotated[str | None, typer.Option(help="OSCAL only: the version to load it as.")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Validate the whole input, then load it in one transaction (nothing is written if anything is wrong)."""
    _ready(data_dir)
    from otcsms.catalogs.libformat import LibraryError
    from otcsms.catalogs.loader import import_library_files
    from otcsms.core.actor import acting_as, cli_actor

    for file in files:
        if not file.is_file():
            _fail(f"{file}: no such file")
    try:
        with acting_as(cli_actor()):
            result = import_library_files(files, framework=framework, version=version)
    except LibraryError as error:
        first, others = error.problems[0], len(error.problems) - 1
        more = f" (and {others} more problem{'s' if others != 1 else ''})" if others else ""
        _fail(f"{first}{more}")
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    for line in result.describe():
        out.print(line, highlight=False, markup=False)
    if not result.changed:
        out.print("nothing changed", highlight=False)


@frameworks_app.command("export")
def export(
    framework_id: Annotated[str, typer.Argument(metavar="ID", help="Framework id, or id@version.")],
    format_: Annotated[
        str,
        typer.Option("--format", help="oscal (an OSCAL 1.1 catalog) or library (an otcsms library file)."),
    ] = "oscal",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: standard output).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write one framework version as an OSCAL catalog (JSON) or a library file (JSON, or YAML for .yaml)."""
    if format_ not in ("oscal", "library"):
        _fail(f"unknown format {format_!r}; use oscal or library")
    _ready(data_dir)
    from otcsms.catalogs import services
    from otcsms.catalogs.libformat import framework_to_document

    fw = _framework(framework_id)
    if format_ == "oscal":
        text = json.dumps(services.oscal_catalog(fw), indent=2, ensure_ascii=False)
    else:
        document = framework_to_document(services.framework_doc(fw))
        text = _library_text(document, yaml_file=output is not None and output.suffix in (".yaml", ".yml"))
    if output is None:
        print(text)
        return
    if not output.parent.is_dir():
        _fail(f"{output.parent}: no such directory")
    output.write_text(text + "\n", encoding="utf-8")
    out.print(f"wrote {fw.key} {fw.version} to {output}", highlight=False, markup=False)


def _library_text(document: dict[str, Any], *, yaml_file: bool) -> str:
    if not yaml_file:
        return json.dumps(document, indent=2, ensure_ascii=False)
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110).rstrip()


@frameworks_app.command("crosswalk")
def crosswalk(
    framework: Annotated[str, typer.Argument(help="Framework id, e.g. iec62443-3-3.")],
    requirement: Annotated[str, typer.Argument(help="Requirement as the standard writes it, e.g. 'SR 1.3'.")],
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=5, help="Longest path followed.")] = 3,
    related: Annotated[
        bool, typer.Option("--related", help="List the related requirements too, not only their count.")
    ] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """What this requirement is mapped to in every other framework (relationship, strength, hops, path), then
    how many it is only related to (over an intersect hop in a longer path, or mixed subset/superset hops)."""
    _ready(data_dir)
    from otcsms.catalogs import services

    fw = _framework(framework)
    try:
        req = services.find_requirement(fw, requirement)
        answer = services.crosswalk(req, max_hops)
    except (services.LookupProblem, services.NotCurrent) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(answer.as_dict(), ensure_ascii=False))
        return
    out.print(f"{fw.key} {req.ref}: {req.title}", highlight=False, markup=False)
    out.print(f"{answer.summary()} within {max_hops} hop{'s' if max_hops != 1 else ''}", highlight=False)
    if answer.mapped:
        out.print(_crosswalk_table(answer.mapped))
    if answer.related and related:
        out.print("related (nothing is inferred over these):", highlight=False)
        out.print(_crosswalk_table(answer.related))
    elif answer.related:
        out.print("--related lists the related ones", highlight=False, markup=False)


def _crosswalk_table(rows) -> Table:
    table = Table("framework", "requirement", "relationship", "strength", "hops", "path", box=None)
    for row in rows:
        path = " -> ".join(row.path[1:])
        table.add_row(
            row.framework, row.requirement, row.relationship, str(row.strength), str(row.hops), path
        )
    return table


@frameworks_app.command("diff")
def diff(
    key: Annotated[str, typer.Argument(help="Framework id.")],
    old: Annotated[str, typer.Argument(help="The version assessments were made against.")],
    new: Annotated[str, typer.Argument(help="The newer version.")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The migration between two loaded versions: requirements added, removed, retitled, reworded, moved."""
    _ready(data_dir)
    from otcsms.catalogs import services

    before = _framework(f"{key}@{old}")
    after = _framework(f"{key}@{new}")
    result = services.diff_between(before, after)
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    out.print(result.summary(), highlight=False, markup=False)
    for name, refs in (("added", result.added), ("removed", result.removed)):
        if refs:
            out.print(f"{name}: {', '.join(refs)}", highlight=False, markup=False)
    for name, changes in (("retitled", result.retitled), ("moved", result.moved)):
        for change in changes:
            out.print(
                f"{name}: {change.ref}: {change.before} -> {change.after}", highlight=False, markup=False
            )
    if result.text_changed:
        reworded = ", ".join(c.ref for c in result.text_changed)
        out.print(f"text changed: {reworded}", highlight=False, markup=False)
