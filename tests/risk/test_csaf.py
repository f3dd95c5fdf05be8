"""CSAF 2.0 parsing: real CISA advisories read; malformed and hostile documents refused with the JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcsms.risk import csaf

DATA = Path(__file__).parent / "data"


def real(name: str) -> dict:
    return json.loads((DATA / name).read_bytes())


def refused(document) -> csaf.CsafError:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(csaf.CsafError) as caught:
        csaf.parse(data)
    return caught.value


def test_real_advisories_are_read():
    v1 = csaf.parse((DATA / "icsa-24-107-03-v1.json").read_bytes())
    v2 = csaf.parse((DATA / "icsa-24-107-03-v2.json").read_bytes())
    assert (v1.tracking_id, v1.version, v2.version) == ("ICSA-24-107-03", "1", "2")
    assert v2.version_key > v1.version_key and len(v1.products) == 4 and len(v2.products) == 8
    product = v1.products["CSAFPID-0001"]
    assert (product.vendor, product.product, product.version) == (
        "Rockwell Automation",
        "ControlLogix 5580",
        "V35.011",
    )
    vuln = v1.vulnerabilities[0]
    assert vuln.cve == "CVE-2024-3493" and vuln.cvss_score == 8.6 and vuln.cvss_vector.startswith("CVSS:3.1/")
    assert vuln.affected == frozenset(v1.products) and vuln.remediations
    assert "exploitation" in v1.exploitability.lower()
    schneider = csaf.parse((DATA / "icsa-23-227-01.json").read_bytes())
    assert {p.version_range for p in schneider.products.values()} >= {"vers:all/*", "<= 2020"}


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (lambda d: d["product_tree"]["branches"][0]["branches"][1].__setitem__("name", 5),
         "/product_tree/branches/0/branches/1/name", "expected a string"),
        (lambda d: d["document"].pop("tracking"), "/document/tracking", "required"),
        (lambda d: d["document"]["tracking"].__setitem__("revision_history", []),
         "/document/tracking/revision_history", "at least one"),
        (lambda d: d["document"]["tracking"].__setitem__("version", "one"), "/document/tracking/version", "integer"),
        (lambda d: d["document"].__setitem__("csaf_version", "1.2"), "/document/csaf_version", "2.0"),
        (lambda d: d.pop("product_tree"), "/product_tree", "required"),
        (lambda d: d["vulnerabilities"][0].__setitem__("cve", "CVE-24-1"), "/vulnerabilities/0/cve", "CVE-YYYY"),
        (lambda d: d["vulnerabilities"][0]["scores"][0]["cvss_v3"].__setitem__("baseScore", "9.8"),
         "/vulnerabilities/0/scores/0/cvss_v3/baseScore", "0 to 10"),
        (lambda d: d["vulnerabilities"][0]["scores"][0]["cvss_v3"].__setitem__("baseScore", 11),
         "/vulnerabilities/0/scores/0/cvss_v3/baseScore", "0 to 10"),
        (lambda d: d["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999"),
         "/vulnerabilities/0/product_status/known_affected/4", "no product 'CSAFPID-9999'"),
        (lambda d: d["vulnerabilities"][0]["product_status"].__setitem__("known_affected", "CSAFPID-0001"),
         "/vulnerabilities/0/product_status/known_affected", "expected an array"),
        (lambda d: d["vulnerabilities"][0]["remediations"][0].__setitem__("category", "pray"),
         "/vulnerabilities/0/remediations/0/category", "expected one of"),
        (lambda d: d["vulnerabilities"][0]["remediations"][0].__setitem__("url", "javascript:alert(1)"),
         "/vulnerabilities/0/remediations/0/url", "URL"),
        (lambda d: d["product_tree"]["branches"][0].__setitem__("category", "../../etc"),
         "/product_tree/branches/0/category", "branch category"),
        (lambda d: d["product_tree"]["branches"][0]["branches"][0].__setitem__("product", {"name": "x", "product_id": "p"}),
         "/product_tree/branches/0/branches/0", "either branches or a product"),
        (lambda d: d["product_tree"]["branches"][0]["branches"][1]["branches"][0]["product"].__setitem__(
            "product_id", "CSAFPID-0001"), "/product_tree/branches/0/branches/1/branches/0/product/product_id",
         "defined twice"),
        (lambda d: d["document"].__setitem__("title", "evil\u202etxt"), "/document/title", "bidirectional"),
        (lambda d: d.__setitem__("vulnerabilities", {}), "/vulnerabilities", "expected an array"),
    ],
)  # fmt: skip
def test_malformed_documents_name_the_path(mutate, path, reason):
    document = copy.deepcopy(real("icsa-24-107-03-v1.json"))
    mutate(document)
    error = refused(document)
    assert error.path == path and reason in error.reason, str(error)
    assert str(error).startswith(f"{path}: ")


def test_hostile_inputs_are_refused():
    assert "deeper than" in str(refused(b"[" * 100_000 + b"]" * 100_000))
    assert "deeper than" in str(
        refused(
            json.dumps(
                {
                    "a": [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                                                            1
                                                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                }
            ).encode()
        )
    )
    assert "larger than" in str(refused(b" " * (csaf.MAX_BYTES + 1)))
    assert "not UTF-8" in str(refused("{}".encode("utf-16")))
    assert "not JSON" in str(refused(b'{"document": '))
    assert "NaN is not JSON" in str(refused(b'{"document": NaN}'))
    assert "duplicate key 'document'" in str(refused(b'{"document": {}, "document": {}}'))
    assert refused([1, 2]).path == "/" and "expected an object" in str(refused([1, 2]))


def test_long_free_text_is_cut_not_refused():
    document = real("icsa-24-107-03-v1.json")
    document["vulnerabilities"][0]["remediations"][0]["details"] = "x" * 50_000
    parsed = csaf.parse(json.dumps(document).encode())
    assert len(parsed.vulnerabilities[0].remediations[0].details) == csaf.MAX_TEXT


def test_tracking_versions_order():
    assert csaf.version_key("2") > csaf.version_key("1")
    assert csaf.version_key("1.0.0") > csaf.version_key("1.0.0-rc.1")
    assert csaf.version_key("1.10.0") > csaf.version_key("1.9.3")
    assert csaf.version_key("01") is None and csaf.version_key("v2") is None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


REAL = real("icsa-24-107-03-v1.json")
REAL_PATHS = [p for p in _paths(REAL) if p]


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(REAL_PATHS), value=json_values)
def test_any_one_change_to_a_real_advisory_is_read_or_refused_with_a_path(where, value):
    document = copy.deepcopy(REAL)
    parent = document
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    try:
        csaf.parse(json.dumps(document).encode())
    except csaf.CsafError as error:
        assert error.path.startswith("/") and error.reason


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_arbitrary_json_is_refused_cleanly(value):
    with pytest.raises(csaf.CsafError):
        csaf.parse(json.dumps(value).encode())
