"""Pages of C3: framework list, framework tree with search, requirement page with mappings and crosswalk,
coverage of one framework by another with the gap list, migration between versions, and the import page."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from otcsms.catalogs import review, services
from otcsms.catalogs.libformat import LibraryError, framework_to_document
from otcsms.catalogs.loader import MAX_IMPORT_BYTES, import_library_bytes
from otcsms.catalogs.models import Framework, MappingSet, Requirement
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import parse_id, parse_int
from otcsms.core.scoping import may_write
from otcsms.ui.links import link_panel

SEARCH_PAGE = 100
GAP_PAGE = 50
# Frameworks this small open their top level by default; larger ones (SP 800-53) start folded.
OPEN_TREE_LIMIT = 250


def _frameworks(request: AuthedRequest):
    return Framework.objects.for_user(request.user)


def _may_import(request: AuthedRequest) -> bool:
    return may_write(request.user, Framework, None)


@login_required
def framework_list(request: AuthedRequest) -> HttpResponse:
    frameworks = list(_frameworks(request).order_by("key", "-is_current", "version"))
    sets = MappingSet.objects.for_user(request.user).filter(is_current=True)
    linked: Counter[int] = Counter()
    for source_id, target_id in sets.values_list("source_framework_id", "target_framework_id"):
        linked[source_id] += 1
        linked[target_id] += 1
    current = [(fw, linked[fw.pk]) for fw in frameworks if fw.is_current]
    superseded = [fw for fw in frameworks if not fw.is_current]
    return render(request, "catalogs/framework_list.html", {
        "current": current, "superseded": superseded, "may_import": _may_import(request),
    })  # fmt: skip


@login_required
def framework_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    fw = get_object_or_404(_frameworks(request), pk=pk)
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")[:20]
    assessable = request.GET.get("assessable") == "1"
    searching = bool(q or kind or assessable)
    ctx: dict[str, Any] = {
        "framework": fw, "q": q, "kind": kind, "assessable": assessable, "searching": searching,
        "kinds": sorted(set(fw.requirements.values_list("kind", flat=True))),
    }  # fmt: skip
    if searching:
        found = services.search_requirements(fw.requirements.all(), q, kind, True if assessable else None)
        ctx["page"] = Paginator(found, SEARCH_PAGE).get_page(request.GET.get("page"))
    else:
        ctx["tree"] = services.tree_rows(fw)
        unfold = request.GET.get("open", "")
        ctx["open_all"] = unfold == "all" or (unfold != "none" and fw.requirements_count <= OPEN_TREE_LIMIT)
    if request.htmx:
        return render(request, "catalogs/_requirements.html", ctx)
    ctx["versions"] = _frameworks(request).filter(key=fw.key).order_by("-loaded_at")
    ctx["sets"] = _sets_of(request, fw)
    ctx["review"] = review.queue_counts(fw)
    ctx["shipped"] = _shipped_counterpart(request, fw)
    return render(request, "catalogs/framework_detail.html", ctx)


def _shipped_counterpart(request: AuthedRequest, fw: Framework) -> dict[str, Any] | None:
    """For a version someone imported (e.g. from their licensed copy): the shipped version of the same
    framework and how many of its cells differ, so the page can say which values are theirs, not ours."""
    if fw.origin == "shipped":
        return None
    shipped = _frameworks(request).filter(key=fw.key, origin="shipped").order_by("-loaded_at").first()
    if shipped is None:
        return None
    diff = services.diff_between(shipped, fw)
    changed = sum(count for name, count in diff.counts().items() if name != "unchanged")
    return {"framework": shipped, "changed": changed}


def _sets_of(request: AuthedRequest, fw: Framework) -> list[tuple[MappingSet, Framework]]:
    """The crosswalks of this version, each with the framework at its other end."""
    sets = (
        MappingSet.objects.for_user(request.user)
        .filter(is_current=True)
        .select_related("source_framework", "target_framework")
        .order_by("key")
    )
    found = []
    for ms in sets:
        if ms.source_framework_id == fw.pk:
            found.append((ms, ms.target_framework))
        elif ms.target_framework_id == fw.pk:
            found.append((ms, ms.source_framework))
    return found


@login_required
def framework_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """Download one version as an OSCAL catalog (default) or as an otcsms library file."""
    fw = get_object_or_404(_frameworks(request), pk=pk)
    if request.GET.get("format", "oscal") == "library":
        document, suffix = framework_to_document(services.framework_doc(fw)), "library"
    else:
        document, suffix = services.oscal_catalog(fw), "oscal"
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    safe_version = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in fw.version)
    response["Content-Disposition"] = f'attachment; filename="{fw.key}-{safe_version}.{suffix}.json"'
    return response


@login_required
def framework_diff(request: AuthedRequest, pk: int) -> HttpResponse:
    fw = get_object_or_404(_frameworks(request), pk=pk)
    versions = _frameworks(request).filter(key=fw.key).exclude(pk=fw.pk).order_by("-loaded_at")
    against = parse_id(request.GET.get("against"))
    old = versions.filter(pk=against).first() if against is not None else versions.first()
    diff = services.diff_between(old, fw) if old is not None else None
    return render(request, "catalogs/framework_diff.html", {
        "framework": fw, "old": old, "versions": versions, "diff": diff,
    })  # fmt: skip


@login_required
def requirement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(
        Requirement.objects.for_user(request.user).select_related("framework", "parent"), pk=pk
    )
    direct = services.direct_mappings(req)
    groups: dict[str, dict[str, Any]] = {}
    for mapping in direct:
        group = groups.setdefault(mapping.framework.key, {"framework": mapping.framework, "mappings": []})
        group["mappings"].append(mapping)
    ctx: dict[str, Any] = {
        "req": req, "framework": req.framework, "ancestors": services.ancestors(req),
        "children": req.children.order_by("position"), "direct_groups": list(groups.values()),
        "attributes": _attributes(req), "current": services.current_counterpart(req),
        "may_import": _may_import(request), **link_panel(request.user, req),
    }  # fmt: skip
    if req.framework.is_current:
        max_hops = parse_int(request.GET.get("hops"), minimum=1, maximum=services.MAX_HOPS) or 3
        answer = services.crosswalk(req, max_hops)
        only = request.GET.get("fw", "")[:100]
        ctx.update({
            "crosswalk_counts": sorted(Counter(r.framework for r in answer.rows).items()),
            "crosswalk": answer.only(only), "crosswalk_all": answer,
            "crosswalk_total": len(answer.rows), "only": only, "max_hops": max_hops,
        })  # fmt: skip
    return render(request, "catalogs/requirement_detail.html", ctx)


SECURITY_LEVELS = (1, 2, 3, 4)
KNOWN_BASELINES = ("LOW", "MODERATE", "HIGH")


def _attributes(req: Requirement) -> dict[str, Any]:
    """Attributes the page shows in their own way (chips), and the rest as plain facts."""
    attributes = dict(req.attributes or {})
    shown: dict[str, Any] = {}
    if "sl_selection" in attributes:
        selected = set(attributes.pop("sl_selection") or [])
        shown["sl_chips"] = [(level, level in selected) for level in SECURITY_LEVELS]
    if "baselines" in attributes:
        names = list(attributes.pop("baselines") or [])
        extra = [n for n in names if n not in KNOWN_BASELINES]
        shown["baseline_chips"] = [(n, n in names) for n in KNOWN_BASELINES] + [(n, True) for n in extra]
    if "maturity_levels" in attributes:
        shown["maturity_levels"] = attributes.pop("maturity_levels")
    shown["withdrawn"] = bool(attributes.pop("withdrawn", False))
    shown["other"] = sorted(
        (ATTRIBUTE_LABELS.get(name, name.replace("_", " ").capitalize()), _plain(name, value))
        for name, value in attributes.items()
    )
    return shown


ATTRIBUTE_LABELS = {
    "fr": "Foundational requirement",
    "impact": "Impact ratings",
    "component_type": "Component type",
    "successor_versions": "Successor versions",
}


def _plain(name: str, value: Any) -> str:
    if name == "fr":
        return f"FR {value}"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(map(str, value))
    return value if isinstance(value, str) else json.dumps(value)


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    current = list(_frameworks(request).filter(is_current=True).order_by("name"))
    by_pk = {fw.pk: fw for fw in current}
    a = by_pk.get(parse_id(request.GET.get("a")))
    b = by_pk.get(parse_id(request.GET.get("b")))
    ctx: dict[str, Any] = {"frameworks": current, "a": a, "b": b}
    if a is not None and b is not None and a.pk != b.pk:
        forward = services.coverage(a, b)
        ctx.update({
            "forward": forward, "backward": services.coverage(b, a),
            "gaps": Paginator(forward.gap_rows, GAP_PAGE).get_page(request.GET.get("page")),
        })  # fmt: skip
    elif a is not None and a == b:
        ctx["same"] = True
    return render(request, "catalogs/coverage.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: AuthedRequest) -> HttpResponse:
    if not _may_import(request):
        raise PermissionDenied("only organisation admins import frameworks")
    ctx: dict[str, Any] = {"max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        framework = request.POST.get("framework", "").strip()[:100] or None
        version = request.POST.get("version", "").strip()[:500] or None
        ctx.update({"framework_value": framework or "", "version_value": version or ""})
        if upload is None:
            ctx["error"] = "Choose a file to import."
            status = 422
        elif upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            ctx["error"] = (
                f"The file is {upload.size} bytes; imports are limited to {MAX_IMPORT_BYTES} bytes."
            )
            status = 413
        else:
            try:
                ctx["result"] = import_library_bytes(
                    upload.name or "upload",
                    upload.read(MAX_IMPORT_BYTES + 1),
                    framework=framework,
                    version=version,
                )
            except LibraryError as error:
                ctx["problems"] = error.problems[:200]
                ctx["more_problems"] = max(0, len(error.problems) - 200)
                status = 422
    return render(request, "catalogs/import.html", ctx, status=status)


REVIEW_PAGE = 100


@login_required
def framework_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """The review queue: catalog cells and crosswalk rows shipped without having been verified."""
    fw = get_object_or_404(_frameworks(request), pk=pk)
    q = request.GET.get("q", "").strip()[:100]
    set_id = parse_id(request.GET.get("set"))
    mappings = review.unverified_mappings(fw, set_id, q)
    return render(request, "catalogs/framework_review.html", {
        "framework": fw, "q": q, "set_id": set_id, "sets": _sets_of(request, fw),
        "requirements": review.unverified_requirements(fw)[:1000], "counts": review.queue_counts(fw),
        "page": Paginator(mappings, REVIEW_PAGE).get_page(request.GET.get("page")),
    })  # fmt: skip
