"""Which assets an advisory's products name: vendor, product and firmware; never affected without proof."""

from __future__ import annotations

from otcsms.risk.csaf import Product
from otcsms.risk.matching import AFFECTED, POSSIBLY_AFFECTED, AssetFacts, judge

CLX = Product("P1", "Rockwell Automation ControlLogix 5580: <V33.017_V34.014", "Rockwell Automation",
              "ControlLogix 5580", version_range="<V33.017_V34.014")  # fmt: skip


def test_vendor_model_and_firmware_establish_affected():
    verdict = judge(AssetFacts("Rockwell Automation, Inc.", "ControlLogix 5580 (1756-L83E)", "33.011"), CLX)
    assert verdict is not None and verdict.match == AFFECTED
    assert "33.011" in verdict.reason and "ControlLogix 5580" in verdict.reason


def test_a_fixed_firmware_is_not_matched():
    assert judge(AssetFacts("Rockwell Automation", "ControlLogix 5580", "33.017"), CLX) is None


def test_no_firmware_is_only_possibly_affected():
    verdict = judge(AssetFacts("ROCKWELL AUTOMATION", "controllogix 5580", ""), CLX)
    assert (
        verdict is not None
        and verdict.match == POSSIBLY_AFFECTED
        and "no firmware recorded" in verdict.reason
    )


def test_an_uncomparable_firmware_is_only_possibly_affected():
    verdict = judge(AssetFacts("Rockwell Automation", "ControlLogix 5580", "build 7 beta"), CLX)
    assert (
        verdict is not None and verdict.match == POSSIBLY_AFFECTED and "cannot be compared" in verdict.reason
    )


def test_other_vendors_models_and_longer_product_names_do_not_match():
    assert judge(AssetFacts("Siemens", "ControlLogix 5580", "33.011"), CLX) is None
    assert judge(AssetFacts("Rockwell Automation", "ControlLogix 5570", "33.011"), CLX) is None
    assert judge(AssetFacts("Rockwell Automation", "ControlLogix 55800", "33.011"), CLX) is None
    assert judge(AssetFacts("Rockwell Automation", "", "33.011"), CLX) is None
    process = Product("P2", "x", "Rockwell Automation", "ControlLogix 5580 Process", version_range="<V33.017")
    assert judge(AssetFacts("Rockwell Automation", "ControlLogix 5580", "33.011"), process) is None


def test_part_numbers_in_parentheses_are_optional():
    product = Product(
        "P3", "x", "Rockwell Automation", "ControlLogix 5580 (1756 - L8z)", version_range="<v34.014"
    )
    verdict = judge(AssetFacts("Rockwell Automation", "ControlLogix 5580 (1756-L83E)", "33.011"), product)
    assert verdict is not None and verdict.match == AFFECTED and "without its part numbers" in verdict.reason


def test_every_version_and_investigation():
    product = Product(
        "P4", "Modicon M580: *", "Schneider Electric ", "Modicon M580", version_range="vers:all/*"
    )
    facts = AssetFacts("Schneider Electric SE", "Modicon M580 BMEP582040", "4.10")
    assert judge(facts, product).match == AFFECTED  # type: ignore[union-attr]
    investigating = judge(facts, product, under_investigation=True)
    assert investigating is not None and investigating.match == POSSIBLY_AFFECTED
