"""A fork server for the tests that run `otcsms` as a process: each command still runs in a process of its
own (own environment, own Django set-up, own exit code, own stdout and stderr), forked from a parent that
has already imported the third-party libraries every start would import again (Django, cryptography,
pydantic, Typer and Rich, ...: most of the second a start costs). Nothing of otcsms is imported before
the fork, and nothing that reads settings or the environment: the child imports otcsms and sets Django up
from its own environment exactly as `python -m otcsms.cli` does.

Protocol (one request at a time, lines of JSON on stdin/stdout): the test sends {"argv", "env", "cwd",
"stdout", "stderr"} (two file paths); the server answers {"pid"} when the child is forked, then
{"status"} (the exit code, or -signal) when it has ended. Run as ``python -m tests.cli.zygote``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import runpy
import sys
import traceback

PRELOAD = (
    "asgiref.local", "click", "typer", "typer.main", "rich.console", "rich.table", "rich.progress",
    "django", "django.db.models", "django.db.backends.sqlite3.base", "django.core.management",
    "django.core.serializers.json", "django.http", "django.template.defaulttags", "django.utils.timezone",
    "cryptography.hazmat.primitives.asymmetric.ed25519", "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.kdf.hkdf", "cryptography.x509", "pydantic", "jinja2", "jsonschema",
    "yaml", "lxml.etree", "argon2", "psycopg", "sqlparse", "email.mime.text", "asyncio", "unittest",
)  # fmt: skip


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional library: the child imports it, or not, as cold
            importlib.import_module(name)


def _child(request: dict) -> None:
    """Become `python -m otcsms.cli ARGV` with the request's environment and files. Never returns."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        sys.argv = [sys.executable, *request["argv"]]
        try:
            runpy.run_module("otcsms.cli", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        with contextlib.suppress(BaseException):  # it printed its own traceback
            atexit._run_exitfuncs()  # what the interpreter runs at a normal exit
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the exit code is what is left to report
                stream.flush()
        os._exit(code)


def serve() -> None:
    _preload()
    replies = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            replies.flush()
            _child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
