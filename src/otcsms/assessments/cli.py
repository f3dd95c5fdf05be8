"""`otcsms gaps`: the gap list of a site's latest assessment of a framework."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, JsonFlag, fail, find_site, require_initialised, setup_django

FORMATS = ("table", "csv", "xlsx", "json")


def gaps(
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    framework: Annotated[str, typer.Option("--framework", help="Framework key, e.g. iec62443-3-3.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv, xlsx or json")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Gap list (not met, partially met) of the latest assessment, with comments and evidence; exit 1 when
    there are gaps. --json is short for --format json."""
    if as_json:
        if fmt not in ("table", "json"):
            fail(f"--json and --format {fmt} contradict each other: give one")
        fmt = "json"
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if output is None and fmt == "xlsx" and sys.stdout.isatty():
        fail("an XLSX export is binary: give -o FILE")
    setup_django(data_dir)
    require_initialised()
    from otcsms.assessments import gapexport, services

    target = find_site(site)
    try:
        key = gapexport.framework_key(framework)
    except gapexport.UnknownFrameworkError as exc:
        fail(str(exc))
    assessment = services.latest_assessment(target, key)
    if assessment is None:
        fail(f"no assessment of {key!r} at {target.name}")
    rows = gapexport.gap_rows(assessment)
    data = _table(assessment, rows) if fmt == "table" else gapexport.write(assessment, rows, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    if rows:
        raise typer.Exit(1)


def _table(assessment, rows) -> bytes:
    from otcsms.assessments import gapexport

    lines = [f"{assessment.name}: {len(rows)} gaps"]
    for group in gapexport.grouped(rows):
        lines.append(f"{group.zone or 'site'} ({group.count})")
        for fr in group.frs:
            lines.append(f"  {fr.fr or '-'} ({len(fr.rows)})")
            for row in fr.rows:
                level = f" from SL{row.sl_required}" if row.sl_required else ""
                target = f", zone SL-T {row.zone_sl_t}" if row.zone_sl_t is not None else ""
                lines.append(f"    {row.status:<14} {row.requirement:<14}{level}{target}  {row.title}")
                if row.inherited_from:
                    lines.append(f"      inherited from: {row.inherited_from}")
                if row.owner:
                    lines.append(f"      owner: {row.owner}")
                if row.comment:
                    lines.append(f"      comment: {' '.join(row.comment.split())}")
                if row.evidence:
                    lines.append(f"      evidence: {', '.join(row.evidence)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def import_gaps(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """`otcsms import gaps FILE --site S`: apply an edited gap list (status, owner, comment) to the answers of the
    site's latest assessment of the framework the file's requirements belong to, all or nothing: exit 2 with
    every problem, and nothing written, on any."""
    setup_django(data_dir)
    require_initialised()
    import json

    from otcsms.assessments import gapimport
    from otcsms.cli_support import err, out
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant.importfiles import ImportRejected

    if site is None:
        fail("importing gaps needs --site")
    if system is not None:
        fail("--system does not apply to gaps")
    target = find_site(site)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with acting_as(cli_actor()):
        try:
            assessment = gapimport.assessment_of(target, data, file.name)
            result = gapimport.import_gaps(assessment, data, file.name, by=None)
        except ImportRejected as exc:
            noun = "problem" if len(exc.problems) == 1 else "problems"
            err.print(f"otcsms: {file.name}: {len(exc.problems)} {noun}, nothing was changed: {exc.problems[0]}",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
            for problem in exc.problems[1:]:
                err.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    if as_json:
        print(json.dumps({"assessment_id": assessment.pk, **result.as_dict()}))
    else:
        out.print(f"{assessment.name}: {result.describe()}", highlight=False, markup=False)
