"""`otcsms check`: run the continuous checks and report the open findings (the platform's command, beside
`user`, `token` and `audit` in otcsms/cli.py: the checks app sits below the command-line kit).

Exit 1 when an open finding is high or critical, or a check raised (the run recorded it as that check's
error); 2 on bad usage, before anything is written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from otcsms.cli_support import DataDir, JsonFlag, err, find_site, out, require_initialised, setup_django

if TYPE_CHECKING:
    from otcsms.checks.engine import RunReport


def check_command(
    site: Annotated[
        str | None, typer.Option("--site", help="Site code, name or id (default: every site).")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Run the continuous checks: open new findings, close resolved ones; exit 1 on open high/critical."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.checks.engine import run_checks
    from otcsms.core.actor import acting_as, cli_actor

    target = find_site(site) if site is not None else None
    with acting_as(cli_actor()):
        report = run_checks(target) if as_json else _run_with_progress(target)
    findings = open_findings(report.site_ids)
    if as_json:
        print(json.dumps({"findings": findings, "errors": _errors(report)}))
    else:
        _print(report, findings)
    if failing(findings) or report.errors:
        raise typer.Exit(1)


def _run_with_progress(site) -> RunReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from otcsms.checks.engine import run_checks
    from otcsms.tenancy.models import Site

    total = 1 if site is not None else Site.objects.count()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    # Only on a terminal: a scheduler's log gets the summary, not the bar's leftovers.
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("checking", total=total)

        finished = iter(range(total + 1))  # sites done before the one starting now

        def on_site(current) -> None:
            progress.update(task, description=f"checking {current.name}", completed=next(finished))

        report = run_checks(site, on_site=on_site)
        progress.update(task, completed=total)
    return report


def open_findings(site_ids: list[int]) -> list[dict[str, Any]]:
    """The open findings of these sites, most severe first, as `otcsms check --json` prints them."""
    from otcsms.checks.models import SEVERITY_ORDER, Finding

    rank = {severity: i for i, severity in enumerate(SEVERITY_ORDER)}
    rows = Finding.objects.filter(site_id__in=site_ids, status=Finding.Status.OPEN).select_related("site")
    ordered = sorted(rows, key=lambda f: (rank.get(f.severity, 9), f.site.name, f.check_id, f.object_repr))
    return [
        {"check": f.check_id, "severity": f.severity, "site": f.site.name, "object": f.object_repr,
         "message": f.message, "requirements": f.requirements}
        for f in ordered
    ]  # fmt: skip


def failing(findings: list[dict[str, Any]]) -> bool:
    from otcsms.checks.models import FAILING_SEVERITIES

    return any(f["severity"] in FAILING_SEVERITIES for f in findings)


def _errors(report: RunReport) -> list[dict[str, str]]:
    return [{"check": o.check, "site": s.site_name, "error": o.error} for s, o in report.errors]


def _print(report: RunReport, findings: list[dict[str, Any]]) -> None:
    out.print(f"{report.summary()}; {len(findings)} open", highlight=False)
    for f in findings:
        refs = ", ".join(f"{key} {ref}" for key, ref in f["requirements"])
        out.print(
            f"  {f['severity']:<8} {f['site']}: {f['message']}  [{f['check']}; {refs}]",
            highlight=False,
            markup=False,
        )
    for item in _errors(report):
        err.print(
            f"check {item['check']} failed on {item['site']}: {item['error']}", highlight=False, markup=False
        )
