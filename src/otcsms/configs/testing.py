"""One object of each configs path at a site, for the access test (declared in configs/registry.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from otcsms.configs import services
from otcsms.configs.models import Collection
from otcsms.plant.models import Asset
from otcsms.tenancy.models import Site


def access_objects(site: Site) -> dict[str, int]:
    asset = Asset.objects.create(site=site, name="RTU config A")
    snapshot, _ = services.record_snapshot(
        asset, config={"firmware": "1.0"}, volatile={}, source={"type": "file"}
    )
    baseline = services.approve_baseline(snapshot, by=None, reason="commissioning")
    later, _ = services.record_snapshot(
        asset, config={"firmware": "1.1"}, volatile={}, source={"type": "file"}
    )
    deviation = services.add_deviation(
        asset, path_pattern="/firmware", expected="1.1", ticket="CHG-1", reason="vendor patch",
        expires_at=timezone.now() + dt.timedelta(days=30), by=None,
    )  # fmt: skip
    collection = Collection.objects.create(
        site=site, asset=asset, attempted_at=timezone.now(), status="unreachable", collector="modbus-tcp"
    )
    return {
        "config-snapshots": later.pk,
        "config-collections": collection.pk,
        "config-baselines": baseline.pk,
        "config-deviations": deviation.pk,
        "config-assets": asset.pk,
        "config-drift": asset.pk,
        "config-sites": site.pk,
    }
