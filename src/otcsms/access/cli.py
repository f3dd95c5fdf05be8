"""The access commands: `otcsms import accounts FILE --system X [--site S]` (an import kind of `otcsms import`)
and the `otcsms access` group: `report`, `review export`, `terminate`.

Imported before Django is set up, so Django and the models are imported inside the commands. Exit codes: 0
done, 1 the command ran and found problems (discrepancies in a report), 2 bad usage or input (nothing written).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from otcsms.cli_support import (
    DataDir,
    JsonFlag,
    err,
    fail,
    find_site,
    out,
    require_initialised,
    setup_django,
)

access_app = typer.Typer(
    help="Access governance: the reconciliation report, review records, terminations.", no_args_is_help=True
)
review_app = typer.Typer(help="Access reviews.", no_args_is_help=True)
access_app.add_typer(review_app, name="review")

SiteOption = Annotated[str, typer.Option("--site", help="Site code, name or id.")]
OutputOption = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]


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


# --- otcsms access report ---------------------------------------------------------------------------------
@access_app.command("report")
def report_command(
    site: SiteOption,
    fmt: Annotated[str, typer.Option("--format", help="text, json or csv.")] = "text",
    output: OutputOption = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The site's reconciliation report: every account the grants do not explain, every grant past expiry, with
    the suggested action. Exit 1 when it finds any."""
    fmt = "json" if as_json else fmt
    if fmt not in ("text", "json", "csv"):
        fail(f"--format {fmt!r}: one of text, json, csv")
    setup_django(data_dir)
    require_initialised()
    from otcsms.access import exports

    target = find_site(site)
    if fmt == "text":
        _name, data, report = exports.reconciliation_report(target, "json")
        text = _report_text(target, report, json.loads(data)).encode()
    else:
        _name, text, report = exports.reconciliation_report(target, fmt)
    _write(text, output)
    if report.discrepancies:
        raise typer.Exit(1)


def _report_text(site: Any, report: Any, rows: list[dict[str, str]]) -> str:
    found = ", ".join(f"{n} {c}" for c, n in report.counts().items() if n) or "no discrepancies"
    lines = [f"{site.name}: {report.accounts} accounts against {report.grants} grants: {found}"]
    lines += [f"{r['category']}: {r['object']}: {r['discrepancy']} -> {r['suggested action']}" for r in rows]
    return "\n".join(lines) + "\n"


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    err.print(f"wrote {output}", highlight=False, markup=False)


# --- otcsms access review export --------------------------------------------------------------------------
@review_app.command("export")
def review_export_command(
    campaign: Annotated[
        str, typer.Argument(help="The review's title (add --site when titles repeat) or id.")
    ],
    output: OutputOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, xlsx or json (default: from -o, else csv).")
    ] = "",
    site: Annotated[str | None, typer.Option("--site", help="Site code, name or id.")] = None,
    as_evidence: Annotated[
        bool,
        typer.Option(
            "--evidence",
            help="Also store the signed-off review's record, the access-change log and the "
            "reconciliation report as evidence documents linked to the requirements they evidence.",
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Write the record of a review (every grant, reviewer, decision, comment, sign-off) to -o FILE, and/or store
    the whole record as evidence (--evidence)."""
    if output is None and not as_evidence:
        fail("give -o FILE, --evidence, or both")
    fmt = fmt or (output.suffix.lstrip(".").lower() if output is not None else "") or "csv"
    if fmt not in ("csv", "xlsx", "json"):
        fail(f"format {fmt!r}: one of csv, xlsx, json (--format, or the file's extension)")
    setup_django(data_dir)
    require_initialised()
    from otcsms.access import exports, record_evidence
    from otcsms.access.services import AccessForbiddenError, AccessStateError
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.evidence.services import EvidenceInputError

    review = _find_review(campaign, find_site(site) if site is not None else None)
    if as_evidence and (problem := record_evidence.refusal(None, review)):
        fail(problem)
    if output is not None:
        _write(exports.review_record(review, fmt)[1], output)
    if as_evidence:
        with acting_as(cli_actor()):
            try:
                result = record_evidence.export_review(None, review)
            except (AccessStateError, AccessForbiddenError, EvidenceInputError) as exc:
                fail(str(exc))
        out.print(result.describe(), highlight=False, markup=False)


def _find_review(ref: str, site: Any) -> Any:
    from django.db.models import Q

    from otcsms.access.models import ReviewCampaign
    from otcsms.core.inputs import parse_id

    query = Q(title__iexact=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    found = ReviewCampaign.objects.filter(query).select_related("site")
    if site is not None:
        found = found.filter(site=site)
    reviews = list(found[:2])
    if not reviews:
        fail(f"no access review {ref!r} (give its title or id)")
    if len(reviews) > 1:
        fail(f"several sites have an access review {ref!r}: give --site")
    return reviews[0]


# --- otcsms access terminate ------------------------------------------------------------------------------
@access_app.command("terminate")
def terminate_command(
    person: Annotated[str, typer.Argument(help="The person's name, e-mail or id.")],
    site: SiteOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with every revocation).")],
    effective_at: Annotated[
        str | None,
        typer.Option("--effective-at", help="When the termination took effect (ISO 8601; default now)."),
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Revoke every grant PERSON holds at the site in one action, disable their personal accounts there, and
    print each revocation's time and its delay against the site's limit (exit 1 when one is beyond it)."""
    reason = reason.strip()
    if not reason or len(reason) > 400:
        fail("--reason: say why, in at most 400 characters")
    setup_django(data_dir)
    require_initialised()
    from django.utils import timezone

    from otcsms.access import services
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.inputs import text_problem

    if problem := text_problem(reason, multiline=False):
        fail(f"--reason: {problem}")
    when = _moment(effective_at) if effective_at else timezone.now()
    target_site = find_site(site)
    target = _find_person(person, target_site)
    with acting_as(cli_actor()):
        try:
            result = services.terminate_person(
                None, target, effective_at=when, reason=reason, site=target_site
            )
        except ValueError as exc:
            fail(str(exc))
    revoked = [{"grant_id": r.grant.pk, "system": r.grant.system.name, "privilege": r.grant.privilege,
                "revoked_at": r.grant.revoked_at.isoformat() if r.grant.revoked_at else None,
                "delay_hours": round(r.delay_hours, 2), "limit_hours": r.limit_hours, "over_limit": r.over_limit}
               for r in result.revoked]  # fmt: skip
    if as_json:
        print(json.dumps({"person": target.name, "site": target_site.name, "effective_at": when.isoformat(),
                          "revoked": revoked, "accounts_disabled": result.accounts_disabled}))  # fmt: skip
    else:
        out.print(f"{target.name}: termination effective {when:%Y-%m-%d %H:%M} UTC; {len(revoked)} grants revoked, "
                  f"{result.accounts_disabled} accounts disabled", highlight=False, markup=False)  # fmt: skip
        for r in revoked:
            late = " BEYOND THE LIMIT" if r["over_limit"] else ""
            out.print(f"  {r['system']} ({r['privilege']}): revoked at {r['revoked_at']}, {r['delay_hours']} h after "
                      f"the termination (limit {r['limit_hours']} h){late}", highlight=False, markup=False)  # fmt: skip
    if result.over_limit:
        raise typer.Exit(1)


def _moment(text: str) -> datetime:
    from otcsms.core.inputs import InputError, parse_datetime

    try:
        return parse_datetime(text)
    except InputError as exc:
        fail(f"--effective-at: {exc}")


def _find_person(ref: str, site: Any) -> Any:
    from django.db.models import Q

    from otcsms.core.inputs import parse_id
    from otcsms.org.models import Person

    query = Q(name__iexact=ref) | Q(email__iexact=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    people = list(Person.objects.filter(query).filter(Q(site=site) | Q(site__isnull=True))[:2])
    if not people:
        fail(f"nobody called {ref!r} at {site.name} (give the name, e-mail or id)")
    if len(people) > 1:
        fail(f"several people match {ref!r}: give the id")
    return people[0]
