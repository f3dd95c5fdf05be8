"""The `otcsms` command line. Exit codes: 0 success, 1 problems found, 2 bad usage or bad input."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from otcsms.checks_cli import check_command
from otcsms.cli_support import DataDir, JsonFlag, fail, find_site, out, require_initialised, setup_django
from otcsms.core import registry
from otcsms.tenancy.defaults import DEFAULT_ORGANISATION_NAME

if TYPE_CHECKING:
    from otcsms.core.checkpoints import Checkpoint, Verification

app = typer.Typer(
    name="otcsms",
    help="Cybersecurity Management System for industrial operators (ISA/IEC 62443, NIST SP 800-82, NERC CIP).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Users and their site roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")


def add_app_commands(main: typer.Typer) -> None:
    """Every command and command group the apps declare (core.registry.CliCommand).

    Before Django is set up (every real `otcsms` run) the registry reads the app list itself, not the
    settings, which would fix the data directory before a command's --data-dir is parsed.
    """
    for command in registry.cli_commands():
        target = registry.resolve(command.target)
        if isinstance(target, typer.Typer):
            main.add_typer(target, name=command.name)
        else:
            main.command(command.name)(target)


# Here, before the platform's own commands below: --help lists commands in the order they are added.
add_app_commands(app)
app.command("check")(check_command)

DEMO_PASSWORD = "otcsms-demo-2026"


def prepare_data_dir(data_dir: Path | None) -> Path:
    """Create the data directory and its keys (mode 0600) before Django reads its settings."""
    root = (data_dir or Path(os.environ.get("OTCSMS_DATA_DIR") or "otcsms-data")).expanduser().absolute()
    if root.exists() and not root.is_dir():
        fail(f"{root} exists and is not a directory")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_key(root / "secret_key", "OTCSMS_SECRET_KEY", secrets.token_urlsafe(50))
    # The audit trail's keys: the chain's HMAC key and the checkpoints' Ed25519 seed (32 random bytes each).
    _create_key(root / "audit_key", "OTCSMS_AUDIT_KEY", secrets.token_hex(32))
    _create_key(root / "audit_signing_key", "OTCSMS_AUDIT_SIGNING_KEY", secrets.token_hex(32))
    return root


def _create_key(key_file: Path, variable: str, text: str) -> None:
    """Write a new key file, mode 0600 from the start, unless the environment gives the key or it exists."""
    if os.environ.get(variable) or key_file.exists():
        return
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def initialise(
    data_dir: Path | None, admin_username: str, admin_password: str | None, organisation: str
) -> tuple[str, str | None]:
    """Create or upgrade the instance; returns (admin username, password if one was created)."""
    root = prepare_data_dir(data_dir)
    setup_django(root)
    from django.core.management import call_command
    from django.db import transaction

    from otcsms.core.actor import acting_as, cli_actor, system_actor
    from otcsms.core.models import User
    from otcsms.core.users import UserInputError, create_user
    from otcsms.jobs.services import ensure_default_schedules
    from otcsms.tenancy.models import Organisation

    call_command("migrate", interactive=False, verbosity=0)
    created_password = None
    with acting_as(cli_actor()) as actor, transaction.atomic():
        if not Organisation.objects.exists():
            Organisation.objects.create(name=organisation)
        with acting_as(system_actor("shipped library", on_behalf_of=actor)):
            _load_library()
        ensure_default_schedules()
        if not User.objects.exists():
            password = admin_password or os.environ.get("OTCSMS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            try:
                create_user(admin_username, password, is_org_admin=True)
            except UserInputError as exc:
                fail(str(exc))
            created_password = password
    return admin_username, created_password


def _load_library() -> None:
    """Load or update the shipped framework library (nothing to do when it is already loaded)."""
    from otcsms.catalogs.libformat import LibraryError
    from otcsms.catalogs.loader import load_shipped_library

    try:
        load_shipped_library()
    except LibraryError as exc:
        fail(f"the shipped framework library cannot be loaded: {exc}")


@app.command()
def init(
    data_dir: DataDir = None,
    admin_username: Annotated[str, typer.Option(help="Username of the first organisation admin.")] = "admin",
    admin_password: Annotated[
        str | None,
        typer.Option(help="Password of the first admin (or OTCSMS_ADMIN_PASSWORD); generated if absent."),
    ] = None,
    organisation: Annotated[str, typer.Option(help="Name of the organisation.")] = DEFAULT_ORGANISATION_NAME,
) -> None:
    """Create the database, apply migrations, load the framework library, create the first admin."""
    username, password = initialise(data_dir, admin_username, admin_password, organisation)
    from django.conf import settings

    out.print(f"instance ready in {settings.DATA_DIR}", highlight=False)
    if password is not None:
        out.print(f"username: {username}", highlight=False)
        out.print(f"password: {password}", highlight=False)


@app.command()
def demo(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo operator and exit.")] = False,
) -> None:
    """Initialise, load a realistic demo operator (several sites), and serve it."""
    initialise(
        data_dir, "admin", os.environ.get("OTCSMS_ADMIN_PASSWORD") or DEMO_PASSWORD, "Northwind Utilities"
    )
    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.demo.operator import load_demo

    with acting_as(cli_actor()):
        summary = load_demo(password=os.environ.get("OTCSMS_ADMIN_PASSWORD") or DEMO_PASSWORD)
    out.print(summary.describe(), highlight=False)
    if no_serve:
        return
    out.print(
        f"otcsms demo: open http://{host}:{port}/ and log in as one of the users above", highlight=False
    )
    _serve(host, port, workers=1, threads=8)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Threads per worker.")] = 4,
) -> None:
    """Run the web UI and API with gunicorn until SIGTERM."""
    setup_django(data_dir)
    require_initialised()
    _serve(host, port, workers=workers, threads=threads)


def _serve(host: str, port: int, *, workers: int, threads: int) -> None:
    from otcsms.server import run_server

    run_server(host, port, workers=workers, threads=threads)


@user_app.command("add")
def user_add(
    username: str,
    password: Annotated[str | None, typer.Option(help="Password (or OTCSMS_USER_PASSWORD).")] = None,
    email: Annotated[str, typer.Option()] = "",
    role: Annotated[
        str | None, typer.Option(help="viewer, contributor, approver, site-admin or auditor")
    ] = None,
    site: Annotated[str | None, typer.Option(help="Site code, name or id for --role.")] = None,
    org_admin: Annotated[
        bool, typer.Option("--org-admin", help="Administer the whole organisation.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a user (or grant an existing user a role on a site)."""
    setup_django(data_dir)
    require_initialised()
    from django.db import transaction

    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.models import User
    from otcsms.core.roles import SiteRole
    from otcsms.core.users import UserInputError, create_user, grant_site_role

    if (role is None) != (site is None):
        fail("--role and --site go together")
    if role is not None and role not in SiteRole.values:
        fail(f"unknown role {role!r}; use one of {', '.join(SiteRole.values)}")
    password = password or os.environ.get("OTCSMS_USER_PASSWORD")
    with acting_as(cli_actor()), transaction.atomic():
        target_site = find_site(site) if site is not None else None
        user = User.objects.filter(username=username).first()
        try:
            if user is None:
                if not password:
                    fail("a new user needs --password (or OTCSMS_USER_PASSWORD)")
                user = create_user(username, password, email=email, is_org_admin=org_admin)
                out.print(f"created user {username}", highlight=False)
            elif org_admin and not user.is_org_admin:
                user.is_org_admin = True
                user.save()
            if target_site is not None and role is not None:  # given together (checked above)
                grant_site_role(user, target_site, role)
                out.print(f"{username} is {role} on {target_site.name}", highlight=False)
        except UserInputError as exc:
            fail(str(exc))


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Create an API token for USERNAME and print it once."""
    setup_django(data_dir)
    require_initialised()
    from django.db import transaction

    from otcsms.core.actor import acting_as, cli_actor
    from otcsms.core.models import ApiToken, User

    if not name.strip() or len(name) > 100:
        fail("--name must be 1-100 characters")
    from otcsms.core.inputs import text_problem

    if (problem := text_problem(name, multiline=False)) is not None:
        fail(f"--name {problem}")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        fail(f"no active user {username!r}")
    with acting_as(cli_actor(username)), transaction.atomic():
        token, secret = ApiToken.issue(user, name.strip())
    if as_json:
        print(json.dumps({"token": secret, "prefix": token.prefix, "user": username, "name": token.name}))
    else:
        out.print(secret, highlight=False, soft_wrap=True)


CheckpointFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint",
        help="A checkpoint file (one checkpoint, or a JSON array of them) the chain must still hold; repeatable.",
    ),
]
PublicKeys = Annotated[
    list[str] | None,
    typer.Option(
        "--public-key",
        help="Also accept checkpoints signed by this Ed25519 public key (64 hex digits), e.g. made before "
        "a signing key change; repeatable.",
    ),
]


@audit_app.command("verify")
def audit_verify(
    checkpoint: CheckpointFiles = None,
    public_key: PublicKeys = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Walk the hash chain (and check it still holds each --checkpoint); exit 1 naming the first problem."""
    setup_django(data_dir)
    require_initialised()
    from django.core.exceptions import ImproperlyConfigured

    from otcsms.core.checkpoints import CheckpointError, parse_public_key, verify_with_checkpoints

    try:
        keys = [parse_public_key(text) for text in public_key or []]
    except CheckpointError as exc:
        fail(f"--public-key: {exc}")
    sources = _read_checkpoints(checkpoint or [])
    try:
        verification = verify_with_checkpoints(sources, keys)
    except CheckpointError as exc:
        fail(str(exc))  # a checkpoint signed by a key not trusted here (it names the file)
    except ImproperlyConfigured as exc:
        fail(f"configuration error: {exc}")
    if as_json:
        print(json.dumps(verification.as_dict()))
    else:
        _print_verification(verification)
    if not verification.ok:
        raise typer.Exit(1)


def _read_checkpoints(paths: list[Path]) -> list[tuple[str, Checkpoint]]:
    """(file name, checkpoint) for every checkpoint in the files; exit 2 on the first file that is not one."""
    from otcsms.core.checkpoints import CheckpointError, parse, read_file

    sources: list[tuple[str, Checkpoint]] = []
    for path in paths:
        try:
            sources += [(str(path), cp) for cp in parse(read_file(path))]
        except CheckpointError as exc:
            fail(f"{path}: not a valid checkpoint: {exc}")
    return sources


def _print_verification(verification: Verification) -> None:
    report = verification.chain
    if report.ok:
        out.print(f"audit chain intact: {report.events} events, head #{report.head_seq} {report.head_hash}")
    else:
        out.print(f"audit chain BROKEN at event #{report.first_bad_seq}: {report.problem}", highlight=False)
    if report.unkeyed_events:
        out.print(
            f"events #1-#{report.unkeyed_events} were recorded before the chain was keyed (plain SHA-256): "
            "the keyed chain vouches for them from the upgrade on, not before it",
            highlight=False,
        )
    for result in verification.results:
        cp = result.checkpoint
        verdict = f"NOT HELD: {result.problem}" if result.problem else "held"
        out.print(
            f"checkpoint {result.source} (event #{cp.seq} at {cp.created_at}): {verdict}",
            highlight=False,
            markup=False,
        )


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write it to this file (keep it where the database's writers cannot reach).",
        ),
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Verify the chain and print (or write) a signed checkpoint of its head; exit 1 if it is broken."""
    setup_django(data_dir)
    require_initialised()
    from django.core.exceptions import ImproperlyConfigured

    from otcsms.core.checkpoints import ChainBrokenError, current_checkpoint, write_checkpoint

    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        fail(f"{output}: not a file in an existing directory")
    try:
        checkpoint = current_checkpoint() if output is None else write_checkpoint(output)
    except ImproperlyConfigured as exc:
        fail(f"configuration error: {exc}")
    except ChainBrokenError as exc:
        fail(f"no checkpoint written: {exc}", code=1)
    except OSError as exc:
        fail(f"{output}: cannot be written ({exc.strerror or exc.__class__.__name__})")
    if output is None:
        print(json.dumps(checkpoint.as_dict(), indent=None if as_json else 2))
        return
    summary = {"path": str(output), "seq": checkpoint.seq, "head_hash": checkpoint.head_hash,
               "key_fingerprint": checkpoint.key_fingerprint, "public_key": checkpoint.public_key}  # fmt: skip
    if as_json:
        print(json.dumps(summary))
        return
    out.print(
        f"checkpoint of event #{checkpoint.seq} ({checkpoint.head_hash}) written to {output}",
        highlight=False,
        markup=False,
    )
    out.print(f"signed by {checkpoint.key_fingerprint}, public key {checkpoint.public_key}", highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
