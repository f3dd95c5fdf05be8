"""Guidance per requirement: every assessable 62443-3-3 SR/RE and 62443-2-1 (2010 and 2024) element ships its own,
in our own words; the library format carries it (file, database, OSCAL); the requirement page and the API show it;
malformed guidance is refused before anything is written."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client

from otcsms.catalogs.libformat import (
    FrameworkDoc,
    LibraryError,
    framework_to_document,
    load_library,
)
from otcsms.catalogs.models import Framework, Requirement
from otcsms.catalogs.oscal import framework_to_oscal_catalog, oscal_catalog_to_framework
from otcsms.catalogs.versioning import framework_content_hash
from tests.catalogs.conftest import licensed_62443_3_3, row_counts

TOOLS = Path(__file__).resolve().parents[2] / "tools"
WITH_GUIDANCE = ["iec62443-3-3", "iec62443-2-1-2010", "iec62443-2-1-2024"]
MAX_CHARS = 600
SOURCE = "otcsms guidance (our own words)"


def texts(req) -> list[str]:
    g = req.guidance
    return [g.good, *g.evidence, *g.pitfalls]


# ---------------------------------------------------------------------------------------------- shipped data


@pytest.mark.parametrize("framework_id", WITH_GUIDANCE)
def test_every_assessable_row_has_complete_unverified_guidance(frameworks, framework_id):
    fw: FrameworkDoc = frameworks[framework_id]
    assessable = [r for r in fw.requirements if r.assessable]
    assert (
        len(assessable)
        == {"iec62443-3-3": 100, "iec62443-2-1-2010": 126, "iec62443-2-1-2024": 87}[framework_id]
    )
    for req in assessable:
        g = req.guidance
        assert g is not None, req.id
        assert g.good.strip() and g.evidence and g.pitfalls, req.id
        assert all(item.strip() for item in (*g.evidence, *g.pitfalls)), req.id
        assert (g.source, g.verified) == (SOURCE, False), req.id
        # what good looks like: two to four sentences ('e.g.' and 'i.e.' end none)
        sentences = re.findall(r"(?<!e\.g)(?<!i\.e)[.!?](?:\s|$)", g.good)
        assert 2 <= len(sentences) <= 4, (req.id, g.good)
    assert all(r.guidance is None for r in fw.requirements if not r.assessable)


@pytest.mark.parametrize("framework_id", WITH_GUIDANCE)
def test_guidance_texts_are_short(frameworks, framework_id):
    for req in frameworks[framework_id].requirements:
        if req.guidance:
            for text in texts(req):
                assert len(text) <= MAX_CHARS, (req.id, len(text))
                assert text == " ".join(text.split()), (req.id, text)  # one line, no doubled blanks


def test_no_guidance_text_is_a_template(frameworks):
    """A text used for more than two rows is a template, not guidance for a requirement (across the catalogs)."""
    counts = Counter(
        text
        for fid in WITH_GUIDANCE
        for req in frameworks[fid].requirements
        if req.guidance
        for text in texts(req)
    )
    assert [text for text, n in counts.items() if n > 2] == []


@pytest.mark.parametrize("framework_id", WITH_GUIDANCE)
def test_guidance_is_our_own_words_not_the_standards(frameworks, framework_id):
    """The standard states requirements with 'shall'; guidance describes practice and never restates a clause.
    Nor is it built from the catalog's titles: no title stands in it as a sentence or item of its own."""
    fw = frameworks[framework_id]
    titles = {r.title.lower().rstrip(".") for r in fw.requirements}
    for req in fw.requirements:
        if not req.guidance:
            continue
        for text in texts(req):
            assert not re.search(r"\bshall\b", text, re.IGNORECASE), (req.id, text)
            pieces = {p.strip().lower() for p in re.split(r"(?<=[.!?])\s+", text)}
            assert not {p.rstrip(".") for p in pieces} & titles, (req.id, text)
            assert text.lower().rstrip(".") not in titles, (req.id, text)
    assert "not yet reviewed against the standard" in fw.description


def test_shipped_versions_say_the_content_changed(frameworks):
    assert frameworks["iec62443-3-3"].version == "2013-r2"
    assert frameworks["iec62443-2-1-2010"].version == "2010-r2"
    assert frameworks["iec62443-2-1-2024"].version == "2024-r2"


# ---------------------------------------------------------------------------------------------- format


def small_framework(guidance: object) -> dict:
    return {
        "format": "otcsms-library",
        "format_version": 1,
        "kind": "framework",
        "framework": {
            "id": "acme",
            "name": "ACME baseline",
            "version": "1",
            "publisher": "ACME",
            "licence": "internal",
            "requirements": [
                {"id": "A", "title": "Access", "kind": "family", "assessable": False},
                {"id": "A-1", "parent": "A", "title": "Named HMI accounts", "kind": "requirement",
                 "assessable": True, "guidance": guidance},
            ],
        },
    }  # fmt: skip


GOOD = {
    "good": "Every HMI login belongs to one person. Shared logins are retired.",
    "evidence": ["HMI account list"],
    "pitfalls": ["A shared 'operator' login"],
    "source": "ACME OT team",
    "verified": True,
}


def test_guidance_round_trips_through_the_document_and_counts_in_the_hash():
    fw = load_library(small_framework(GOOD))
    guidance = fw.requirements_by_id()["A-1"].guidance
    assert guidance is not None and guidance.evidence == ("HMI account list",) and guidance.verified
    assert load_library(framework_to_document(fw)) == fw
    changed = copy.deepcopy(GOOD) | {"pitfalls": ["Another pitfall"]}
    assert framework_content_hash(load_library(small_framework(changed))) != framework_content_hash(fw)
    # evidence and pitfalls may be left out: they read as empty lists and hash as written out
    bare = {"good": "Named accounts everywhere. Reviewed yearly.", "source": "ACME", "verified": False}
    written = bare | {"evidence": [], "pitfalls": []}
    assert framework_content_hash(load_library(small_framework(bare))) == framework_content_hash(
        load_library(small_framework(written))
    )


@pytest.mark.parametrize(
    ("guidance", "path", "words"),
    [
        (GOOD | {"evidence": "HMI account list"}, "/guidance/evidence", "must be of type array; got string"),
        (GOOD | {"pitfalls": [3]}, "/guidance/pitfalls/0", "must be of type string; got integer"),
        (GOOD | {"verified": "yes"}, "/guidance/verified", "must be of type boolean; got string"),
        (GOOD | {"good": "x" * 100_000}, "/guidance/good", "is 100000 characters long; at most 2000"),
        (
            GOOD | {"evidence": ["y" * 100_000]},
            "/guidance/evidence/0",
            "is 100000 characters long; at most 1000",
        ),
        (GOOD | {"evidence": ["e"] * 21}, "/guidance/evidence", "has 21 items; at most 20"),
        (GOOD | {"colour": "red"}, "/guidance", "'colour' was unexpected); allowed keys: good, evidence"),
        ({k: v for k, v in GOOD.items() if k != "source"}, "/guidance", "'source' is a required property"),
        (GOOD | {"good": "   "}, "/guidance/good", "does not fit pattern"),
        ("Just do it well.", "/guidance", "must be of type object; got string"),
    ],
)
def test_malformed_guidance_is_refused_with_its_path(guidance, path, words):
    with pytest.raises(LibraryError) as caught:
        load_library(small_framework(guidance))
    where = "/framework/requirements/1" + path
    reasons = [(p.path, p.reason) for p in caught.value.problems]
    assert any(p == where and words in reason for p, reason in reasons), reasons
    assert all(len(reason) < 400 for _, reason in reasons)  # a 100 KB value is never echoed back


def test_oscal_carries_guidance_as_a_guidance_part(frameworks):
    fw = frameworks["iec62443-3-3"]
    catalog = framework_to_oscal_catalog(fw)["catalog"]
    fr1 = next(g for g in catalog["groups"] if g["id"] == "fr-1")
    sr11 = next(c for c in fr1["controls"] if c["id"] == "sr-1.1")
    part = next(p for p in sr11["parts"] if p["name"] == "guidance")
    assert part["prose"] == fw.requirements_by_id()["SR 1.1"].guidance.good
    assert {p["name"] for p in part["parts"]} == {"evidence", "pitfall"}
    back = oscal_catalog_to_framework({"catalog": catalog})
    assert {r.id: r.guidance for r in back.requirements} == {r.id: r.guidance for r in fw.requirements}


def test_a_foreign_guidance_part_is_not_read_as_ours():
    """NIST's catalogs put their discussion in a 'guidance' part; it is not otcsms guidance."""
    catalog = {
        "metadata": {"title": "Foreign", "version": "1"},
        "controls": [{"id": "x-1", "title": "X", "parts": [{"name": "guidance", "prose": "Discussion."}]}],
    }
    (req,) = oscal_catalog_to_framework({"catalog": catalog}).requirements
    assert req.guidance is None


def test_the_build_refuses_missing_or_unknown_guidance(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(TOOLS))
    from library_build import common

    monkeypatch.setattr(common, "HAND_WRITTEN", tmp_path)
    rows = [
        {"id": "G", "assessable": False},
        {"id": "R 1", "assessable": True},
        {"id": "R 2", "assessable": True},
    ]
    entry = "{good: A sentence. Another., evidence: [e], pitfalls: [p]}"
    (tmp_path / "g.yaml").write_text(f"guidance:\n  R 1: {entry}\n  R 9: {entry}\n", "utf-8")
    with pytest.raises(SystemExit, match="without guidance: R 2; ids that are not assessable rows .*: R 9"):
        common.attach_guidance(copy.deepcopy(rows), "g.yaml")
    (tmp_path / "g.yaml").write_text(f"guidance:\n  R 1: {entry}\n  R 1: {entry}\n", "utf-8")
    with pytest.raises(SystemExit, match="duplicate key 'R 1'"):
        common.attach_guidance(copy.deepcopy(rows), "g.yaml")
    (tmp_path / "g.yaml").write_text("guidance:\n  R 1: {good: x, evidence: [], pitfalls: [p]}\n", "utf-8")
    with pytest.raises(SystemExit, match="evidence and pitfalls must be non-empty"):
        common.attach_guidance(copy.deepcopy(rows[:2]), "g.yaml")
    (tmp_path / "g.yaml").write_text(
        f"guidance:\n  R 1: {{good: {'x' * 601}, evidence: [e], pitfalls: [p]}}\n"
    )
    with pytest.raises(SystemExit, match="601 characters"):
        common.attach_guidance(copy.deepcopy(rows[:2]), "g.yaml")
    (tmp_path / "g.yaml").write_text(f"guidance:\n  R 1: {entry}\n", "utf-8")
    attached = common.attach_guidance(copy.deepcopy(rows[:2]), "g.yaml")
    assert attached[1]["guidance"] == {
        "good": "A sentence. Another.", "evidence": ["e"], "pitfalls": ["p"], "source": SOURCE, "verified": False,
    }  # fmt: skip
    assert "guidance" not in attached[0]


# ---------------------------------------------------------------------------------------------- database, pages, API


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sr(ref: str, **filters) -> Requirement:
    return Requirement.objects.select_related("framework").get(
        framework__key="iec62443-3-3", ref=ref, **(filters or {"framework__is_current": True})
    )


def test_guidance_is_stored_and_read_back_unchanged(mini_library, frameworks):
    from otcsms.catalogs.services import framework_doc

    stored = Framework.objects.get(key="iec62443-3-3", is_current=True)
    doc = framework_doc(stored)
    assert {r.id: r.guidance for r in doc.requirements} == {
        r.id: r.guidance for r in frameworks["iec62443-3-3"].requirements
    }
    assert framework_content_hash(doc) == stored.content_hash
    assert sr("SR 1.1").guidance["source"] == SOURCE and sr("FR 1").guidance is None


def test_requirement_page_shows_guidance_with_its_provenance(mini_library, frameworks, b_viewer):
    req = sr("SR 1.3")
    g = frameworks["iec62443-3-3"].requirements_by_id()["SR 1.3"].guidance
    html = logged_in(b_viewer).get(f"/requirements/{req.pk}/").content.decode()
    assert "What good looks like" in html and "Typical evidence" in html and "Common pitfalls" in html
    for text in (g.good, *g.evidence, *g.pitfalls):
        assert _escaped(text) in html
    section = html[html.index('<section class="guidance"') :]
    assert 'class="badge warn"' in section[:600] and SOURCE in section[:1200]
    assert "not yet reviewed against the standard" in section[:1200]
    # text (here: why there is none) first, then the guidance
    assert html.index("This catalog carries no text for SR 1.3") < html.index("What good looks like")
    fr1 = logged_in(b_viewer).get(f"/requirements/{sr('FR 1').pk}/").content.decode()
    assert "What good looks like" not in fr1


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


def test_licensed_text_comes_first_and_our_guidance_after(mini_library, frameworks, org_admin):
    from otcsms.catalogs.loader import import_library_bytes

    import_library_bytes("licensed.json", json.dumps(licensed_62443_3_3(frameworks)).encode())
    req = sr("SR 1.3")
    assert req.framework.version == "2013.1" and req.text.startswith("Licensed text")
    html = logged_in(org_admin).get(f"/requirements/{req.pk}/").content.decode()
    assert html.index("Licensed text of SR 1.3") < html.index("What good looks like")
    assert "from version" not in html  # the licensed file kept the guidance of the file it was made from


def test_a_licensed_version_without_guidance_shows_the_shipped_guidance(
    mini_library, frameworks, org_admin, api
):
    from otcsms.catalogs.loader import import_library_bytes

    document = licensed_62443_3_3(frameworks)
    for row in document["framework"]["requirements"]:
        row.pop("guidance", None)
    import_library_bytes("licensed.json", json.dumps(document).encode())
    req = sr("SR 1.3")
    assert req.guidance is None and req.shown_guidance is not None
    assert req.shown_guidance.inherited and req.shown_guidance.version == "2013-r2"
    html = logged_in(org_admin).get(f"/requirements/{req.pk}/").content.decode()
    assert html.index("Licensed text of SR 1.3") < html.index("What good looks like")
    assert "from version 2013-r2 of this framework" in html
    data = api(org_admin).get(f"/requirements/{req.pk}").json()
    assert data["guidance"]["inherited"] is True and data["guidance"]["version"] == "2013-r2"
    added = sr("SR 7.9")  # not in the shipped version: nothing to show
    assert added.shown_guidance is None


def test_api_returns_the_guidance(api, mini_library, frameworks, b_viewer):
    client = api(b_viewer)
    g = frameworks["iec62443-3-3"].requirements_by_id()["SR 5.2"].guidance
    data = client.get(f"/requirements/{sr('SR 5.2').pk}").json()
    assert data["guidance"] == {
        "good": g.good, "evidence": list(g.evidence), "pitfalls": list(g.pitfalls), "source": SOURCE,
        "verified": False, "version": "2013-r2", "inherited": False,
    }  # fmt: skip
    assert client.get(f"/requirements/{sr('FR 5').pk}").json()["guidance"] is None


def test_the_include_renders_for_any_page(mini_library):
    req = sr("SR 2.5")
    html = render_to_string("catalogs/_guidance.html", {"requirement": req, "heading_level": 3})
    assert '<h3 id="guidance-' in html and req.shown_guidance.good.split()[0] in html
    assert render_to_string("catalogs/_guidance.html", {"requirement": sr("FR 2")}).strip() == ""
    default = render_to_string("catalogs/_guidance.html", {"requirement": req})
    assert '<h2 id="guidance-' in default


def test_an_import_with_malformed_guidance_writes_nothing(mini_library, frameworks):
    from otcsms.catalogs.loader import import_library_bytes

    document = licensed_62443_3_3(frameworks)
    rows = document["framework"]["requirements"]
    index = next(i for i, row in enumerate(rows) if row["id"] == "SR 1.1")
    rows[index]["guidance"] = {"good": "z" * 100_000, "evidence": "all of it", "source": "me", "verified": 1,
                               "notes": "extra"}  # fmt: skip
    before = row_counts()
    with pytest.raises(LibraryError) as caught:
        import_library_bytes("bad.json", json.dumps(document).encode())
    where = f"/framework/requirements/{index}/guidance"
    found = {p.path for p in caught.value.problems}
    assert {where, f"{where}/good", f"{where}/evidence", f"{where}/verified"} <= found
    assert all(p.file == "bad.json" for p in caught.value.problems)
    assert row_counts() == before
