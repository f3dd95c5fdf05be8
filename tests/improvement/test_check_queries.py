"""Every registered check reads a site with a constant number of queries: the same with twice the rows (no query
per zone, asset, document or action). bench/checks.py measures the same over the fleet-scale data set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otcsms.access import checks as access_checks
from otcsms.checks.engine import registered
from otcsms.evidence.models import Document
from otcsms.improvement.models import Nonconformity
from otcsms.plant.models import Asset, ProtocolEndpoint, Zone
from otcsms.roadmap.models import Action

pytestmark = pytest.mark.django_db


def grow(site, start: int, count: int) -> None:
    """``count`` more of everything the checks read: zones with an SL-T, critical assets with Modbus and OPC UA
    endpoints, documents past review, overdue actions, nonconformities."""
    past = timezone.localdate() - dt.timedelta(days=30)
    for i in range(start, start + count):
        zone = Zone(site=site, name=f"Zone {i}", sl_t_reason="test")
        zone.sl_t = (2, 2, 2, 2, 2, 2, 2)
        zone.save()
        asset = Asset.objects.create(
            site=site, zone=zone, name=f"PLC {i}", type="plc", criticality="critical"
        )
        ProtocolEndpoint.objects.create(asset=asset, protocol="modbus-tcp", host=f"10.0.0.{i}", port=502)
        ProtocolEndpoint.objects.create(asset=asset, protocol="opc-ua", host=f"10.0.0.{i}", port=4840)
        Document.objects.create(site=site, kind="policy", title=f"Policy {i}", next_review=past)
        Action.objects.create(site=site, title=f"Action {i}", status="planned", due_on=past)
        Nonconformity.objects.create(site=site, title=f"NC {i}", description="d", due_on=past)


def queries_per_check(site) -> dict[str, int]:
    access_checks.MEMO.clear()  # the access checks share one reconciliation per run: the first one makes it
    counts = {}
    for check in registered():
        with CaptureQueriesContext(connection) as queries:
            list(check.function(site))
        counts[check.id] = len(queries)
    return counts


def test_no_check_queries_more_with_more_rows(site_a):
    grow(site_a, 0, 2)
    queries_per_check(site_a)  # warm the per-process caches (content types, catalogs, rules)
    small = queries_per_check(site_a)
    grow(site_a, 2, 4)
    large = queries_per_check(site_a)
    grown = {cid: (small[cid], large[cid]) for cid in small if large[cid] != small[cid]}
    assert not grown, f"checks whose queries grow with the rows (before, after): {grown}"
