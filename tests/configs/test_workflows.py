"""Per-asset collection schedules, withdrawing deviations and editing severity rules from the pages, and raw
imported files kept as evidence documents (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.utils import timezone

from otcsms.configs import services
from otcsms.configs.models import Collection, CollectionSchedule, Deviation, RuleOverride, SourceFile
from otcsms.core.models import AuditEvent
from otcsms.evidence.models import CoveredAsset, Document, DocumentVersion
from otcsms.plant.models import Asset


def attempted(asset, hours_ago: float) -> None:
    Collection.objects.create(site=asset.site, asset=asset, attempted_at=timezone.now() - dt.timedelta(hours=hours_ago),
                              status="ok", collector="modbus")  # fmt: skip


def test_an_asset_schedule_overrides_the_site_default(site_a, zone_sl2):
    hourly, daily, paused, fresh = (
        Asset.objects.create(site=site_a, name=n, zone=zone_sl2)
        for n in ("A-HOURLY", "A-DAILY", "A-OFF", "A-NEW")
    )
    for asset in (hourly, daily, paused):
        attempted(asset, 2)
    assert services.due_for_collection([hourly, daily, paused, fresh]) == [hourly, daily, paused, fresh]
    services.set_schedule(site_a.pk, None, 6)  # the site: every six hours
    services.set_schedule(site_a.pk, hourly, 1)
    services.set_schedule(site_a.pk, paused, 0)
    assert services.due_for_collection([hourly, daily, paused, fresh]) == [hourly, fresh]
    attempted(daily, 7)
    Collection.objects.filter(asset=daily).order_by("-attempted_at").first().delete()
    assert daily in services.due_for_collection([daily])
    assert services.schedule_of(hourly) == (1, "asset") and services.schedule_of(daily) == (6, "site")
    services.set_schedule(site_a.pk, hourly, None)  # back to the site's default
    assert services.schedule_of(hourly) == (6, "site")
    assert CollectionSchedule.objects.filter(site=site_a).count() == 2


def test_schedule_api_and_its_bad_input(api, plc, a_contributor, org_admin, site_a):
    alice, olivia = api(a_contributor), api(org_admin)
    assert alice.get(f"/config-assets/{plc.pk}/schedule").json() == {"asset_id": plc.pk, "every_hours": 1,
                                                                      "source": "default"}  # fmt: skip
    assert alice.call("PUT", f"/config-assets/{plc.pk}/schedule", {"every_hours": 4}).status_code == 403
    before = AuditEvent.objects.count()
    for bad in ({"every_hours": -1}, {"every_hours": "often"}, {"every_hours": 10**9}, {"hours": 2}):
        assert olivia.call("PUT", f"/config-assets/{plc.pk}/schedule", bad).status_code == 422, bad
    assert AuditEvent.objects.count() == before
    assert (
        olivia.call("PUT", f"/config-sites/{site_a.pk}/schedule", {"every_hours": 12}).json()["source"]
        == "site"
    )
    assert alice.get(f"/config-assets/{plc.pk}/schedule").json()["every_hours"] == 12
    done = olivia.call("PUT", f"/config-assets/{plc.pk}/schedule", {"every_hours": 4})
    assert done.status_code == 200 and done.json() == {
        "asset_id": plc.pk,
        "every_hours": 4,
        "source": "asset",
    }
    assert AuditEvent.objects.filter(object_type="configs.collectionschedule").count() == 2


def test_the_asset_page_sets_the_schedule_and_withdraws_deviations(client, plc, a_contributor, org_admin):
    v1, _ = services.record_snapshot(plc, config={"fw": "1"}, volatile={}, source={"type": "file"})
    services.approve_baseline(v1, by=None, reason="commissioning")
    services.record_snapshot(plc, config={"fw": "2"}, volatile={}, source={"type": "file"})
    deviation = services.add_deviation(plc, path_pattern="/fw", expected="2", ticket="CHG-7", reason="patch",
                                       expires_at=timezone.now() + dt.timedelta(days=9), by=None)  # fmt: skip
    assert services.drift(Asset.objects.filter(pk=plc.pk))[0].result.status == "in_baseline"
    client.force_login(a_contributor)
    assert client.post(f"/configs/deviations/{deviation.pk}/delete/", {"reason": "x"}).status_code == 403
    assert client.post(f"/configs/assets/{plc.pk}/schedule/", {"every_hours": "3"}).status_code == 403
    client.force_login(org_admin)
    page = client.get(f"/configs/assets/{plc.pk}/")
    assert b"Collection schedule" in page.content and b"config_deviation" not in page.content
    assert f"/configs/deviations/{deviation.pk}/delete/".encode() in page.content
    refused = client.post(f"/configs/deviations/{deviation.pk}/delete/", {"reason": ""}, follow=True)
    assert b"needs a reason" in refused.content and Deviation.objects.filter(pk=deviation.pk).exists()
    client.post(f"/configs/deviations/{deviation.pk}/delete/", {"reason": "change rolled back"})
    assert not Deviation.objects.filter(pk=deviation.pk).exists()
    event = AuditEvent.objects.filter(object_type="configs.deviation", action="delete").get()
    assert event.payload["reason"] == "change rolled back"
    assert services.drift(Asset.objects.filter(pk=plc.pk))[0].result.status == "drifted"
    client.post(f"/configs/assets/{plc.pk}/schedule/", {"every_hours": "3"})
    assert services.schedule_of(plc) == (3, "asset")
    bad = client.post(f"/configs/assets/{plc.pk}/schedule/", {"every_hours": "-2"}, follow=True)
    assert b"whole hours" in bad.content and services.schedule_of(plc) == (3, "asset")
    client.post(f"/configs/assets/{plc.pk}/schedule/", {"every_hours": ""})
    assert services.schedule_of(plc) == (1, "default")


def test_rule_documents_are_edited_by_org_admins_on_the_rules_page(client, a_contributor, org_admin):
    client.force_login(a_contributor)
    page = client.get("/configs/rules/")
    assert (
        page.status_code == 200
        and b"network.rule-added" in page.content
        and b"Save rules" not in page.content
    )
    form = {"name": "ours", "rules": "rules:\n  - {id: site.users, path: /users/**, severity: critical}\n",
            "order": "10", "enabled": "on"}  # fmt: skip
    assert client.post("/configs/rules/save/", form).status_code == 403
    client.force_login(org_admin)
    assert b"Save rules" in client.get("/configs/rules/").content
    bad = client.post("/configs/rules/save/", {**form, "rules": "rules: [{id: x}]"}, follow=True)
    assert b"Rules not saved" in bad.content and not RuleOverride.objects.exists()
    client.post("/configs/rules/save/", form)
    saved = RuleOverride.objects.get()
    assert services.rules().rules[0].id == "site.users"
    client.post("/configs/rules/save/", {**form, "id": saved.pk, "enabled": ""})
    saved.refresh_from_db()
    assert not saved.enabled and services.rules().rules[0].id != "site.users"
    client.post(f"/configs/rules/{saved.pk}/delete/", {"reason": "not needed"})
    assert not RuleOverride.objects.exists()
    assert (
        AuditEvent.objects.filter(object_type="configs.ruleoverride", action="delete").get().payload["reason"]
        == "not needed"
    )


def test_imported_files_are_kept_as_versions_of_the_assets_evidence_document(api, plc, a_contributor):
    alice = api(a_contributor)

    def send(document):
        content = base64.b64encode(json.dumps(document).encode()).decode()
        return alice.post(
            f"/config-assets/{plc.pk}/import", {"name": "../../etc/plc.json", "content": content}
        )

    assert send({"firmware": "1.0"}).status_code == 201
    assert send({"firmware": "1.0"}).status_code == 200  # the same configuration: no new evidence version
    assert send({"firmware": "1.1"}).status_code == 201
    document = Document.objects.get()
    assert document.kind == "configuration" and document.site_id == plc.site_id
    assert CoveredAsset.objects.filter(document=document, asset=plc).exists()
    versions = list(DocumentVersion.objects.filter(document=document).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].file_name == "plc.json"  # a name, never a path
    files = SourceFile.objects.filter(snapshot__asset=plc).order_by("pk")
    assert [f.document_version_id for f in files] == [v.pk for v in versions]
    assert [f.sha256 for f in files] == [v.sha256 for v in versions]
