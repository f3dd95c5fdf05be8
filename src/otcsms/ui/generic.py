"""Generic site-scoped pages (list, detail, create, edit, delete) that every app's UI is built from.

They apply the same scoping (``objects.for_user``) and write checks (``may_write``) as the API, run
each write in one transaction, and render shared templates from a declarative column list.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import generic

from otcsms.core.crud import scoped
from otcsms.core.http import authed
from otcsms.core.inputs import parse_id, text_problem
from otcsms.core.models import User
from otcsms.core.roles import Action
from otcsms.core.scoping import may_write
from otcsms.tenancy.models import Site
from otcsms.ui import exports
from otcsms.ui.links import link_panel
from otcsms.ui.object_panels import object_panels
from otcsms.ui.sites import current_site_id
from otcsms.ui.widgets import direct_select

if TYPE_CHECKING:
    # What the mixins below are mixed into, for the type checker: a form, and one of Django's generic views.
    from django.views.generic.base import ContextMixin, View
    from django.views.generic.edit import ModelFormMixin

    class _PageView(ContextMixin, View):
        pass

    class _ModelFormView(ModelFormMixin[Any, Any], View):
        pass

    _Form = forms.BaseForm
else:
    _PageView = _ModelFormView = _Form = object


class TextRuleMixin(_Form):
    """Every text field obeys the one text rule of every input path (core.inputs): no controls, bidi
    overrides or NUL; a field without a multi-line widget holds one line."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # a form's clean() returns its cleaned_data
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(field, forms.CharField) and isinstance(value, str):
                problem = text_problem(value, multiline=isinstance(field.widget, forms.Textarea))
                if problem is not None:
                    self.add_error(name, problem)
        return cleaned


@dataclass(frozen=True)
class FieldGroup:
    """Fields shown side by side under one legend (the seven levels of an SL-T vector)."""

    legend: str
    names: tuple[str, ...]
    help_text: str = ""


@dataclass
class BoundGroup:
    """A FieldGroup of one form, as the form template renders it."""

    legend: str
    fields: list[forms.BoundField]
    help_text: str = ""
    errors: list[str] = dataclass_field(default_factory=list)


class ScopedModelForm(TextRuleMixin, forms.ModelForm):
    """Choices of every foreign key are limited to what the user may see; the site to where they may write.

    ``field_groups`` puts fields in one row under a legend; ``layout()`` gives the fields and groups in order.
    """

    write_action: ClassVar[Action] = "change"
    field_groups: ClassVar[tuple[FieldGroup, ...]] = ()
    # Choice fields whose objects may belong to another site than the record's (none so far): left unnarrowed.
    cross_site_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
                continue
            action = self.write_action if name == "site" else "view"
            field.queryset = scoped(field.queryset.model, user, action)
        for field in self.fields.values():
            name_accepted_values(field)
            direct_select(field)
        self.limit_choices_to_site()

    def choice_site_id(self) -> int | None:
        """The site the record belongs to once it is known: the stored one (edit), the posted one, the initial one
        (``?site=`` or the site switcher), or the only site the user may write at (then made the initial one)."""
        if self.instance.pk is not None:
            return getattr(self.instance, "site_id", None)
        site_field = self.fields.get("site")
        if not isinstance(site_field, forms.ModelChoiceField) or site_field.queryset is None:
            return None
        sites = site_field.queryset
        raw = self.data.get(self.add_prefix("site")) if self.is_bound else self.initial.get("site")
        site_id = parse_id(str(raw.pk if isinstance(raw, Site) else raw or ""))
        if site_id is not None:
            return site_id if sites.filter(pk=site_id).exists() else None
        if self.is_bound:
            return None
        only = list(sites.values_list("pk", flat=True)[:2])
        if len(only) == 1:
            self.initial["site"] = only[0]
            return only[0]
        return None

    def limit_choices_to_site(self) -> None:
        """Choices of objects that belong to a site are those of the record's site once it is known, so a
        dropdown never offers what the save would refuse, and a fleet's other sites are not rendered. On create,
        choosing another site reloads the form with that site's choices (otcsms.js, ``data-reload-param``)."""
        narrowable = [
            field for name, field in self.fields.items()
            if name != "site" and name not in self.cross_site_fields and isinstance(field, forms.ModelChoiceField)
            and field.queryset is not None and site_owned(field.queryset.model)
        ]  # fmt: skip
        if not narrowable:
            return
        if self.instance.pk is None and "site" in self.fields:
            self.fields["site"].widget.attrs["data-reload-param"] = "site"
        site_id = self.choice_site_id()
        if site_id is None:
            return
        for field in narrowable:
            field.queryset = field.queryset.filter(site_id=site_id)  # type: ignore[union-attr]
            if field.error_messages.get("invalid_choice") == _DEFAULT_MODEL_INVALID_CHOICE.get(type(field)):
                plural = field.queryset.model._meta.verbose_name_plural
                field.error_messages["invalid_choice"] = (
                    f"choose among the {plural} of the record's site: %(value)s belongs to another site "
                    "or is not one you may see"
                )

    def layout(self) -> list[forms.BoundField | BoundGroup]:
        """The form's fields in order, each group at the place of its first field."""
        grouped = {name: group for group in self.field_groups for name in group.names if name in self.fields}
        items: list[forms.BoundField | BoundGroup] = []
        for bound in self:
            group = grouped.get(bound.name)
            if group is None:
                items.append(bound)
            elif bound.name == next(name for name in group.names if name in self.fields):
                items.append(self._bound_group(group))
        return items

    def _bound_group(self, group: FieldGroup) -> BoundGroup:
        fields = [self[name] for name in group.names if name in self.fields]
        errors: list[str] = []
        for bound in fields:
            errors += [str(e) for e in bound.errors if str(e) not in errors]  # one rule may fail on several
        return BoundGroup(group.legend, fields, group.help_text, errors)


def site_owned(model: type[models.Model]) -> bool:
    """Whether the model's rows belong to one site (a ``site`` foreign key)."""
    field = next((f for f in model._meta.concrete_fields if f.name == "site"), None)
    return field is not None and field.related_model is Site


_DEFAULT_INVALID_CHOICE = forms.ChoiceField.default_error_messages["invalid_choice"]
_DEFAULT_MODEL_INVALID_CHOICE = {
    forms.ModelChoiceField: forms.ModelChoiceField.default_error_messages["invalid_choice"],
    forms.ModelMultipleChoiceField: forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"],
}


def name_accepted_values(field: forms.Field) -> None:
    """A refused value of a fixed choice list names the values accepted (a browser posts only those; a script
    or a stale page may not). Foreign keys and fields with a message of their own keep theirs."""
    if isinstance(field, forms.ModelChoiceField) or not isinstance(field, forms.ChoiceField):
        return
    if field.error_messages.get("invalid_choice") != _DEFAULT_INVALID_CHOICE:
        return
    choices: Any = field.choices  # a list of pairs once the field is built (the stubs allow callables too)
    values = [str(value) for value, label in choices
              if value not in ("", None) and not isinstance(label, list | tuple)]  # fmt: skip
    field.error_messages["invalid_choice"] = "%(value)s is not one of: " + ", ".join(values)


class ViewSet:
    """What an app declares once for the list, detail, create, edit and delete pages of a model (``ZoneViews``).

    A page has two bases that declare ``model`` and ``form_class`` (the view set, and Django's generic view), and
    mypy wants them to agree: a subclass annotates them as here (``model: Any = Zone``), since Django types
    ``model`` as type[M] on detail pages and type[M] | None on lists."""

    model: Any
    form_class: type[Any] | None
    url_base: ClassVar[str] = ""  # e.g. "web:person" -> web:person_list, web:person_detail, ...
    write_action: ClassVar[Action] = "change"
    select_related: ClassVar[tuple[str, ...]] = ()


class ScopedMixin(LoginRequiredMixin, ViewSet, _PageView):
    @property
    def user(self) -> User:
        """The signed-in user: LoginRequiredMixin lets no one else reach the view's methods."""
        return authed(self.request).user

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.model.objects.for_user(self.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def may_write(self, site_id: int | None) -> bool:
        return may_write(self.user, self.model, site_id, self.write_action)

    def url(self, kind: str, *args: Any) -> str:
        return reverse(f"{self.url_base}_{kind}", args=args)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["meta"] = self.model._meta
        ctx["url_base"] = self.url_base
        return ctx


class ScopedListView(ScopedMixin, generic.ListView):
    """A list of what the user may see, narrowed to a site, searched; ``?format=csv|xlsx|json`` gives every
    row of the list (same search, filters and site) as a file with its columns (``ui.exports``)."""

    template_name = "web/object_list.html"
    paginate_by = 50
    columns: ClassVar[list[tuple[str, str]]] = [("Name", "name")]
    search_fields: ClassVar[tuple[str, ...]] = ("name",)
    site_filtered: ClassVar[bool] = True

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            fmt = exports.requested(request)
            if fmt is None:
                return super().get(request, *args, **kwargs)
            return exports.export_response(
                exports.model_title(self.model), self.export_columns(), self.get_queryset(), fmt
            )
        except exports.ExportError as exc:
            return exports.refusal(exc)

    def export_columns(self) -> list[tuple[str, str]]:
        """The columns of the file: the page's (a list may add more)."""
        return list(self.columns)

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset()
        if self.site_filtered and hasattr(qs, "for_site"):
            qs = qs.for_site(self.listed_site_id())
        q = self.request.GET.get("q", "").strip()[:200]
        if q and self.search_fields:
            cond = Q()
            for name in self.search_fields:
                cond |= Q(**{f"{name}__icontains": q})
            qs = qs.filter(cond)
        return qs

    def listed_site_id(self) -> int | None:
        """``?site=`` (a link from a site's page), else the switcher's site; None lists every permitted site.

        Only a narrowing: the rows are still those ``for_user`` allows, so another site's id lists nothing.
        """
        return parse_id(self.request.GET.get("site", "")) or current_site_id(self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = self.columns
        ctx["rows"] = [(obj, [_value(obj, attr) for _, attr in self.columns]) for obj in ctx["object_list"]]
        ctx["q"] = self.request.GET.get("q", "")
        ctx["can_create"] = self.may_write(current_site_id(self.request))
        ctx["create_url"] = self.url("create")
        ctx["export_links"] = exports.export_links(self.request)
        asked = parse_id(self.request.GET.get("site", ""))
        ctx["narrowed_to"] = (
            Site.objects.for_user(self.request.user).filter(pk=asked).first() if asked else None
        )
        if ctx["narrowed_to"] is not None:
            ctx["create_url"] += f"?site={asked}"
        return ctx


class ScopedDetailView(ScopedMixin, generic.DetailView):
    template_name = "web/object_detail.html"
    fields: ClassVar[list[tuple[str, str]]] = []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["field_rows"] = [(label, _value(obj, attr)) for label, attr in self.fields]
        ctx["can_edit"] = self.may_write(obj.audit_site_id())
        ctx["edit_url"] = self.url("edit", obj.pk)
        ctx["delete_url"] = self.url("delete", obj.pk)
        ctx["history_url"] = reverse("web:history", args=[obj._meta.label_lower, obj.pk])
        ctx.update(link_panel(self.user, obj))
        ctx["object_panels"] = object_panels(self.user, obj)
        return ctx


class _ScopedFormMixin(ScopedMixin, _ModelFormView):
    template_name: str | None = "web/object_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.user
        return kwargs

    def form_valid(self, form):
        site_id = form.instance.audit_site_id()
        if not self.may_write(site_id):
            raise PermissionDenied("you may not change this here")
        with transaction.atomic():
            self.object = form.save()
        messages.success(self.request, f"Saved {self.object}.")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.url("detail", self.object.pk)


class ScopedCreateView(_ScopedFormMixin, generic.CreateView):
    def get_initial(self) -> dict[str, Any]:
        """The site: ``?site=`` when the user may write there (a link from a site's page), else the switcher's."""
        initial = super().get_initial()
        site_id = parse_id(self.request.GET.get("site", ""))
        writable = Site.objects.for_user(self.request.user, self.write_action)
        if site_id is None or not writable.filter(pk=site_id).exists():
            site_id = current_site_id(self.request)
        if site_id is not None:
            initial["site"] = site_id
        return initial

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self._may_create_anywhere():
            raise PermissionDenied("you may not create this")
        return super().dispatch(request, *args, **kwargs)

    def _may_create_anywhere(self) -> bool:
        if self.may_write(None):
            return True
        return Site.objects.for_user(self.user, self.write_action).exists() and any(
            f.name == "site" for f in self.model._meta.concrete_fields
        )


class ScopedUpdateView(_ScopedFormMixin, generic.UpdateView):
    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        obj = super().get_object(queryset)
        if not self.may_write(obj.audit_site_id()):
            raise PermissionDenied("you may not change this")
        return obj


class ScopedDeleteView(ScopedMixin, generic.DeleteView):
    template_name = "web/object_confirm_delete.html"

    def get_form_class(self):
        return forms.Form  # the confirmation form; the shared view set's form_class is for editing

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.may_write(obj.audit_site_id()):
            raise PermissionDenied("you may not delete this")
        return obj

    def form_valid(self, form):
        obj = self.object
        obj._audit_reason = self.request.POST.get("reason", "")[:500]
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            kinds = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
            messages.error(
                self.request, f"{obj} is still referenced by {', '.join(kinds)}; remove those first."
            )
            return HttpResponseRedirect(self.url("detail", obj.pk))
        messages.success(self.request, f"Deleted {obj}.")
        return HttpResponseRedirect(self.url("list"))


_value = exports.attribute
