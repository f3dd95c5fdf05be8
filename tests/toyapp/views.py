from __future__ import annotations

from otcsms.org.forms import SiteFixedForm
from otcsms.ui import generic
from tests.toyapp.models import Gadget


class GadgetForm(SiteFixedForm):
    class Meta:
        model = Gadget
        fields = ["site", "name"]


class GadgetViews:
    model = Gadget
    url_base = "web:gadget"
    form_class = GadgetForm
    select_related = ("site",)


class GadgetList(GadgetViews, generic.ScopedListView):
    columns = [("Name", "name"), ("Site", "site")]


class GadgetDetail(GadgetViews, generic.ScopedDetailView):
    fields = [("Site", "site"), ("Name", "name")]


class GadgetCreate(GadgetViews, generic.ScopedCreateView):
    pass


class GadgetUpdate(GadgetViews, generic.ScopedUpdateView):
    pass


class GadgetDelete(GadgetViews, generic.ScopedDeleteView):
    pass
