"""`otcsms report KIND --site S --format html|pdf|docx -o FILE`, run as a process on an initialised instance."""

from __future__ import annotations


def test_report_command_writes_html_and_pdf_and_refuses_bad_usage(initialised_instance, tmp_path):
    instance = initialised_instance
    sites = tmp_path / "sites.csv"
    sites.write_text("name\nMill One\n", encoding="utf-8")
    instance.run("import", "sites", str(sites))
    html, pdf = tmp_path / "coverage.html", tmp_path / "gaps.pdf"

    done = instance.run("report", "coverage", "--site", "mill-one", "--format", "html", "-o", str(html))
    assert "written to" in done.stdout
    text = html.read_text(encoding="utf-8")
    head = instance.sql("SELECT seq FROM core_auditchainhead WHERE id = 1")[0][0]
    first = instance.sql("SELECT hash FROM core_auditevent WHERE seq = 1")[0][0]
    assert f"#{head}" in text and first[:16] in text and "cli:" in text and "Mill One" in text
    assert "http://" not in text and "https://" not in text

    instance.run("report", "gaps", "--site", "mill-one", "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")

    docx = tmp_path / "gaps.docx"
    instance.run(
        "report", "gaps", "--site", "mill-one", "--format", "docx", "--template", "default", "-o", str(docx)
    )
    from docx import Document

    word = Document(str(docx))
    assert (
        word.paragraphs[0].text == "Gap report"
        and "audit trail up to event #" in word.sections[0].footer.paragraphs[0].text
    )

    poam = tmp_path / "poam.xlsx"
    instance.run("poam", "--site", "mill-one", "-o", str(poam))
    back = instance.run("import", "poam", str(poam), "--site", "mill-one", "--json")
    assert '"updated": 0' in back.stdout
    for kind in ("roadmap", "risks", "access-review", "drift"):  # the kinds of the apps, with nothing to show
        out = tmp_path / f"{kind}.html"
        instance.run("report", kind, "--site", "mill-one", "-o", str(out))
        assert f"#{head}" in out.read_text(encoding="utf-8") and 'class="empty"' in out.read_text(
            encoding="utf-8"
        )

    package = tmp_path / "package.zip"
    instance.run("report", "audit-package", "--site", "mill-one", "-o", str(package))
    import zipfile

    with zipfile.ZipFile(package) as zf:
        assert {"index.html", "SHA256SUMS", "audit/checkpoint.json", "reports/soa.pdf", "reports/risks.pdf",
                "reports/roadmap.pdf", "reports/access-review.pdf", "reports/drift.pdf"} <= set(zf.namelist())  # fmt: skip

    nothing = tmp_path / "nothing"
    for args, reason in [
        (("report", "nope", "--site", "mill-one"), "unknown report kind 'nope'"),
        (("report", "gaps", "--site", "nowhere"), "no site 'nowhere'"),
        (("report", "gaps", "--site", "mill-one", "--format", "odt"), "unknown format 'odt'"),
        (
            ("report", "gaps", "--site", "mill-one", "--template", "default"),
            "--template applies to --format docx",
        ),
        (
            ("report", "gaps", "--site", "mill-one", "--format", "docx", "--template", "7"),
            "no report template '7'",
        ),
        (("report", "gaps", "--site", "mill-one", "--assessment", "42"), "no assessment '42'"),
        (("report", "audit-package", "--site", "mill-one", "--format", "pdf"), "use zip"),
        (("report", "access-review", "--site", "mill-one", "--campaign", "../x"), "no access review '../x'"),
        (("report", "drift", "--site", "mill-one", "--campaign", "1"), "unknown report parameter 'campaign'"),
        (
            ("report", "audit-package", "--site", "mill-one", "--campaign", "1"),
            "takes no --assessment or --campaign",
        ),
    ]:
        proc = instance.run(*args, "-o", str(nothing), check=2)
        assert reason in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not nothing.exists()
