"""Shared set-up of the benchmarks: a fresh instance in a temporary data directory (or a flushed PostgreSQL)."""

from __future__ import annotations

import os
import platform
import secrets
import tempfile
from pathlib import Path


def setup(database_url: str | None) -> Path:
    data_dir = Path(tempfile.mkdtemp(prefix="otcsms-bench-"))
    os.environ["OTCSMS_DATA_DIR"] = str(data_dir)
    os.environ["OTCSMS_SECRET_KEY"] = "bench-" + "x" * 40
    # the audit chain is keyed (HMAC); a benchmark instance gets a throw-away key
    os.environ.setdefault("OTCSMS_AUDIT_KEY", secrets.token_hex(32))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otcsms.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    return data_dir


def machine_line() -> str:
    from django.db import connection

    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database: {connection.vendor}"
    )
