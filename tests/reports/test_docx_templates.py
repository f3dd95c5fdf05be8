"""DOCX report templates: an organisation's own template (an evidence document, versioned and approved) gives a
report its look; hostile or unusable templates are refused with the reason, and nothing is stored then."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from docx.shared import RGBColor

from otcsms.core.models import User
from otcsms.evidence import services as evidence
from otcsms.evidence.models import Document as EvidenceDocument
from otcsms.evidence.models import DocumentVersion
from otcsms.reports import docx_render, docx_templates, framework, services
from otcsms.reports.docx_templates import TemplateRefusedError, check_template
from otcsms.tenancy.models import Site
from tests.conftest import PASSWORD, audit_count, make_user


def letterhead_template(*, placeholders: bool = True) -> bytes:
    """A utility's own template: a letterhead in the header, its own heading colour, a cover line."""
    document = Document()
    document.sections[0].header.paragraphs[0].text = "ACME Water Utility · Security Office"
    document.styles["Heading 1"].font.color.rgb = RGBColor(0x00, 0x66, 0x33)
    document.add_paragraph("ACME cover: {{ title }} for {{ site }}")
    if placeholders:
        document.add_paragraph("{{ content }}")
        document.sections[0].footer.paragraphs[0].text = "ACME · {{ provenance }} · {{ page }}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(
    data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """The DOCX with some parts replaced or added (written raw: any name, any content)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def test_the_shipped_template_passes_its_own_checks():
    checked = check_template(docx_render.default_template())
    assert {"content", "provenance", "toc", "page", "title"} <= set(checked.placeholders)


def hostile_templates() -> dict[str, tuple[bytes, str]]:
    good = letterhead_template()
    types = part(good, "[Content_Types].xml")
    rels = part(good, "word/_rels/document.xml.rels")
    document_xml = part(good, "word/document.xml")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in zipfile.ZipFile(io.BytesIO(good)).infolist():
            archive.writestr(item.filename, part(good, item.filename))
        archive.writestr("word/media/filler.xml", b"\0" * (40 * 2**20))
    macro_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return {
        "macro content type (.docm)": (rezip(good, replace={"[Content_Types].xml": macro_types}), "macro"),
        "vbaProject.bin": (rezip(good, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}), "macros"),
        "external relationship": (
            rezip(
                good,
                replace={
                    "word/_rels/document.xml.rels": rels.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/image" Target="http://attacker.example/track.png" TargetMode="External"/>'
                        b"</Relationships>",
                    )
                },
            ),
            "external relationships",
        ),  # fmt: skip
        "embedded object": (
            rezip(good, add={"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}),
            "embedded",
        ),
        "OLE relationship": (
            rezip(
                good,
                replace={
                    "word/_rels/document.xml.rels": rels.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/oleObject" Target="embeddings/x.bin"/></Relationships>',
                    )
                },
            ),
            "embedded object",
        ),  # fmt: skip
        "zip bomb": (bomb.getvalue(), "zip bomb"),
        "path traversal": (
            rezip(good, add={"../../etc/cron.d/evil": b"* * * * * root sh"}),
            "path traversal",
        ),
        "absolute path": (rezip(good, add={"/tmp/evil.xml": b"<x/>"}), "path traversal"),
        "XML entities": (
            rezip(
                good,
                replace={
                    "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM '
                    b'"file:///etc/passwd">]>' + document_xml.split(b"?>", 1)[1]
                },
            ),
            "entities",
        ),  # fmt: skip
        "field fetching a file": (
            rezip(
                good,
                replace={
                    "word/document.xml": document_xml.replace(
                        b"</w:body>",
                        b'<w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://attacker.example/x.png&quot; "/></w:p>'
                        b"</w:body>",
                    )
                },
            ),
            "fetches a file",
        ),  # fmt: skip
        "missing placeholders": (letterhead_template(placeholders=False), "{{ content }}"),
        "unknown placeholder": (
            rezip(
                good, replace={"word/document.xml": document_xml.replace(b"{{ site }}", b"{{ sitename }}")}
            ),
            "unknown placeholder",
        ),
        "not a zip": (b"%PDF-1.7 not a docx", "not a DOCX"),
    }


@pytest.mark.parametrize("case", list(hostile_templates()))
def test_hostile_templates_are_refused_with_the_reason(case):
    data, reason = hostile_templates()[case]
    with pytest.raises(TemplateRefusedError) as refused:
        check_template(data)
    assert reason.lower() in str(refused.value).lower()


@pytest.fixture
def a_approver(site_a):
    return make_user("anna", roles={site_a: "approver"})


def upload(client, site, data: bytes, name: str = "acme.docx", title: str = "ACME template"):
    form = {
        "file": SimpleUploadedFile(name, data, content_type=docx_render.DOCX_CONTENT_TYPE),
        "title": title,
    }
    return client.client.post(f"/api/v1/sites/{site.pk}/report-templates", data=form, headers=client.headers)


@pytest.mark.parametrize("case", ["macro content type (.docm)", "external relationship", "path traversal"])
def test_a_refused_upload_stores_nothing(case, api, site_a, a_contributor):
    before = (EvidenceDocument.objects.count(), DocumentVersion.objects.count())
    response = upload(api(a_contributor), site_a, hostile_templates()[case][0])
    assert response.status_code == 422
    assert response.json()["detail"].startswith("template refused:")
    assert (EvidenceDocument.objects.count(), DocumentVersion.objects.count()) == before


def test_a_viewer_cannot_upload_a_template(api, site_a, b_viewer, site_b, a_contributor):
    viewer = make_user("vera", roles={site_a: "viewer"})
    assert upload(api(viewer), site_a, letterhead_template()).status_code == 403
    assert upload(api(b_viewer), site_a, letterhead_template()).status_code == 404


def test_the_report_takes_the_approved_templates_look(assessed, api, site_a, a_contributor, a_approver):
    response = upload(api(a_contributor), site_a, letterhead_template())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft" and "content" in created["placeholders"]
    version = DocumentVersion.objects.get(pk=created["version_id"])
    # a draft is not in force: the report still uses the shipped template
    plain = services.report_file("gaps", site_a, a_contributor, "docx", {})
    assert "ACME" not in Document(io.BytesIO(plain.data)).sections[0].header.paragraphs[0].text
    evidence.submit_version(version, by=a_contributor)
    evidence.approve_version(version, by=a_approver, password=PASSWORD)

    made = services.report_file("gaps", site_a, a_contributor, "docx", {})
    document = Document(io.BytesIO(made.data))
    assert document.sections[0].header.paragraphs[0].text == "ACME Water Utility · Security Office"
    assert document.paragraphs[0].text == f"ACME cover: Gap report for {site_a.name}"
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0x00, 0x66, 0x33)
    assert any(p.style.name == "Heading 1" and p.text == "Baseline" for p in document.paragraphs)
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer.startswith("ACME · Made ") and "audit trail up to event #" in footer
    assert document.tables and document.tables[0].rows[0].cells[0].text == "Requirement"
    # the shipped one on request, and a document that is not a template is refused
    shipped = services.report_file("gaps", site_a, a_contributor, "docx", {"template": "default"})
    assert Document(io.BytesIO(shipped.data)).paragraphs[0].style.name == "Title"
    with pytest.raises(framework.ReportError):
        services.report_file("gaps", site_a, a_contributor, "docx", {"template": "999999"})
    with pytest.raises(framework.ReportError):
        services.report_file("gaps", site_a, a_contributor, "html", {"template": "default"})


def test_an_approved_template_that_no_longer_passes_is_refused_at_rendering(
    site_a, a_contributor, a_approver
):
    """A template uploaded through the plain evidence upload skips the upload check: the report checks again."""
    document = evidence.create_document(site_id=site_a.pk, kind="other", title="Sneaky", tags="report-template",
                                        by=a_contributor)  # fmt: skip
    hostile = hostile_templates()["external relationship"][0]
    version = evidence.upload_version(document, [hostile], file_name="t.docx", by=a_contributor)
    evidence.submit_version(version, by=a_contributor)
    evidence.approve_version(version, by=a_approver, password=PASSWORD)
    with pytest.raises(framework.ReportError, match="external relationships"):
        docx_templates.template_for(site_a, a_contributor, "")


def test_the_api_offers_docx_and_the_template_list(api, site_a, a_contributor):
    client = api(a_contributor)
    kinds = client.get("/reports").json()
    assert all(k["docx_url"].endswith("format=docx") for k in kinds if k["kind"] != "audit-package")
    response = client.get("/reports/gaps", site=str(site_a.pk), format="docx")
    assert response.status_code == 200
    assert response["Content-Type"] == docx_render.DOCX_CONTENT_TYPE
    Document(io.BytesIO(response.content))
    assert client.get("/reports/gaps", site=str(site_a.pk), format="docx", template="nope").status_code == 422
    assert client.get(f"/sites/{site_a.pk}/report-templates").json() == []
    shipped = client.get(f"/sites/{site_a.pk}/report-templates/default")
    assert shipped.status_code == 200 and check_template(shipped.content).placeholders


def test_the_demo_operators_word_reports_come_out_in_its_approved_letterhead(db):
    """The demo's organisation template (reports/demo.py): kept at the water plant for every site, approved by
    another person than its author, used by the DOCX reports of every site; the demo step again changes nothing."""
    from otcsms.core.registry import DemoSummary
    from otcsms.reports.demo import INK, load_demo_report_template
    from tests.demo_data import demo_operator

    demo_operator()
    water, substation = Site.objects.get(code="riverside-wtp"), Site.objects.get(code="cedar-ridge-sub")
    template = EvidenceDocument.objects.get(tags__icontains="report-template")
    version = template.current_version
    assert template.site == water and version is not None and version.status == "approved"
    assert version.approved_by.username == "maria.lopez" and version.uploaded_by.username == "tom.baker"
    organisation = water.organisation.name
    # a viewer of the substation only: the template kept at the water plant covers it
    for site, user in ((water, "maria.lopez"), (substation, "grid.viewer")):
        made = services.report_file("risks", site, User.objects.get(username=user), "docx", {})
        document = Document(io.BytesIO(made.data))
        assert document.sections[0].header.paragraphs[0].text == f"{organisation} · OT Security Office"
        assert document.styles["Heading 1"].font.color.rgb == INK
        cover = [p.text for p in document.paragraphs[:4]]
        assert cover[:3] == [organisation.upper(), "Risk register", f"{site.name} ({site.code})"]
        assert " scenario" in cover[3]  # the report's summary
        assert document.paragraphs[1].style.name == "Title"
        assert any(p.style.name == "Heading 1" and p.text == "Heat maps" for p in document.paragraphs)
        footer = [p.text for p in document.sections[0].footer.paragraphs]
        assert footer[0].startswith("Made ") and footer[1].startswith(f"{organisation} · Page ")
    before = audit_count()
    load_demo_report_template(DemoSummary(password="demo-password-for-tests"))
    assert (
        audit_count() == before
        and EvidenceDocument.objects.filter(tags__icontains="report-template").count() == 1
    )
