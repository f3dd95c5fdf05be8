"""An answered IEC 62443-3-3 assessment (two zones) and an answered NIST one at site A, with evidence; a scratch
PostgreSQL database for the SQLite -> PostgreSQL tests of backup/restore and JSON export/import."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from otcsms.assessments import services


@pytest.fixture
def assessed(site_a, library, zones, a_contributor):
    sr = services.create_assessment(
        site=site_a, framework=library["sr"], name="Baseline", assessor=a_contributor
    )
    req = {r.ref: r.pk for r in library["sr"].requirements.all()}
    control, dmz = zones["control"].pk, zones["dmz"].pk
    services.set_responses(sr, [
        services.Answer(req["SR 1.1"], control, "not_met", comment="Shared <b>operator</b> login",
                        evidence=["doc-17"]),
        services.Answer(req["SR 1.3"], control, "partially_met", comment="Two shared accounts left"),
        services.Answer(req["SR 5.1 RE 1"], control, "not_met", comment="Flat network"),
        services.Answer(req["SR 1.1 RE 1"], control, "met", evidence=["IAM procedure v3"]),
        services.Answer(req["SR 5.1"], control, "met"),
        services.Answer(req["SR 5.1"], dmz, "partially_met", comment="Firewall rules not reviewed"),
    ], a_contributor)  # fmt: skip
    nist = services.create_assessment(site=site_a, framework=library["nist"], name="NIST check",
                                      assessor=a_contributor)  # fmt: skip
    ref = {r.ref: r.pk for r in library["nist"].requirements.all()}
    services.set_responses(nist, [
        services.Answer(ref["IA-2"], None, "met", evidence=["badge register"]),
        services.Answer(ref["AC-2"], None, "not_applicable", comment="No accounts: the cell has no HMI"),
    ], a_contributor)  # fmt: skip
    return {"sr": sr, "nist": nist}


PG_SERVER = os.environ.get("OTCSMS_TEST_POSTGRES", "postgres://root@127.0.0.1:5432/test")


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A new, empty database on the PostgreSQL server on 127.0.0.1, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"otcsms_restore_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True)
    except psycopg.OperationalError as exc:  # pragma: no cover - the suite's machines all run one
        pytest.fail(f"no PostgreSQL at {PG_SERVER}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
