"""Pages of C7: the drift overview, an asset's configuration (timeline, baseline, drift), compare two versions.

Workflows (import, collect, approve a baseline) post to small views that call the services the API calls.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from otcsms.configs import services
from otcsms.configs.models import Baseline, Collection, Deviation, DeviceCredential, RuleOverride, Snapshot
from otcsms.configs.severity_rules import RuleError
from otcsms.core.http import AuthedRequest
from otcsms.core.inputs import InputError, check_text, parse_datetime, parse_id
from otcsms.core.scoping import is_member, may_write
from otcsms.plant.models import Asset
from otcsms.ui import exports
from otcsms.ui.sites import current_site_id

MAX_UPLOAD = 64 * 1024 * 1024
REASON_LENGTH = 2000


def _asset(request: AuthedRequest, pk: int) -> Asset:
    asset = Asset.objects.for_user(request.user).select_related("site", "zone").filter(pk=pk).first()
    if asset is None:
        raise Http404("no such asset")
    return asset


@login_required
def drift_overview(request: AuthedRequest) -> HttpResponse:
    assets = Asset.objects.for_user(request.user)
    site_id = parse_id(request.GET.get("site")) or current_site_id(request)
    if site_id is not None:
        assets = assets.filter(site_id=site_id)
    rows = services.drift(assets)
    file = exports.answer(request, "Configuration drift", DRIFT_COLUMNS, lambda: rows, value=_drift_value,
                          key=lambda row: row.asset.pk)  # fmt: skip
    if file is not None:
        return file
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.result.status] = counts.get(row.result.status, 0) + 1
    return render(request, "configs/drift.html", {
        "rows": rows, "counts": counts, "export_links": exports.export_links(request),
    })  # fmt: skip


# The overview as a file (``?format=csv|xlsx|json``): the asset's id, then the page's columns.
DRIFT_COLUMNS = (("Site", "asset.site.name"), ("Asset", "asset.name"), ("Status", "result.status"),
                 ("Highest severity", "result.severity"), ("Changes", "changes"), ("Approved changes", "approved"),
                 ("Latest version", "latest_version"), ("Baseline version", "baseline_version"))  # fmt: skip


def _drift_value(row: services.DriftRow, path: str) -> object:
    if path in ("changes", "approved"):
        return len(getattr(row.result, path))
    return exports.attribute(row, path)


@login_required
def asset_config(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    snapshots = list(Snapshot.objects.filter(asset=asset).order_by("-version")[:100])
    baseline = services.current_baseline(asset)
    rows = services.drift(Asset.objects.filter(pk=asset.pk))
    return render(request, "configs/asset.html", {
        "asset": asset, "snapshots": snapshots, "baseline": baseline, "drift": rows[0] if rows else None,
        "baselines": Baseline.objects.filter(asset=asset).select_related("snapshot")[:20],
        "collections": Collection.objects.filter(asset=asset)[:10],
        "deviations": Deviation.objects.filter(asset=asset).select_related("approved_by")[:50],
        "credential": DeviceCredential.objects.filter(asset=asset).first(),
        "schedule": services.schedule_of(asset),
        "may_change": may_write(request.user, Snapshot, asset.site_id),
        "may_approve": services.may_approve(request.user, asset.site_id), "now": timezone.now(),
    })  # fmt: skip


@login_required
def compare(request: AuthedRequest, pk: int) -> HttpResponse:
    visible = Snapshot.objects.for_user(request.user).select_related("asset", "asset__zone")
    after = visible.filter(pk=pk).first()
    if after is None:
        raise Http404("no such snapshot")
    other = parse_id(request.GET.get("other"))
    if other is not None:
        before = visible.filter(pk=other).first()
    else:
        before = (
            visible.filter(asset_id=after.asset_id, version__lt=after.version).order_by("-version").first()
        )
    if before is None:
        raise Http404("nothing to compare with")
    result = services.compare(before, after)
    versions = Snapshot.objects.for_user(request.user).filter(asset_id=after.asset_id).order_by("-version")
    versions = versions.only("pk", "version")[:100]
    return render(request, "configs/compare.html", {
        "before": before, "after": after, "changes": result.changes, "asset": after.asset, "versions": versions,
    })  # fmt: skip


@login_required
@require_POST
def import_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    if not may_write(request.user, Snapshot, asset.site_id):
        raise PermissionDenied("contributors import configurations")
    upload = request.FILES.get("file")
    if upload is None or upload.size is None or upload.size > MAX_UPLOAD:
        messages.error(request, "Choose a configuration file (at most 64 MiB).")
        return redirect("web:config_asset", pk=asset.pk)
    try:
        snapshot, created = services.import_file(asset, upload.name or "upload", upload.read())
    except (services.ConfigError, ValueError) as exc:
        messages.error(request, f"Not imported: {exc}")
        return redirect("web:config_asset", pk=asset.pk)
    if created:
        messages.success(request, f"Version {snapshot.version} recorded.")
    else:
        messages.info(request, f"Same configuration as version {snapshot.version}: no new version.")
    return redirect("web:config_asset", pk=asset.pk)


@login_required
@require_POST
def collect_now(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    if not may_write(request.user, Snapshot, asset.site_id):
        raise PermissionDenied("contributors collect configurations")
    result = services.collect([asset])[0]
    text = f"Collection: {result.status}" + (
        f", version {result.snapshot.version}" if result.snapshot else ""
    )
    (messages.success if result.status == "ok" else messages.warning)(request, text)
    return redirect("web:config_asset", pk=asset.pk)


def _text(request: AuthedRequest, name: str, limit: int, *, multiline: bool = False) -> str:
    value = request.POST.get(name, "").strip()
    if len(value) > limit:
        raise InputError(f"{name}: at most {limit} characters")
    return check_text(value, multiline=multiline)


@login_required
@require_POST
def approve_baseline(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise PermissionDenied("approvers and site admins approve baselines")
    snapshot_id = parse_id(request.POST.get("snapshot"))
    snapshot = Snapshot.objects.filter(asset=asset, pk=snapshot_id).first() if snapshot_id else None
    if snapshot is None:
        raise Http404("no such version")
    try:
        reason = _text(request, "reason", REASON_LENGTH, multiline=True)
        services.approve_baseline(snapshot, by=request.user, reason=reason)
    except (services.ConfigError, InputError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Version {snapshot.version} is the baseline.")
    return redirect("web:config_asset", pk=asset.pk)


@login_required
@require_POST
def add_deviation(request: AuthedRequest, pk: int) -> HttpResponse:
    """Approve a difference from the baseline: path pattern, expected value (JSON), ticket, reason, expiry."""
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise PermissionDenied("approvers and site admins approve deviations")
    try:
        expected_text = _text(request, "expected", 10_000, multiline=True) or "null"
        try:
            expected = json.loads(expected_text)
        except ValueError:
            raise InputError("expected: not a JSON value (a string needs quotes)") from None
        expires_at = parse_datetime(request.POST.get("expires_at", "") or "")
        services.add_deviation(
            asset, path_pattern=_text(request, "path_pattern", 500), expected=expected,
            ticket=_text(request, "ticket", 200), reason=_text(request, "reason", REASON_LENGTH, multiline=True),
            expires_at=expires_at, by=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, f"Deviation not approved: {'; '.join(exc.messages)}")
    except (services.ConfigError, InputError, ValueError) as exc:
        messages.error(request, f"Deviation not approved: {exc}")
    else:
        messages.success(request, "Deviation approved.")
    return redirect("web:config_asset", pk=asset.pk)


@login_required
@require_POST
def set_credential(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise PermissionDenied("approvers and site admins set device credentials")
    try:
        username = _text(request, "username", 200)
        password = request.POST.get("password", "")
        if not username or not password or len(password) > 500:
            raise InputError("give a user name and a password (at most 500 characters)")
        services.set_credential(asset, username, password)
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Device credential stored (encrypted).")
    return redirect("web:config_asset", pk=asset.pk)


@login_required
@require_POST
def delete_deviation(request: AuthedRequest, pk: int) -> HttpResponse:
    """Withdraw an approved deviation, with a reason (audited): the difference is drift again."""
    deviation = Deviation.objects.for_user(request.user).filter(pk=pk).first()
    if deviation is None:
        raise Http404("no such deviation")
    if not services.may_approve(request.user, deviation.site_id):
        raise PermissionDenied("approvers and site admins withdraw deviations")
    try:
        services.delete_deviation(deviation, reason=_text(request, "reason", 500))
    except (services.ConfigError, InputError) as exc:
        messages.error(request, f"Deviation not deleted: {exc}")
    else:
        messages.success(request, "Deviation deleted: the difference is drift again.")
    return redirect("web:config_asset", pk=deviation.asset_id)


@login_required
@require_POST
def set_schedule(request: AuthedRequest, pk: int) -> HttpResponse:
    """The asset's collection interval: hours, 0 for never on schedule, empty for the site's default."""
    asset = _asset(request, pk)
    if not services.may_approve(request.user, asset.site_id):
        raise PermissionDenied("approvers and site admins set collection schedules")
    raw = request.POST.get("every_hours", "").strip()
    try:
        hours = None if raw == "" else int(raw)
        if hours is not None and not 0 <= hours <= 24 * 366:
            raise ValueError
        services.set_schedule(asset.site_id, asset, hours)
    except ValueError:
        messages.error(
            request, "Collection interval: whole hours from 0 to 8784, or empty for the site's default."
        )
    else:
        messages.success(request, "Collection schedule saved.")
    return redirect("web:config_asset", pk=asset.pk)


def _may_edit_rules(request: AuthedRequest) -> bool:
    return may_write(request.user, RuleOverride, None)


@login_required
def rules_page(request: AuthedRequest) -> HttpResponse:
    """The severity rules in force, and the organisation's own rule documents (org admins edit them)."""
    if not is_member(request.user):
        raise PermissionDenied("members of the organisation read the rules")
    try:
        ruleset, problem = services.rules(), ""
    except RuleError as exc:
        ruleset, problem = None, str(exc)
    editing = parse_id(request.GET.get("edit"))
    return render(request, "configs/rules.html", {
        "rules": ruleset.rules if ruleset else [], "default_severity": ruleset.default_severity if ruleset else "",
        "problem": problem, "overrides": RuleOverride.objects.order_by("order", "name"),
        "editing": RuleOverride.objects.filter(pk=editing).first() if editing else None,
        "may_edit": _may_edit_rules(request),
    })  # fmt: skip


@login_required
@require_POST
def save_rule_override(request: AuthedRequest) -> HttpResponse:
    """Create (no id) or change an override: name, YAML rules, order, enabled; validated before it is saved."""
    if not _may_edit_rules(request):
        raise PermissionDenied("organisation admins edit severity rules")
    pk = parse_id(request.POST.get("id"))
    override = RuleOverride.objects.filter(pk=pk).first() if pk else RuleOverride()
    if pk and override is None:
        raise Http404("no such rule document")
    assert override is not None
    try:
        override.name = _text(request, "name", 200)
        override.rules = _text(request, "rules", 100_000, multiline=True)
        order = request.POST.get("order", "100").strip() or "100"
        if not order.isdecimal() or int(order) > 1_000_000:
            raise InputError("order: a whole number from 0 to 1000000")
        override.order = int(order)
        override.enabled = request.POST.get("enabled") == "on"
        with transaction.atomic():
            override.full_clean()
            override.save()
    except ValidationError as exc:
        messages.error(request, f"Rules not saved: {'; '.join(exc.messages)}")
        return redirect(f"{reverse('web:config_rules')}?edit={pk}" if pk else reverse("web:config_rules"))
    except InputError as exc:
        messages.error(request, f"Rules not saved: {exc}")
        return redirect(reverse("web:config_rules"))
    messages.success(request, f"Rule document {override.name!r} saved.")
    return redirect("web:config_rules")


@login_required
@require_POST
def delete_rule_override(request: AuthedRequest, pk: int) -> HttpResponse:
    if not _may_edit_rules(request):
        raise PermissionDenied("organisation admins edit severity rules")
    override = RuleOverride.objects.filter(pk=pk).first()
    if override is None:
        raise Http404("no such rule document")
    try:
        reason = _text(request, "reason", 500)
    except InputError as exc:
        messages.error(request, str(exc))
        return redirect("web:config_rules")
    with transaction.atomic():
        override._audit_reason = reason
        override.delete()
    messages.success(request, f"Rule document {override.name!r} deleted.")
    return redirect("web:config_rules")
