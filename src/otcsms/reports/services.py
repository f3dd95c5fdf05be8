"""Who may run a report of which site, and the report as a file: shared by the pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from otcsms.core.checkpoints import ChainBrokenError
from otcsms.core.inputs import parse_id
from otcsms.core.models import User
from otcsms.reports import docx_templates, framework, package
from otcsms.tenancy.models import Site

MAX_REF = 200


class PackageUnavailableError(framework.ReportError):
    """The instance cannot vouch for its trail now (the chain does not verify, no signing key): a 409."""


def visible_site(user: User, ref: str | None) -> Site | None:
    """The site with this id, code or name on which ``user`` holds a role (any role: a viewer or an auditor
    may run every report of their sites), else None: an unknown site and a site of others look the same."""
    if not ref or len(ref) > MAX_REF:
        return None
    query = Q(code=ref) | Q(name=ref)
    if (pk := parse_id(ref)) is not None:
        query |= Q(pk=pk)
    return Site.objects.for_user(user).filter(query).first()


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str
    content_type: str
    data: bytes


def report_file(kind: str, site: Site, user: User, fmt: str, params: dict[str, str]) -> ReportFile:
    """The report rendered; ReportError for an unknown kind or format or a bad parameter (checked before the
    data is read)."""
    fmt = fmt or "html"
    if fmt not in framework.FORMATS:
        raise framework.ReportError(f"unknown format {fmt[:20]!r}; use html, pdf or docx")
    if kind not in framework.kinds():
        raise framework.UnknownKindError(
            f"unknown report kind {kind[:40]!r}; known: {', '.join(framework.kinds())}"
        )
    params = dict(params)
    choice = params.pop("template", "")
    if choice and fmt != "docx":
        raise framework.ReportError("a template applies to DOCX reports only (format=docx)")
    template = docx_templates.template_for(site, user, choice)[0] if fmt == "docx" else None
    report = framework.build(kind, site, user, params)
    return ReportFile(
        report.filename(fmt), framework.CONTENT_TYPES[fmt], framework.render(report, fmt, template=template)
    )


def package_download(site: Site, user: User, fmt: str, params: dict[str, str]) -> tuple[str, IO[bytes]]:
    """The site's audit package (a zip in a temporary file, rewound)."""
    if fmt not in ("", "zip"):
        raise framework.ReportError("the audit package is a zip: format=zip")
    if params:
        raise framework.ReportError("the audit package takes no parameters")
    try:
        return package.package_file(site, user)
    except (ChainBrokenError, ImproperlyConfigured) as exc:
        raise PackageUnavailableError(f"no audit package: {exc}") from None
