"""`otcsms import advisories FILE [--site S]`: a CSAF 2.0 advisory, matched to the assets of a site (or of
every site). Declared as an import kind (core.registry.ImportKind); imported before Django is set up."""

from __future__ import annotations

import json
from pathlib import Path

from otcsms.cli_support import fail, find_site, out, require_initialised, setup_django
from otcsms.risk.csaf import MAX_BYTES  # plain Python: safe before Django is set up


def import_advisories(
    file: Path, *, site: str | None, system: str | None, as_json: bool, data_dir: Path | None
) -> None:
    """Import the advisory for one site (--site) or every site, all or nothing: exit 2 with the JSON path of
    the first problem of a malformed file, or when it is older than the version already imported."""
    if system is not None:
        fail("--system does not apply to advisories")
    setup_django(data_dir)
    require_initialised()
    from django.db import transaction

    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.risk import services
    from otcsms.tenancy.models import Site

    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        fail(f"{file.name}: larger than {MAX_BYTES // 2**20} MB, nothing was imported")
    sites = [find_site(site)] if site is not None else list(Site.objects.order_by("name"))
    if not sites:
        fail("no site to import the advisory for: create a site first")
    try:
        parsed = services.parse_advisory(data)
        services.check_not_older(parsed, sites)
    except services.AdvisoryRefused as exc:
        fail(f"{file.name}: {exc}; nothing was imported")
    with acting_as(cli_actor()), transaction.atomic():
        results = [services.import_advisory(s, data, file.name, parsed=parsed) for s in sites]
    if as_json:
        print(json.dumps({"imports": [r.as_dict() for r in results]}))
    else:
        for result in results:
            out.print(result.describe(), highlight=False, markup=False)
