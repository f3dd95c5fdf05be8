"""What every `otcsms` command shares: consoles, common options, failing with exit 2, Django set-up.

App command modules (``<app>/cli.py``) import from here, never from ``otcsms.cli``, which imports them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="OTCSMS_DATA_DIR", help="Instance data directory (default ./otcsms-data)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on standard output.")]


def fail(reason: str, code: int = 2) -> NoReturn:
    """Stop with a one-line reason on standard error."""
    err.print(f"otcsms: {reason}", highlight=False, markup=False)
    raise typer.Exit(code)


def setup_django(data_dir: Path | None) -> None:
    if data_dir is not None:
        os.environ["OTCSMS_DATA_DIR"] = str(data_dir.expanduser().absolute())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        fail(f"configuration error: {exc}")


def require_initialised() -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.utils import OperationalError

    if not settings.SECRET_KEY_PERSISTENT:
        fail(f"no instance in {settings.DATA_DIR}: run `otcsms init` first")
    try:
        tables = connection.introspection.table_names()
    except OperationalError as exc:
        fail(f"cannot open the database: {exc}")
    if "core_auditchainhead" not in tables:
        fail("the database is not initialised: run `otcsms init` first")


def find_site(ref: str):
    """The site with this code, name or id, or exit 2."""
    from django.db.models import Q

    from otcsms.core.inputs import parse_id
    from otcsms.tenancy.models import Site

    query = Q(code=ref) | Q(name=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    found = Site.objects.filter(query).first()
    if found is None:
        fail(f"no site {ref!r} (give its code, name or id)")
    return found
