"""`otcsms report KIND --site S --format html|pdf|docx -o FILE`: a report of a site, as the command line's admin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, fail, require_initialised, setup_django

FORMATS = ("html", "pdf", "docx")


def report(
    kind: Annotated[str, typer.Argument(help="Report kind (gaps, soa, coverage, ...).")],
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or docx (the audit package: zip)")] = "",
    assessment: Annotated[
        str | None,
        typer.Option(
            "--assessment",
            help="Assessment id (per-assessment reports; default: the latest of every framework).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="DOCX only: the id of the site's report template (evidence document tagged report-template), "
            "or 'default' for the shipped one; default: the site's newest approved template.",
        ),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign", help="Access review id (access-review; default: every review of the site)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write a report of a site: standalone HTML (inline styles and charts), PDF or DOCX (Word, in the site's
    approved report template), stating when, by whom and from which data (instance id, audit-trail event) it
    was made. KIND audit-package writes the site's
    audit package (a zip: every report, the approved evidence, the audit trail with a signed checkpoint)."""
    package = kind == "audit-package"
    fmt = fmt or ("zip" if package else "html")
    if fmt not in (("zip",) if package else FORMATS):
        fail(f"unknown format {fmt!r}; use {'zip' if package else 'html, pdf or docx'}")
    if template is not None and fmt != "docx":
        fail("--template applies to --format docx only")
    setup_django(data_dir)
    require_initialised()
    from otcsms.cli_support import find_site
    from otcsms.core.actor import cli_actor
    from otcsms.core.models import User
    from otcsms.reports import docx_templates, framework

    known = framework.kinds()
    if kind not in known and not package:
        fail(f"unknown report kind {kind!r}; known: {', '.join(known)}, audit-package")
    target = find_site(site)
    # The command line is the instance's administrator: an org admin that exists only for this run.
    admin = User(username=cli_actor().label[:150], is_org_admin=True, is_active=True)
    if package:
        _write_package(target, admin, output, assessment if campaign is None else campaign)
        return
    given = (("assessment", assessment), ("campaign", campaign))
    params = {name: value for name, value in given if value is not None}
    try:
        chosen = docx_templates.template_for(target, admin, template or "")[0] if fmt == "docx" else None
        built = framework.build(kind, target, admin, params)
        data = framework.render(built, fmt, template=chosen)
    except framework.ReportError as exc:
        fail(str(exc))
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"{built.data.title} of {target.name} written to {output} ({len(data)} bytes)")


def _write_package(site, admin, output: Path, assessment: str | None) -> None:
    from otcsms.core.checkpoints import ChainBrokenError
    from otcsms.reports import framework
    from otcsms.reports.package import build_package

    if assessment is not None:
        fail("the audit package takes no --assessment or --campaign")
    try:
        with output.open("wb") as out:
            build_package(site, admin, out)
    except (framework.ReportError, ChainBrokenError) as exc:
        output.unlink(missing_ok=True)
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"audit package of {site.name} written to {output} ({output.stat().st_size} bytes)")


def backup(
    file: Annotated[Path, typer.Argument(help="Archive to write (a zip file, mode 0600; it holds no key).")],
    data_dir: DataDir = None,
) -> None:
    """Back up the whole instance while it runs: every row (one consistent read), the evidence files, and a
    manifest with the SHA-256 of every member and a fingerprint of each key. The keys are not in the archive:
    keep the data folder's key files (secret_key, audit_key, audit_signing_key) separately."""
    if file.exists():
        fail(f"{file} exists: give a new file name")
    if not file.parent.is_dir():
        fail(f"no folder {file.parent}")
    setup_django(data_dir)
    require_initialised()
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from otcsms.reports import backup as backups

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("backing up", total=None)
        try:
            done = backups.backup(file, progress=lambda what: bar.update(task, description=what))
        except (OSError, backups.RestoreError) as exc:
            fail(f"backup failed: {exc}")
    typer.echo(
        f"backup written to {file}: {done.rows} rows of {done.tables} tables, {done.files} evidence files, "
        f"audit trail up to event #{done.audit_seq}, {done.bytes} bytes"
    )
    from django.conf import settings

    typer.echo(
        f"the keys are not in the archive: a restore needs them, so keep secret_key, audit_key and "
        f"audit_signing_key of {settings.DATA_DIR} (or their OTCSMS_* variables) separately"
    )


def restore(
    file: Annotated[Path, typer.Argument(help="Archive written by `otcsms backup`.")],
    data_dir: DataDir = None,
) -> None:
    """Restore a backup into an empty instance (a new data folder, an empty database) that already holds the
    source's keys (its key files copied into the data folder, or OTCSMS_SECRET_KEY, OTCSMS_AUDIT_KEY,
    OTCSMS_AUDIT_SIGNING_KEY set): the archive and the keys are checked before anything is written, and the
    audit chain verified before the restore is kept."""
    if not file.is_file():
        fail(f"no file {file}")
    from otcsms.reports import archive

    try:
        checked = archive.check(file)
    except archive.ArchiveError as exc:
        fail(f"refused: {exc}; nothing was restored")
    setup_django(data_dir)
    from django.db.utils import DatabaseError

    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.reports import backup as backups

    try:
        with acting_as(cli_actor()):
            done = backups.restore(file, checked)
    except backups.RestoreError as exc:
        fail(f"{exc}; nothing was restored")
    except DatabaseError as exc:
        fail(f"the database refused the restore: {str(exc).splitlines()[0][:200]}; nothing was restored")
    typer.echo(
        f"restored {done.rows} rows and {done.files} evidence files; audit chain verified: {done.events} events, "
        f"head #{done.head_seq}"
    )


def export_json(
    file: Annotated[Path, typer.Argument(help="JSON file to write (mode 0600; it holds no key).")],
    data_dir: DataDir = None,
) -> None:
    """Write all program data of the instance as one JSON document (every row, the evidence files in base64,
    the audit trail as it is), read in one consistent snapshot while the service runs: to move an instance
    between SQLite and PostgreSQL with `otcsms import-json`. The keys are not in it (see `otcsms backup`)."""
    if file.exists():
        fail(f"{file} exists: give a new file name")
    if not file.parent.is_dir():
        fail(f"no folder {file.parent}")
    setup_django(data_dir)
    require_initialised()
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from otcsms.reports import backup as backups
    from otcsms.reports import jsonexport

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("exporting", total=None)
        try:
            done = jsonexport.export_json(file, progress=lambda what: bar.update(task, description=what))
        except (OSError, backups.RestoreError) as exc:
            fail(f"export failed: {exc}")
    typer.echo(
        f"exported to {file}: {done.rows} rows of {done.tables} tables, {done.files} evidence files, audit trail "
        f"up to event #{done.audit_seq}, {done.bytes} bytes; the keys are not in it: an import needs the "
        f"source's secret_key, audit_key and audit_signing_key"
    )


def import_json(
    file: Annotated[Path, typer.Argument(help="JSON document written by `otcsms export-json`.")],
    data_dir: DataDir = None,
) -> None:
    """Import a JSON export into an empty instance (a new data folder, an empty database; no `otcsms init`) that
    holds the source's keys: the document, the keys and the target are checked before anything is written, and
    the audit chain is verified before the import is kept."""
    if not file.is_file():
        fail(f"no file {file}")
    setup_django(data_dir)
    from django.db.utils import DatabaseError

    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.reports import backup as backups
    from otcsms.reports import jsonexport

    try:
        with acting_as(cli_actor()):
            done = jsonexport.import_json(file)
    except backups.RestoreError as exc:
        fail(f"{exc}; nothing was imported")
    except DatabaseError as exc:
        fail(f"the database refused the import: {str(exc).splitlines()[0][:200]}; nothing was imported")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    typer.echo(
        f"imported {done.rows} rows and {done.files} evidence files; audit chain verified: {done.events} events, "
        f"head #{done.head_seq}"
    )
