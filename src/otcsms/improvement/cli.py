"""`otcsms kpi capture` and `otcsms kpi show`: measure and store every KPI now, and print a site's newest values.

Imported before Django is set up: Django and the models are imported inside the commands.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from otcsms.cli_support import DataDir, JsonFlag, err, fail, find_site, out, require_initialised, setup_django

kpi_app = typer.Typer(help="Key performance indicators of the CSMS: capture them now, show the newest values.",
                      no_args_is_help=True)  # fmt: skip

SiteOption = Annotated[
    str | None, typer.Option("--site", help="Site code, name or id (default: every site).")
]


@kpi_app.command("capture")
def capture(site: SiteOption = None, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Measure every KPI of every site (or one) and keep the values; exit 1 if a KPI failed."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.improvement import services

    target = [find_site(site)] if site is not None else None
    with acting_as(cli_actor()):
        report = services.capture(target)
    if as_json:
        print(json.dumps({"captured_at": report.at.isoformat(), "sites": report.sites, "values": report.values,
                          "errors": [{"site": a, "kpi": b, "error": c} for a, b, c in report.errors]}))  # fmt: skip
    else:
        out.print(report.summary(), highlight=False, markup=False)
        for name, kpi, error in report.errors:
            err.print(f"KPI {kpi} failed on {name}: {error}", highlight=False, markup=False)
    if report.errors:
        raise typer.Exit(1)


@kpi_app.command("show")
def show(
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The site's newest captured value of every KPI."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.improvement import services

    target = find_site(site)
    newest = services.latest([target.pk]).get(target.pk, {})
    rows: list[dict[str, Any]] = [{"key": k.key, "title": k.title, "unit": k.unit, "values": dict(newest.get(k.key, {}))}
            for k in services.kpi_definitions()]  # fmt: skip
    if as_json:
        print(json.dumps({"site": target.name, "kpis": rows}))
        return
    if not newest:
        fail(
            f"no KPI captured yet at {target.name}: run `otcsms kpi capture --site {target.code or target.pk}`",
            1,
        )
    for row in rows:
        values = "; ".join(f"{name + ': ' if name else ''}{v:g}" for name, v in row["values"].items()) or "—"
        out.print(f"{row['title']:<60} {values}", highlight=False, markup=False)
