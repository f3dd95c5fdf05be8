from otcsms.ui.routes import crud_urls
from tests.toyapp import views as v

urlpatterns = crud_urls("gadgets", "gadget", list_view=v.GadgetList, create=v.GadgetCreate,
                        detail=v.GadgetDetail, update=v.GadgetUpdate, delete=v.GadgetDelete)  # fmt: skip
