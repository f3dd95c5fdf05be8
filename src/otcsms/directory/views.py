"""The Directory page (organisation admins): the connection in force, the group -> role mappings (add, edit,
delete), and the accounts that came from the directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from otcsms.core.http import AuthedRequest
from otcsms.directory import services
from otcsms.directory.client import DirectoryError
from otcsms.directory.forms import MappingForm
from otcsms.directory.models import DirectoryAccount, GroupMapping

REASON_LENGTH = 500


def _org_admin(request: AuthedRequest) -> None:
    if not request.user.is_org_admin:
        raise PermissionDenied("only organisation admins manage directory sign-in")


def _mapping(request: AuthedRequest, pk: int) -> GroupMapping:
    mapping = GroupMapping.objects.for_user(request.user, "change").filter(pk=pk).first()
    if mapping is None:
        raise Http404("no such mapping")
    return mapping


def _connection() -> dict[str, str]:
    config = services.config()
    if config is None:
        return {}
    try:
        transport = config.transport()
    except DirectoryError as exc:
        transport = f"refused: {exc}"
    return {"url": config.url, "transport": transport, "ca_file": config.ca_file or "the system's CAs",
            "user_base": config.user_base, "user_filter": config.user_filter,
            "group_base": config.group_base or config.user_base, "group_filter": config.group_filter,
            "bind_dn": config.bind_dn or "(anonymous search)"}  # fmt: skip


def _save(request: AuthedRequest, form: MappingForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.save_mapping(form.instance, request.POST.get("reason", "").strip()[:REASON_LENGTH])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


@login_required
def directory_page(request: AuthedRequest) -> HttpResponse:
    _org_admin(request)
    form = MappingForm(request.POST or None)
    if request.method == "POST" and _save(request, form):
        messages.success(request, f"Mapped {form.instance}. It applies at each member's next sign-in.")
        return redirect("web:directory")
    return render(request, "directory/directory.html", {
        "connection": _connection(), "form": form,
        "mappings": GroupMapping.objects.for_user(request.user).select_related("site"),
        "accounts": DirectoryAccount.objects.for_user(request.user).select_related("user"),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
def mapping_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _org_admin(request)
    mapping = _mapping(request, pk)
    form = MappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and _save(request, form):
        messages.success(request, f"Saved {form.instance}.")
        return redirect("web:directory")
    return render(request, "directory/mapping_form.html", {"form": form, "mapping": mapping},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def mapping_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _org_admin(request)
    mapping = _mapping(request, pk)
    reason = request.POST.get("reason", "").strip()[:REASON_LENGTH]
    services.delete_mapping(mapping, reason)
    messages.success(request, f"Deleted {mapping}. Its roles go at each member's next sign-in.")
    return redirect("web:directory")
