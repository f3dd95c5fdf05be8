"""`otcsms report KIND --site S --format html|pdf -o FILE`: a report of a site, as the command line's admin."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, fail, require_initialised, setup_django

FORMATS = ("html", "pdf")


def report(
    kind: Annotated[str, typer.Argument(help="Report kind (gaps, soa, coverage, ...).")],
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="html or pdf")] = "html",
    assessment: Annotated[
        str | None, typer.Option("--assessment", help="Assessment id (per-assessment reports; default: the "
                                 "latest of every framework).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write a report of a site: standalone HTML (inline styles and charts) or PDF, stating when, by whom
    and from which data (instance id, audit-trail event) it was made."""
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use html or pdf")
    setup_django(data_dir)
    require_initialised()
    from otcsms.cli_support import find_site
    from otcsms.core.actor import cli_actor
    from otcsms.core.models import User
    from otcsms.reports import framework

    known = framework.kinds()
    if kind not in known:
        fail(f"unknown report kind {kind!r}; known: {', '.join(known)}")
    target = find_site(site)
    # The command line is the instance's administrator: an org admin that exists only for this run.
    admin = User(username=cli_actor().label[:150], is_org_admin=True, is_active=True)
    params = {"assessment": assessment} if assessment is not None else {}
    try:
        built = framework.build(kind, target, admin, params)
        data = framework.render(built, fmt)
    except framework.ReportError as exc:
        fail(str(exc))
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"{built.data.title} of {target.name} written to {output} ({len(data)} bytes)")
