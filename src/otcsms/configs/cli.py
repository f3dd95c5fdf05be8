"""`otcsms config import|collect|baseline|identity` and `otcsms drift`.

Imported before Django is set up: Django and the models are imported inside the commands. Exit codes: 0 done,
1 the command ran and found unapproved drift or an unreachable device, 2 bad usage or input (nothing written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from otcsms.cli_support import DataDir, JsonFlag, fail, find_site, out, require_initialised, setup_django

config_app = typer.Typer(
    help="Configuration snapshots of devices: import, collect live, baseline.", no_args_is_help=True
)

SiteOption = Annotated[str | None, typer.Option("--site", help="Site code, name or id.")]
AssetArgument = Annotated[str, typer.Argument(help="Asset name (unique per site; add --site) or id.")]


def find_asset(ref: str, site_ref: str | None = None):
    """The asset with this name or id (within --site when given), or exit 2."""
    from django.db.models import Q

    from otcsms.core.inputs import parse_id
    from otcsms.plant.models import Asset

    query = Q(name__iexact=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    assets = Asset.objects.filter(query).select_related("site", "zone")
    if site_ref is not None:
        assets = assets.filter(site=find_site(site_ref))
    found = list(assets[:2])
    if not found:
        fail(f"no asset {ref!r}" + (f" at site {site_ref!r}" if site_ref else ""))
    if len(found) > 1:
        fail(f"asset {ref!r} exists at several sites: add --site")
    return found[0]


@config_app.command("import")
def import_command(
    asset: AssetArgument,
    file: Annotated[Path, typer.Argument(help="A vendor export or a JSON/YAML file.")],
    kind: Annotated[str | None, typer.Option("--kind", help="The file's format (default: detected).")] = None,
    site: SiteOption = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Read a configuration file into a snapshot of ASSET (a new version only when the configuration changed)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    setup_django(data_dir)
    require_initialised()
    from otcsms.configs import services
    from otcsms.core.actor import acting_as, cli_actor

    target = find_asset(asset, site)
    with acting_as(cli_actor()):
        try:
            snapshot, created = services.import_file(target, file.name, data, kind)
        except (services.ConfigError, ValueError) as exc:
            fail(f"{file.name}: {exc}")
    summary = {"asset": target.name, "site": target.site.name, "version": snapshot.version,
               "new_version": created, "config_hash": snapshot.config_hash}  # fmt: skip
    if as_json:
        print(json.dumps(summary))
    else:
        what = "new version" if created else "unchanged: same configuration as version"
        out.print(f"{target.name}: {what} {snapshot.version} ({snapshot.config_hash[:12]})", highlight=False)


@config_app.command("collect")
def collect_command(
    asset: Annotated[str | None, typer.Option("--asset", help="One asset (name or id).")] = None,
    site: SiteOption = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Read devices live over OPC UA and Modbus TCP; exit 1 when one is unreachable or has drifted."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.configs import services
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.plant.models import Asset

    if asset is not None:
        assets = [find_asset(asset, site)]
    else:
        qs = Asset.objects.filter(endpoints__protocol__in=services.COLLECTABLE, endpoints__role="server")
        if site is not None:
            qs = qs.filter(site=find_site(site))
        assets = list(
            qs.distinct().select_related("site", "zone").prefetch_related("endpoints").order_by("pk")
        )
    with acting_as(cli_actor()):
        results = services.collect(assets)
    rows = services.drift(Asset.objects.filter(pk__in=[r.asset.pk for r in results]))
    drifted = {row.asset.pk: row for row in rows if row.result.status == "drifted"}
    if as_json:
        print(json.dumps({"assets": [{**r.as_dict(), "drift": drifted[r.asset.pk].result.status
                                      if r.asset.pk in drifted else None} for r in results]}))  # fmt: skip
    else:
        for r in results:
            note = f" v{r.snapshot.version}{' (new)' if r.created else ''}" if r.snapshot else ""
            extra = "; drifted" if r.asset.pk in drifted else ""
            out.print(
                f"{r.asset.name}: {r.status}{note}{extra} {'; '.join(r.messages)}".rstrip(), highlight=False
            )
    if drifted or any(r.status in ("unreachable", "error") for r in results):
        raise typer.Exit(1)


@config_app.command("baseline")
def baseline_command(
    asset: AssetArgument,
    version: Annotated[
        int | None, typer.Option("--version", help="The version to approve (default: latest).")
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why this configuration is approved.")
    ] = "approved from the command line",
    site: SiteOption = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Approve a version of ASSET's configuration as its baseline (default: the latest snapshot)."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.configs import services
    from otcsms.configs.models import Snapshot
    from otcsms.core.actor import acting_as, cli_actor

    target = find_asset(asset, site)
    snapshots = Snapshot.objects.filter(asset=target)
    snapshot = (
        snapshots.filter(version=version).first()
        if version is not None
        else snapshots.order_by("-version").first()
    )
    if snapshot is None:
        fail(
            f"{target.name} has no version {version}"
            if version is not None
            else f"{target.name} has no snapshot yet"
        )
    with acting_as(cli_actor()):
        try:
            baseline = services.approve_baseline(snapshot, by=None, reason=reason)
        except services.ConfigError as exc:
            fail(str(exc))
    if as_json:
        print(json.dumps({"asset": target.name, "version": snapshot.version, "baseline_id": baseline.pk}))
    else:
        out.print(f"{target.name}: version {snapshot.version} is the baseline", highlight=False)


@config_app.command("identity")
def identity_command(
    renew: Annotated[
        bool, typer.Option("--renew", help="Make a new certificate and key (servers must trust it again).")
    ] = False,
    pem: Annotated[bool, typer.Option("--pem", help="Print the certificate in PEM only.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """otcsms's OPC UA client certificate (made by otcsms init, or here when missing): subject, thumbprint,
    validity; --renew makes a new one."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.configs import services
    from otcsms.core.actor import acting_as, cli_actor

    with acting_as(cli_actor()):
        stored = services.ensure_client_identity(renew=renew)
    summary = services.identity_summary(stored)
    assert summary is not None
    if pem:
        print(summary["certificate_pem"], end="")
    elif as_json:
        print(json.dumps({k: v for k, v in summary.items() if k != "certificate_pem"} | {"renewed": renew}))
    else:
        for key in ("subject", "application_uri", "thumbprint_sha256", "not_before", "not_after", "key_bits"):
            out.print(f"{key:18} {summary[key]}", highlight=False, markup=False)


def drift_command(
    site: SiteOption = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Every device's latest configuration against its baseline; exit 1 on unapproved drift or unreachable."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.configs import services
    from otcsms.plant.models import Asset

    assets = Asset.objects.all()
    if site is not None:
        assets = assets.filter(site=find_site(site))
    rows = services.drift(assets)
    report: dict[str, Any] = {"assets": [
        {k: v for k, v in row.as_dict().items() if k in ("asset", "site", "status", "changes")}
        for row in rows
    ]}  # fmt: skip
    if as_json:
        print(json.dumps(report))
    else:
        for row in rows:
            status = row.result.status + (f" ({row.result.severity})" if row.result.severity else "")
            out.print(f"{row.asset.site.name} / {row.asset.name}: {status}", highlight=False, markup=False)
            for c in row.result.changes:
                out.print(f"  {c.severity:<8} {c.change.kind:<7} {c.change.path}  [{c.rule or 'default'}]",
                          highlight=False, markup=False)  # fmt: skip
    if any(row.result.status in ("drifted", "unreachable") for row in rows):
        raise typer.Exit(1)
