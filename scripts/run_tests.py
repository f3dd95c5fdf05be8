"""Run the whole suite on SQLite, then on PostgreSQL.

PostgreSQL is 127.0.0.1:5432 on the project's machines. Where it is absent the PostgreSQL run is
skipped with a loud reason, never silently; set OTCSMS_REQUIRE_POSTGRES=1 to make its absence fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

PG_URL = os.environ.get("OTCSMS_TEST_PG_URL", "postgres://root@127.0.0.1:5432/test")


def pytest(env_extra: dict[str, str], label: str) -> int:
    # Bytecode is written during the run even where the machine says not to (PYTHONDONTWRITEBYTECODE): pytest
    # keeps each test module's rewritten asserts only as bytecode, and without it every test process of both
    # runs rewrites all of them again (about 8 s of CPU each). The caches are in __pycache__, ignored by git.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | env_extra
    if "OTCSMS_TEST_TIMES" in env:  # each test's times (tests/conftest.py), one file per database
        env["OTCSMS_TEST_TIMES"] += ".postgresql" if "DATABASE_URL" in env_extra else ".sqlite"
    print(f"\n===== test suite on {label} =====", flush=True)
    # worksteal: a worker that runs out of tests takes half of the other's queue, so the run does not end
    # with one worker idle while the other works through a row of slow command tests.
    workers = os.environ.get("OTCSMS_TEST_WORKERS", "2")
    cmd = [sys.executable, "-m", "pytest", "-n", workers, "--dist", "worksteal", "-q", *sys.argv[1:]]
    return subprocess.call(cmd, env=env)


def postgres_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=3):
            return True
    except OSError:
        return False


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    os.environ.clear()
    os.environ.update(env)
    code = pytest({}, "SQLite")
    if postgres_reachable(PG_URL):
        # The second run keeps only the tests that reach the database (tests/conftest.py): the others
        # (parsers, pure engines, the import graph) have already given their answer on the first.
        second = {"DATABASE_URL": PG_URL, "OTCSMS_TEST_DATABASE_ONLY": "1"}
        code = pytest(second, f"PostgreSQL ({PG_URL}), the tests that reach the database") or code
    else:
        message = f"PostgreSQL suite SKIPPED: nothing listens at {PG_URL}"
        print(f"\n{'!' * 80}\n{message}\n{'!' * 80}", flush=True)
        if os.environ.get("OTCSMS_REQUIRE_POSTGRES") == "1":
            return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
