"""The continuous checks: the registry, the runner's finding lifecycle, a failing check, and each shipped check."""

from __future__ import annotations

import contextvars
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from otcsms.checks import engine as checks
from otcsms.checks.engine import REGISTRY, Problem, check, run_all, run_checks
from otcsms.checks.models import CheckRun, Finding
from otcsms.checks.services import (
    FindingForbiddenError,
    FindingInputError,
    FindingStateError,
    accept_finding,
)
from otcsms.core.models import AuditEvent
from otcsms.org.models import ScopeStatement
from otcsms.org.scope_lifecycle import review_due_after
from otcsms.org.services import approve_scope, revise_scope
from otcsms.plant.models import Asset, ProtocolEndpoint, Zone
from tests.conftest import make_user

ZONE_CHECK = "plant.zone-sl-t-reason"
ASSET_CHECK = "plant.asset-without-endpoints"


def findings(check_id: str, **filters) -> list[Finding]:
    return list(Finding.objects.filter(check_id=check_id, **filters).order_by("pk"))


@pytest.fixture
def zone(site_a):
    return Zone.objects.create(site=site_a, name="Control", sl_t=2)


@pytest.fixture
def extra_check():
    """Register checks for one test only (the registry is process-wide)."""
    added: list[str] = []

    def add(check_id: str, function, severity: str = "low"):
        check(id=check_id, title=check_id, severity=severity)(function)
        added.append(check_id)

    yield add
    for check_id in added:
        REGISTRY.pop(check_id, None)


# --- the lifecycle of a finding -------------------------------------------------------------------


def test_a_run_opens_a_second_does_not_duplicate_and_fixing_closes(site_a, zone):
    run_checks(site_a)
    [finding] = findings(ZONE_CHECK)
    assert (finding.status, finding.severity, finding.object_repr) == ("open", "medium", "Control")
    assert ["iec62443-3-2", "ZCR 5.6"] in finding.requirements
    first_seen = finding.last_seen

    events = AuditEvent.objects.count()
    report = run_checks(site_a)
    assert report.opened == 0 and len(findings(ZONE_CHECK)) == 1
    finding.refresh_from_db()
    assert finding.last_seen > first_seen and finding.first_seen == first_seen
    # a run that changes nothing records its run and nothing else (last_seen is bookkeeping, not history)
    assert list(AuditEvent.objects.filter(seq__gt=events).values_list("object_type", flat=True)) == [
        "checks.checkrun"
    ]

    zone.sl_t_reason = "Consequence analysis of the 2025 risk assessment."
    zone.save()
    report = run_checks(site_a)
    finding.refresh_from_db()
    assert report.closed == 1 and finding.status == "closed" and finding.closed_at is not None
    event = AuditEvent.objects.filter(object_type="checks.finding", object_id=str(finding.pk)).first()
    assert event.action == "update" and event.payload["reason"] == "no longer reported"


def test_a_problem_that_comes_back_opens_a_new_finding_pointing_at_the_closed_one(site_a, zone):
    run_checks(site_a)
    zone.sl_t_reason = "Justified."
    zone.save()
    run_checks(site_a)
    zone.sl_t_reason = ""
    zone.save()
    run_checks(site_a)
    closed, reopened = findings(ZONE_CHECK)
    assert (closed.status, reopened.status, reopened.previous_id) == ("closed", "open", closed.pk)


def test_one_live_finding_per_check_and_object_is_a_database_constraint(site_a, zone):
    run_checks(site_a)
    [finding] = findings(ZONE_CHECK)
    twin = Finding(site=site_a, check_id=ZONE_CHECK, severity="medium", object_type_id=finding.object_type_id,
                   object_id=zone.pk, object_repr="x", message="x")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    twin.status = "closed"  # closed findings of the same problem may be many (its history)
    twin.save()


def test_a_deleted_object_closes_its_findings(site_a, zone):
    run_checks(site_a)
    zone.delete()
    run_checks(site_a)
    assert [f.status for f in findings(ZONE_CHECK)] == ["closed"]


# --- a check that raises --------------------------------------------------------------------------


def test_a_raising_check_is_recorded_and_the_others_still_run(site_a, zone, extra_check):
    def broken(site):
        # a failing query, inside the test's transaction: the runner's savepoint keeps it usable
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM no_such_table")
        return []

    extra_check("test.broken", broken)
    report = run_checks(site_a)
    [(site_report, outcome)] = report.errors
    assert outcome.check == "test.broken" and "no_such_table" in outcome.error
    assert len(findings(ZONE_CHECK)) == 1  # the other checks ran and recorded their finding
    run = CheckRun.objects.get(pk=site_report.run_id)
    assert run.errors == 1 and {r["check"]: r["status"] for r in run.results}["test.broken"] == "error"
    assert {r["check"]: r["problems"] for r in run.results}[ZONE_CHECK] == 1


def test_a_check_that_fails_keeps_its_findings_open(site_a, zone, extra_check):
    state = {"fail": False}

    def flaky(site):
        if state["fail"]:
            raise RuntimeError("device inventory unreachable")
        return [Problem(zone, "flaky problem")]

    extra_check("test.flaky", flaky)
    run_checks(site_a)
    state["fail"] = True
    report = run_checks(site_a)
    assert report.closed == 0 and [f.status for f in findings("test.flaky")] == ["open"]


def test_a_check_reporting_another_sites_object_is_an_error_of_that_check(site_a, site_b, extra_check):
    foreign = Zone.objects.create(site=site_b, name="Foreign")
    extra_check("test.foreign", lambda site: [Problem(foreign, "not mine")])
    report = run_checks(site_a)
    assert [o.check for _, o in report.errors] == ["test.foreign"]
    assert not findings("test.foreign")


def test_registration_refuses_bad_declarations():
    with pytest.raises(ValueError, match="check id"):
        check(id="Bad Id", title="x", severity="low")(lambda site: [])
    with pytest.raises(ValueError, match="severity"):
        check(id="test.bad-severity", title="x", severity="urgent")(lambda site: [])
    with pytest.raises(ValueError, match="registered twice"):
        check(id=ZONE_CHECK, title="x", severity="low")(lambda site: [])


def test_shipped_checks_name_requirements_as_the_shipped_catalogs_write_them():
    library = Path(checks.__file__).parent.parent / "catalogs" / "library"
    known: set[tuple[str, str]] = set()
    for path in [*library.glob("iec62443-*.yaml"), library / "nerc-cip.yaml"]:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))["framework"]
        known |= {(document["id"], r["id"]) for r in document["requirements"]}
    shipped = [c for c in checks.registered() if c.function.__module__.startswith("otcsms.")]
    assert {c.id for c in shipped} >= {
        ZONE_CHECK,
        ASSET_CHECK,
        "assessments.not-updated",
        "org.scope-review-overdue",
    }
    for registered in shipped:
        assert registered.requirements and registered.remediation, registered.id
        assert set(registered.requirements) <= known, registered.id


def test_run_all_acts_as_the_worker_when_no_one_else_does(site_a, zone):
    report = contextvars.Context().run(run_all)  # a fresh context: no actor set, as in a scheduled job
    assert report.site_ids == [site_a.pk]
    kinds = set(AuditEvent.objects.filter(object_type="checks.finding").values_list("actor_kind", flat=True))
    assert kinds == {"worker"}
    assert CheckRun.objects.get().actor_label == "worker:checks"


# --- accepting the risk ---------------------------------------------------------------------------


def test_accepting_the_risk_keeps_one_finding_and_expiry_reopens_it(site_a, zone):
    approver = make_user("ada", roles={site_a: "approver"})
    run_checks(site_a)
    [finding] = findings(ZONE_CHECK)
    accepted = accept_finding(finding, by=approver, reason="Compensated by the data diode.",
                              until=timezone.now() + timedelta(days=30))  # fmt: skip
    assert (accepted.status, accepted.accepted_by, accepted.acceptance_reason) == (
        "accepted",
        approver,
        "Compensated by the data diode.",
    )
    assert run_checks(site_a).opened == 0 and findings(ZONE_CHECK)[0].status == "accepted"

    accepted.accepted_until = timezone.now() - timedelta(seconds=1)
    accepted.save()
    report = run_checks(site_a)
    accepted.refresh_from_db()
    assert report.reopened == 1 and accepted.status == "open" and len(findings(ZONE_CHECK)) == 1
    event = AuditEvent.objects.filter(object_type="checks.finding", object_id=str(finding.pk)).first()
    assert "risk acceptance expired" in event.payload["reason"]


def test_accepting_needs_an_approver_a_reason_a_bounded_expiry_and_an_open_finding(
    site_a, zone, a_contributor
):
    approver = make_user("ada", roles={site_a: "approver"})
    run_checks(site_a)
    [finding] = findings(ZONE_CHECK)
    soon = timezone.now() + timedelta(days=10)
    with pytest.raises(FindingForbiddenError):
        accept_finding(finding, by=a_contributor, reason="fine", until=soon)
    for reason, until in [("  ", soon), ("ok", timezone.now() - timedelta(days=1)),
                          ("ok", timezone.now() + timedelta(days=4 * 365)), ("a\u202eb", soon)]:  # fmt: skip
        with pytest.raises(FindingInputError):
            accept_finding(finding, by=approver, reason=reason, until=until)
    zone.sl_t_reason = "Justified."
    zone.save()
    run_checks(site_a)
    with pytest.raises(FindingStateError):
        accept_finding(finding, by=approver, reason="too late", until=soon)
    assert Finding.objects.get(pk=finding.pk).accepted_at is None


# --- the shipped checks ---------------------------------------------------------------------------


def test_assets_without_endpoints_are_reported_only_in_zones_with_sl_t_2_or_more(site_a):
    demanding = Zone.objects.create(site=site_a, name="Cell", sl_t="1,1,2,1,1,1,1", sl_t_reason="why")
    relaxed = Zone.objects.create(site=site_a, name="Office", sl_t=1, sl_t_reason="why")
    silent = Asset.objects.create(site=site_a, name="PLC-1", zone=demanding)
    talking = Asset.objects.create(site=site_a, name="PLC-2", zone=demanding)
    ProtocolEndpoint.objects.create(asset=talking, protocol="modbus-tcp", host="10.0.0.2", port=502)
    Asset.objects.create(site=site_a, name="PC-1", zone=relaxed)
    Asset.objects.create(site=site_a, name="Loose")
    run_checks(site_a)
    [finding] = findings(ASSET_CHECK)
    assert (finding.object_id, finding.severity) == (silent.pk, "high")
    assert "PLC-1" in finding.message and "Cell" in finding.message


def test_assessments_not_updated_in_12_months(site_a, library):
    from otcsms.assessments.models import Assessment, Response
    from otcsms.catalogs.models import Requirement

    framework = library["sr"]
    old = Assessment.objects.create(site=site_a, framework=framework, name="Old",
                                    started_on=date.today() - timedelta(days=800))  # fmt: skip
    run_checks(site_a)
    [finding] = findings("assessments.not-updated")
    assert finding.object_id == old.pk
    # an answer today makes it current again
    requirement = Requirement.objects.get(framework=framework, ref="SR 1.1")
    Response.objects.create(site=site_a, assessment=old, requirement=requirement, status="met")
    run_checks(site_a)
    assert [f.status for f in findings("assessments.not-updated")] == ["closed"]
    # a newer assessment of the same framework replaces an old one: only the newest counts
    old_again = Assessment.objects.create(site=site_a, framework=framework, name="Older",
                                          started_on=date.today() - timedelta(days=900))  # fmt: skip
    run_checks(site_a)
    assert not findings("assessments.not-updated", object_id=old_again.pk)


def test_scope_statement_past_its_review_date(site_a, org_admin):
    scope = approve_scope(revise_scope(site_a, statement="The plant.", review_interval_months=6), org_admin)
    assert scope.review_due == review_due_after(timezone.localdate(scope.approved_at), 6)
    run_checks(site_a)
    assert not findings("org.scope-review-overdue")
    scope.review_due = date.today() - timedelta(days=1)
    scope.save()
    run_checks(site_a)
    [finding] = findings("org.scope-review-overdue")
    assert finding.object_id == scope.pk and "due for review" in finding.message
    # the next approved version moves the review date on and closes the finding
    approve_scope(revise_scope(site_a, statement="The plant, reviewed."), org_admin)
    run_checks(site_a)
    assert [f.status for f in findings("org.scope-review-overdue")] == ["closed"]
    assert ScopeStatement.objects.get(site=site_a, status="approved").review_due > date.today()


def test_review_due_date_is_months_after_approval_clamped_to_the_month():
    assert review_due_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert review_due_after(date(2026, 3, 15), 12) == date(2027, 3, 15)
    assert review_due_after(date(2026, 11, 30), 3) == date(2027, 2, 28)
