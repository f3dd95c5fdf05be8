"""Real otcsms instances for the tests that run the `otcsms` command as a process (registered for the whole
suite in tests/conftest.py).

``instance``: a data folder and an empty database (a SQLite file in the folder, or a scratch PostgreSQL
database). ``initialised_instance``: the same after ``otcsms init --admin-password an-admin-password``.

``otcsms init`` migrates an empty database and loads the whole framework library: 10 to 15 seconds a run, the
largest cost of these tests. So it runs once per test process, into a template instance, and every test
gets its own copy of that: the data folder (its keys, and the SQLite file) copied, and on PostgreSQL a new
database made with ``CREATE DATABASE ... TEMPLATE``. A test changes its copy only. Tests of ``init`` itself,
and of what it sets up as it runs (the jobs' first slots), run it on a plain ``instance``.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

OTCSMS = [sys.executable, "-m", "otcsms.cli"]
# A command's time limit (seconds): OTCSMS_TEST_CLI_TIMEOUT raises it on a machine loaded by other work.
TIMEOUT = float(os.environ.get("OTCSMS_TEST_CLI_TIMEOUT", "180"))
ADMIN_PASSWORD = "an-admin-password"


class Instance:
    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        keys = ("DATABASE_URL", "OTCSMS_SECRET_KEY", "OTCSMS_AUDIT_KEY", "OTCSMS_AUDIT_SIGNING_KEY")
        self.env = {k: v for k, v in os.environ.items() if k not in keys}
        self.env["OTCSMS_DATA_DIR"] = str(data_dir)
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def run(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess:
        proc = _forks.run(list(args), self.env)
        if check is not None:
            assert proc.returncode == check, f"otcsms {' '.join(args)} -> {proc.returncode}\n{proc.stderr}"
        return proc

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                cur = conn.execute(statement, params)
                return cur.fetchall() if cur.description else []
        with sqlite3.connect(self.data_dir / "otcsms.sqlite3") as conn:
            rows = conn.execute(statement.replace("%s", "?"), params).fetchall()
            conn.commit()
            return rows

    def sql_many(self, statement: str, rows: list[tuple]) -> None:
        """One statement for each of ``rows``, in one connection and one transaction."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                conn.cursor().executemany(statement, rows)
            return
        with sqlite3.connect(self.data_dir / "otcsms.sqlite3") as conn:
            conn.executemany(statement.replace("%s", "?"), rows)


class _ForkServer:
    """`otcsms` commands run as processes forked from tests/cli/zygote.py, one server per test process."""

    def __init__(self) -> None:
        self._server: subprocess.Popen[bytes] | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="otcsms-cli-output-"))

    def _started(self) -> subprocess.Popen[bytes]:
        if self._server is None or self._server.poll() is not None:
            self._server = subprocess.Popen(
                [sys.executable, "-m", "tests.cli.zygote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                bufsize=0, cwd=Path(__file__).resolve().parents[2],
            )  # fmt: skip
        return self._server

    def _reply(self, timeout: float | None = None) -> dict | None:
        """The server's next line, read unbuffered (so select sees what is really pending), or None at timeout."""
        assert self._server is not None and self._server.stdout is not None
        fd = self._server.stdout.fileno()
        line = b""
        while not line.endswith(b"\n"):
            if timeout is not None and not select.select([fd], [], [], timeout)[0]:
                return None
            chunk = os.read(fd, 1)
            if not chunk:
                raise RuntimeError("the otcsms fork server (tests/cli/zygote.py) has stopped")
            line += chunk
        return json.loads(line)

    def run(self, argv: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
        """`otcsms ARGV` in ``env``, as subprocess.run(..., capture_output=True, text=True) would return it."""
        server = self._started()
        assert server.stdin is not None
        stdout, stderr = self._dir / "stdout", self._dir / "stderr"
        request = {"argv": argv, "env": env, "cwd": os.getcwd(), "stdout": str(stdout), "stderr": str(stderr)}
        server.stdin.write(json.dumps(request).encode() + b"\n")
        pid = self._reply()["pid"]  # type: ignore[index]
        ended = self._reply(timeout)
        if ended is None:
            os.kill(pid, signal.SIGKILL)
            self._reply()
            raise subprocess.TimeoutExpired([*OTCSMS, *argv], timeout)
        return subprocess.CompletedProcess(
            [*OTCSMS, *argv], ended["status"], stdout.read_text(errors="replace"),
            stderr.read_text(errors="replace"),
        )  # fmt: skip

    def close(self) -> None:
        if self._server is not None and self._server.poll() is None:
            assert self._server.stdin is not None
            self._server.stdin.close()
            self._server.wait(timeout=30)
        shutil.rmtree(self._dir, ignore_errors=True)


_forks = _ForkServer()
atexit.register(_forks.close)


def _server_url() -> str | None:
    return os.environ.get("DATABASE_URL")


def _create_database(template: str | None = None) -> str:
    """A new PostgreSQL database on the test server (a copy of ``template`` when given); returns its URL."""
    import psycopg

    url = _server_url()
    assert url is not None
    name = f"otcsms_cli_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_database(database_url: str) -> None:
    import psycopg

    url = _server_url()
    assert url is not None
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Instance]:
    if not _server_url():
        yield Instance(tmp_path / "data", None)
        return
    database_url = _create_database()
    try:
        yield Instance(tmp_path / "data", database_url)
    finally:
        _drop_database(database_url)


@pytest.fixture(scope="session")
def _initialised_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """One instance per test process that ran `otcsms init`; never handed to a test (they get copies)."""
    data_dir = tmp_path_factory.mktemp("initialised-instance") / "data"
    database_url = _create_database() if _server_url() else None
    try:
        template = Instance(data_dir, database_url)
        template.run("init", "--admin-password", ADMIN_PASSWORD)
        yield template
    finally:
        if database_url:
            _drop_database(database_url)


@pytest.fixture
def initialised_instance(_initialised_template: Instance, tmp_path: Path) -> Iterator[Instance]:
    """An instance after `otcsms init --admin-password an-admin-password`, this test's own copy."""
    data_dir = tmp_path / "data"
    shutil.copytree(_initialised_template.data_dir, data_dir)  # file modes too: the keys stay 0600
    if not _initialised_template.database_url:
        yield Instance(data_dir, None)
        return
    database_url = _create_database(template=_initialised_template.database_url.rsplit("/", 1)[1])
    try:
        yield Instance(data_dir, database_url)
    finally:
        _drop_database(database_url)
