"""CSAF product trees that name products through relationships (firmware installed_on a device, a component
default_component_of a product) and product groups: the right assets are hit, hostile trees refused with the path.

The real file is CISA's ICSA-24-235-03 (public domain; tests/risk/data/README.md): 1,283 installed_on
relationships, and every product status names a relationship's product.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from otcsms.plant.models import Asset
from otcsms.risk import csaf, services
from otcsms.risk.models import AssetVulnerability

DATA = Path(__file__).parent / "data"
MOBOTIX = DATA / "icsa-24-235-03.json"


def refused(document: dict) -> csaf.CsafError:
    with pytest.raises(csaf.CsafError) as caught:
        csaf.parse(json.dumps(document).encode())
    return caught.value


def small() -> dict:
    """A minimal advisory: a controller, two firmware versions installed on it, a web server component of the
    controller's firmware 3.0, and a group of the two firmware products."""
    leaf = lambda pid, name: {"name": name, "product_id": pid}  # noqa: E731
    return {
        "document": {
            "category": "csaf_security_advisory", "csaf_version": "2.0", "title": "Example",
            "publisher": {"name": "Example CERT", "category": "coordinator", "namespace": "https://example.test"},
            "tracking": {"id": "EX-2026-01", "version": "1", "status": "final",
                         "initial_release_date": "2026-01-01T00:00:00Z", "current_release_date": "2026-01-01T00:00:00Z",
                         "revision_history": [{"number": "1", "date": "2026-01-01T00:00:00Z", "summary": "Initial"}]},
        },
        "product_tree": {
            "branches": [{"category": "vendor", "name": "Acme Controls", "branches": [
                {"category": "product_name", "name": "AC500 CPU", "product": leaf("HW", "Acme AC500 CPU")},
                {"category": "product_name", "name": "AC500 firmware", "branches": [
                    {"category": "product_version", "name": "2.1", "product": leaf("FW21", "AC500 firmware 2.1")},
                    {"category": "product_version", "name": "3.0", "product": leaf("FW30", "AC500 firmware 3.0")},
                ]},
                {"category": "product_name", "name": "Web server", "product": leaf("WEB", "Acme web server")},
            ]}],
            "relationships": [
                {"category": "installed_on", "product_reference": "FW21", "relates_to_product_reference": "HW",
                 "full_product_name": leaf("HW-FW21", "AC500 firmware 2.1 installed on AC500 CPU")},
                {"category": "installed_on", "product_reference": "FW30", "relates_to_product_reference": "HW",
                 "full_product_name": leaf("HW-FW30", "AC500 firmware 3.0 installed on AC500 CPU")},
            ],
            "product_groups": [{"group_id": "G-ALL", "product_ids": ["HW-FW21", "HW-FW30"], "summary": "all"}],
        },
        "vulnerabilities": [{
            "cve": "CVE-2026-10001", "title": "Web server overflow",
            "product_status": {"known_affected": ["HW-FW21"], "fixed": ["HW-FW30"]},
            "remediations": [{"category": "vendor_fix", "details": "Update to firmware 3.0", "group_ids": ["G-ALL"]}],
        }],
    }  # fmt: skip


def test_relationship_products_are_matched_as_the_platform_with_the_components_version():
    advisory = csaf.parse(json.dumps(small()).encode())
    product = advisory.products["HW-FW21"]
    assert (product.vendor, product.product, product.version) == ("Acme Controls", "AC500 CPU", "2.1")
    assert product.relation.startswith("installed_on: AC500 firmware 2.1 / Acme AC500 CPU")
    assert advisory.groups == {"G-ALL": frozenset({"HW-FW21", "HW-FW30"})}
    assert advisory.vulnerabilities[0].remediations_for("HW-FW21")[0]["details"] == "Update to firmware 3.0"


def test_a_component_of_a_product_takes_the_platforms_version():
    document = small()
    document["product_tree"]["relationships"].append(
        {"category": "default_component_of", "product_reference": "WEB", "relates_to_product_reference": "FW30",
         "full_product_name": {"name": "web server in firmware 3.0", "product_id": "FW30-WEB"}}
    )  # fmt: skip
    product = csaf.parse(json.dumps(document).encode()).products["FW30-WEB"]
    assert (product.product, product.version) == ("AC500 firmware", "3.0") and "Web server" in product.aliases


def test_the_real_advisory_hits_the_cameras_running_affected_firmware(site_a):
    def camera(name: str, model: str, firmware: str) -> Asset:
        return Asset.objects.create(site=site_a, name=name, type="camera", vendor="MOBOTIX AG", model=model,
                                    firmware=firmware)  # fmt: skip

    hit = camera("CAM-GATE", "P3 D24M", "MX-V4.1.4.11")  # affected (installed_on relationship CSAFPID-0309)
    fixed = camera("CAM-YARD", "P3 D24M", "MX-V4.7.2.18")  # listed as fixed
    older = camera("CAM-DOCK", "P3 D24M", "MX-V4.0.1.15")  # listed as known not affected
    mx6 = camera("CAM-HALL", "Mx6 D16", "MX-V5.0.0.127")  # affected (CSAFPID-0989)
    other = camera("CAM-ROOF", "Mx6 M16", "")  # the model is listed: possibly affected, firmware unknown
    started = time.perf_counter()
    result = services.import_advisory(site_a, MOBOTIX.read_bytes(), MOBOTIX.name)
    elapsed = time.perf_counter() - started
    assert result.outcome == "created" and result.vulnerabilities == 1
    items = {i.asset_id: i for i in AssetVulnerability.objects.all()}
    assert hit.pk in items and mx6.pk in items and other.pk in items
    assert fixed.pk not in items and older.pk not in items
    assert items[hit.pk].match == "affected" and "installed_on" in items[hit.pk].match_reason
    assert items[other.pk].match == "possibly-affected"
    assert any("MX-V4.7.2.18" in r["details"] for r in items[hit.pk].remediations)
    assert elapsed < 30  # 1,391 products and 1,283 relationships on the shared 2-core machine


def _rel(**values) -> dict:
    base = {"category": "installed_on", "product_reference": "FW21", "relates_to_product_reference": "HW",
            "full_product_name": {"name": "x", "product_id": "NEW"}}  # fmt: skip
    return base | values


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (lambda t: t["relationships"].append(_rel(product_reference="NOPE")),
         "/product_tree/relationships/2/product_reference", "defined before"),
        (lambda t: t["relationships"].append(_rel(relates_to_product_reference="HW-FW21x")),
         "/product_tree/relationships/2/relates_to_product_reference", "defined before"),
        (lambda t: t["relationships"].append(_rel(category="runs_on")), "/product_tree/relationships/2/category",
         "expected one of"),
        (lambda t: t["relationships"].append(_rel(full_product_name={"name": "x", "product_id": "HW"})),
         "/product_tree/relationships/2/full_product_name/product_id", ""),
        (lambda t: t["relationships"].append(_rel(full_product_name={"name": "x", "product_id": "HW-FW21"})),
         "/product_tree/relationships/2/full_product_name/product_id", "defined twice"),
        (lambda t: t["relationships"].append(_rel(product_reference="NEW",
                                                  full_product_name={"name": "x", "product_id": "NEW"})),
         "/product_tree/relationships/2/product_reference", "defined before"),  # itself
        (lambda t: t["relationships"].append("installed_on"), "/product_tree/relationships/2", "an object"),
        (lambda t: t.__setitem__("relationships", {"a": 1}), "/product_tree/relationships", "an array"),
        (lambda t: t["product_groups"].append({"group_id": "G-ALL", "product_ids": ["HW", "WEB"]}),
         "/product_tree/product_groups/1/group_id", "defined twice"),
        (lambda t: t["product_groups"].append({"group_id": "G1", "product_ids": ["HW", "HW"]}),
         "/product_tree/product_groups/1/product_ids", "at least two"),
        (lambda t: t["product_groups"].append({"group_id": "G2", "product_ids": ["HW", "GHOST"]}),
         "/product_tree/product_groups/1/product_ids/1", "no product"),
        (lambda t: t["product_groups"].append({"group_id": "G3\u202e", "product_ids": ["HW", "WEB"]}),
         "/product_tree/product_groups/1/group_id", "bidirectional"),
    ],
)  # fmt: skip
def test_hostile_relationships_and_groups_are_refused_with_the_path(mutate, path, reason):
    document = small()
    mutate(document["product_tree"])
    error = refused(document)
    assert error.path == path and reason in str(error)


def test_a_group_named_where_it_does_not_exist_or_where_only_products_go_is_refused():
    document = small()
    document["vulnerabilities"][0]["remediations"][0]["group_ids"] = ["G-NONE"]
    assert refused(document).path == "/vulnerabilities/0/remediations/0/group_ids/0"
    document = small()
    document["vulnerabilities"][0]["product_status"]["known_affected"] = ["G-ALL"]  # statuses take products
    assert refused(document).path == "/vulnerabilities/0/product_status/known_affected/0"


def test_ten_thousand_chained_relationships_are_refused_quickly():
    document = small()
    chain = [_rel(product_reference="FW21" if i == 0 else f"R{i - 1}",
                  full_product_name={"name": f"r{i}", "product_id": f"R{i}"}) for i in range(csaf.MAX_PRODUCTS)]  # fmt: skip
    document["product_tree"]["relationships"] = chain
    started = time.perf_counter()
    error = refused(copy.deepcopy(document))
    assert "more than" in str(error) and time.perf_counter() - started < 10
