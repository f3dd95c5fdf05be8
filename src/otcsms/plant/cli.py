"""`otcsms import` and `otcsms export`: the plant model (and sites, people) from and to CSV, XLSX or JSON.

Registered on the main app in ``otcsms.cli``; imported before Django is set up, so Django and the models are
imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from otcsms.cli_support import DataDir, err, fail, find_site, out, require_initialised, setup_django
from otcsms.core import registry

if TYPE_CHECKING:
    from otcsms.plant.importfiles import ImportRejected

KINDS = ("sites", "zones", "conduits", "assets", "people")
SITE_KINDS = ("zones", "conduits", "assets")
FORMATS = ("csv", "xlsx", "json")

SiteOption = Annotated[
    str | None, typer.Option("--site", help="Site code, name or id (required for zones, conduits, assets).")
]


def import_command(
    kind: Annotated[
        str, typer.Argument(help="sites, zones, conduits, assets, people, or a kind another app adds")
    ],
    file: Annotated[Path, typer.Argument(help="A .csv, .xlsx or .json file (or what the kind reads).")],
    site: SiteOption = None,
    system: Annotated[
        str | None,
        typer.Option("--system", help="The system the file was exported from (kinds that need one)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON document.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Import a file, all or nothing: every problem is listed (row, column, reason) and nothing is written."""
    added = {k.kind: k for k in registry.import_kinds()}
    if kind in added:
        if added[kind].needs == "system" and system is None:
            fail(f"importing {kind} needs --system")
        registry.resolve(added[kind].target)(
            file, site=site, system=system, as_json=as_json, data_dir=data_dir
        )
        return
    if system is not None:
        fail(f"--system does not apply to {kind}")
    if kind not in KINDS:
        fail(f"unknown kind {kind!r}; use one of {', '.join([*KINDS, *added])}")
    if kind in SITE_KINDS and site is None:
        fail(f"importing {kind} needs --site")
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant import services
    from otcsms.plant.importfiles import ImportRejected

    target = find_site(site) if site is not None else None
    with acting_as(cli_actor()), _ProgressBar(file.name) as progress:
        try:
            summary = services.import_file(kind, file, file.name, target, progress=progress)
        except ImportRejected as exc:
            progress.stop()
            _report_problems(exc, file)
    if as_json:
        print(json.dumps(summary.as_dict()))
    else:
        out.print(summary.describe(), highlight=False)


def _report_problems(exc: ImportRejected, file: Path) -> None:
    count = len(exc.problems)
    noun = "problem" if count == 1 else "problems"
    err.print(f"otcsms: {file.name}: {count} {noun}, nothing was imported", highlight=False, markup=False)
    for problem in exc.problems:
        err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


class _ProgressBar:
    """A Rich progress bar on standard error while reading, checking and writing; silent without a terminal."""

    def __init__(self, name: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        )  # fmt: skip
        self._task = self._progress.add_task(f"reading {name}", total=None)
        self._stopped = False

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        self._progress.update(self._task, description=stage, completed=done, total=total or None)


def export_command(
    kind: Annotated[str, typer.Argument(help="sites, zones, conduits, assets or people")],
    site: SiteOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or json")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Export in the import format: the file imports back unchanged (into this site or another)."""
    if kind not in KINDS:
        fail(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if kind in SITE_KINDS and site is None:
        fail(f"exporting {kind} needs --site")
    if output is None and fmt == "xlsx" and sys.stdout.isatty():
        fail("an XLSX export is binary: give -o FILE")
    setup_django(data_dir)
    require_initialised()
    from otcsms.plant import services

    target = find_site(site) if site is not None else None
    data = services.export(kind, target, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
