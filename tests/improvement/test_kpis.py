"""KPIs: declared by the apps, captured per site (job, API, CLI), their history, latest values and trends; a
failing KPI is that KPI's error; the number of queries does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otcsms.checks.models import Finding
from otcsms.core import registry
from otcsms.core.models import AuditEvent
from otcsms.improvement import services
from otcsms.improvement.models import KpiSnapshot, Nonconformity
from otcsms.improvement.tasks import KPI_SNAPSHOTS, kpi_snapshots
from otcsms.people.models import CourseRequirement
from otcsms.ui import charts
from tests.people.conftest import training  # noqa: F401  (the people tests' course catalogue)

pytestmark = pytest.mark.django_db

EXPECTED = {"findings.open", "requirements.met", "sl.gap", "evidence.fresh", "drift.open", "reviews.overdue",
            "access.review-completion", "actions.mean-days-to-close", "nonconformities.open",
            "training.compliance", "drills.cadence"}  # fmt: skip


def boom(site):
    raise RuntimeError("the KPI's data source is gone")


def finding(site, obj, severity="high", n=0):
    from django.contrib.contenttypes.models import ContentType

    now = timezone.now()
    return Finding.objects.create(
        site=site, check_id=f"test.check-{n}", severity=severity, object_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk, object_repr=str(obj), message="m", first_seen=now, last_seen=now,
    )  # fmt: skip


def test_every_app_declares_its_kpis_in_its_own_registry():
    assert {k.key for k in registry.kpis()} >= EXPECTED
    owners = {k.key: app for app, c in registry.registered().items() for k in c.kpis}
    assert owners["findings.open"] == "otcsms.checks" and owners["drift.open"] == "otcsms.configs"
    assert owners["actions.mean-days-to-close"] == "otcsms.roadmap"


def test_capture_stores_each_kpi_per_series_with_one_time_and_audits_it(site_a, site_b, plc):
    finding(site_a, plc, "high")
    finding(site_a, plc, "critical", 1)
    Nonconformity.objects.create(site=site_a, title="NC", description="d", grade="major")
    before = AuditEvent.objects.filter(object_type="improvement.kpisnapshot").count()
    report = services.capture()
    assert report.sites == 2 and not report.errors and report.values > 0
    rows = KpiSnapshot.objects.filter(site=site_a)
    assert {r.captured_at for r in rows} == {report.at}
    values = {(r.kpi, r.series): r.value for r in rows}
    assert values[("findings.open", "high")] == 1 and values[("findings.open", "critical")] == 1
    assert values[("findings.open", "low")] == 0 and values[("nonconformities.open", "major")] == 1
    assert values[("reviews.overdue", "")] == 0
    assert ("evidence.fresh", "") not in values  # nothing evidenced yet: not measured, not 0 %
    assert AuditEvent.objects.filter(object_type="improvement.kpisnapshot").count() - before == report.values
    latest = services.latest([site_a.pk])[site_a.pk]
    assert latest["findings.open"]["high"] == 1
    again = services.capture(at=report.at)  # one capture per instant: nothing doubled
    assert KpiSnapshot.objects.filter(site=site_a).count() == rows.count() and again.sites == 2


def test_training_compliance_and_drill_cadence_are_captured(site_a, site_b, training):  # noqa: F811
    from otcsms.people.models import Completion
    from otcsms.people.rules import add_months
    from otcsms.resilience import services as resilience
    from otcsms.resilience.models import DrillCadence, DrillScenario, Exercise

    today = timezone.localdate()
    # site A asks everyone for awareness and its control engineers for the Modbus course: Ann has both to do,
    # one current and one expired (2 pairs, 1 current: 50 %); site B asks awareness of Bea, who never took it
    Completion.objects.create(site=site_a, person=training.ann, course=training.awareness,
                              completed_on=today - dt.timedelta(days=30))  # fmt: skip
    Completion.objects.create(site=site_a, person=training.ann, course=training.modbus,
                              completed_on=add_months(today, -30))  # fmt: skip
    # site A drills every 12 months, its programme started 6 months ago and nothing was held: half the cadence
    # used; site B held a drill 3 months ago on the default 15-month CIP cadence (site B is NERC CIP): 20 %
    cadence = DrillCadence.objects.create(site=site_a, months=12, programme_start=add_months(today, -6))
    resilience.load_library()
    Exercise.objects.create(site=site_b, title="Ransomware at the substation", status="held",
                            scenario=DrillScenario.objects.order_by("pk").first(),
                            scheduled_for=add_months(today, -3), held_on=add_months(today, -3))  # fmt: skip
    report = services.capture([site_a, site_b])
    assert not report.errors
    values = {(r.site_id, r.kpi): r.value for r in KpiSnapshot.objects.filter(kpi__in=("training.compliance",
                                                                                      "drills.cadence"))}  # fmt: skip
    assert values[(site_a.pk, "training.compliance")] == 50.0
    assert values[(site_b.pk, "training.compliance")] == 0.0
    assert 48 <= values[(site_a.pk, "drills.cadence")] <= 51  # six months of twelve (months differ in days)
    assert 19 <= values[(site_b.pk, "drills.cadence")] <= 21  # three months of fifteen
    # overdue: past 100 %; a site requiring no training has nothing to measure (no value, not 0 %)
    cadence.programme_start = add_months(today, -18)
    cadence.save()
    later = services.capture([site_a], at=report.at + dt.timedelta(minutes=1))
    assert not later.errors
    latest = services.latest([site_a.pk])[site_a.pk]
    assert latest["drills.cadence"][""] > 100
    from otcsms.people.kpis import training_compliance

    assert training_compliance(site_b, today=today) == 0.0
    CourseRequirement.objects.filter(site=site_b).delete()
    assert training_compliance(site_b, today=today) is None


def test_a_kpi_that_raises_is_its_error_and_the_others_are_measured(site_a):
    kpis = [registry.Kpi("test.boom", "Boom", "tests.improvement.test_kpis.boom"),
            *[k for k in registry.kpis() if k.key == "findings.open"]]  # fmt: skip
    values, errors = services.measure(site_a, kpis)
    assert errors == [("test.boom", "RuntimeError: the KPI's data source is gone")]
    assert values["findings.open"]["high"] == 0


def test_the_worker_runs_the_daily_capture_as_the_worker(transactional_db, site_a):
    from otcsms.jobs.services import default_schedules
    from otcsms.jobs.worker import Stop, run_round, worker_id

    assert KPI_SNAPSHOTS in default_schedules() and KPI_SNAPSHOTS.cron == "15 5 * * *"
    result = kpi_snapshots.enqueue()
    run_round(Stop(), worker_id())
    result.refresh()
    assert result.status == "SUCCESSFUL" and "KPI values captured for 1 site" in result.return_value
    assert KpiSnapshot.objects.filter(site=site_a).exists()
    event = AuditEvent.objects.filter(object_type="improvement.kpisnapshot").first()
    assert event is not None and event.actor_label == "worker:kpi-snapshots"


def test_history_combines_sites_and_the_chart_draws_it(site_a, site_b):
    now = timezone.now().replace(microsecond=0)
    for weeks, (a, b) in enumerate([(4, 2), (3, 1), (1, 0)]):
        at = now - dt.timedelta(weeks=2 - weeks)
        KpiSnapshot.objects.create(site=site_a, kpi="findings.open", series="high", value=a, captured_at=at)
        KpiSnapshot.objects.create(site=site_b, kpi="findings.open", series="high", value=b, captured_at=at)
    kpi = next(k for k in registry.kpis() if k.key == "findings.open")
    combined = services.combined(services.history([site_a.pk, site_b.pk]), kpi)
    assert [v for _, v in combined["high"]] == [6, 4, 1]  # counts add up over sites
    svg = charts.trend_svg(combined, title=kpi.title, unit=kpi.unit)
    assert svg.startswith("<svg") and "<polyline" in svg and "high: 1 on" in svg and "style=" not in svg
    assert charts.trend_svg({}, title="x") == "" and charts.spark_svg([(now, 1.0)]) == ""
    percent = charts.trend_svg({"": [(now.date(), 40.0), (now.date() + dt.timedelta(days=7), 80.0)]},
                               title="<met>", unit="%")  # fmt: skip
    assert "100%" in percent and "&lt;met&gt;" in percent and "<met>" not in percent


def _capture_queries(site) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.capture([site])
    return len(queries)


def test_capturing_a_site_takes_the_same_queries_whatever_its_data(site_a, cell):
    from otcsms.plant.models import Asset

    first = _capture_queries(site_a)
    for i in range(15):
        asset = Asset.objects.create(site=site_a, zone=cell, name=f"RTU-{i}", type="rtu")
        finding(site_a, asset, "medium", i)
        Nonconformity.objects.create(site=site_a, title=f"NC {i}", description="d")
    assert _capture_queries(site_a) == first


def test_requirements_met_is_the_coverage_reports_own_share_per_framework(site_a, library, zones):
    from otcsms.assessments import services as assessments
    from otcsms.assessments.kpis import requirements_met
    from otcsms.assessments.models import Assessment

    assert requirements_met(site_a) is None
    sr = library["sr"]
    older = Assessment.objects.create(site=site_a, framework=sr, name="2025", started_on=dt.date(2025, 1, 1))
    newest = Assessment.objects.create(site=site_a, framework=sr, name="2026")
    for ref, status in (("SR 1.1", "met"), ("SR 1.3", "not_met"), ("SR 5.1", "met")):
        answer = assessments.Answer(sr.requirements.get(ref=ref).pk, zones["control"].pk, status)
        assessments.set_response(newest, answer)
    for zone in zones.values():  # met in every zone it applies to: met overall (a zone short: partially met)
        assessments.set_response(
            newest, assessments.Answer(sr.requirements.get(ref="SR 1.1").pk, zone.pk, "met")
        )
    assessments.set_response(older, assessments.Answer(sr.requirements.get(ref="SR 1.3").pk, zones["control"].pk,
                                                       "met"))  # fmt: skip
    expected = assessments.coverage_report(newest)[0].overall.share("met")
    assert requirements_met(site_a) == {sr.name: round(100 * expected, 1)} and expected > 0


def test_two_captures_of_a_site_in_one_minute_count_once_in_the_trend(site_a):
    at = timezone.now().replace(second=5, microsecond=0)
    KpiSnapshot.objects.create(site=site_a, kpi="findings.open", series="medium", value=2, captured_at=at)
    KpiSnapshot.objects.create(site=site_a, kpi="findings.open", series="medium", value=1,
                               captured_at=at + dt.timedelta(seconds=20))  # fmt: skip
    kpi = next(k for k in registry.kpis() if k.key == "findings.open")
    assert [v for _, v in services.combined(services.history([site_a.pk]), kpi)["medium"]] == [1]
