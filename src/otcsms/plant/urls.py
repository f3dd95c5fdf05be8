from django.urls import path

from otcsms.plant import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    *crud_urls("zones", "zone", list_view=v.ZoneList, create=v.ZoneCreate, detail=v.ZoneDetail,
               update=v.ZoneUpdate, delete=v.ZoneDelete),
    *crud_urls("conduits", "conduit", list_view=v.ConduitList, create=v.ConduitCreate, detail=v.ConduitDetail,
               update=v.ConduitUpdate, delete=v.ConduitDelete),
    *crud_urls("assets", "asset", list_view=v.AssetList, create=v.AssetCreate, detail=v.AssetDetail,
               update=v.AssetUpdate, delete=v.AssetDelete),
    *crud_urls("systems", "system", list_view=v.SystemList, create=v.SystemCreate, detail=v.SystemDetail,
               update=v.SystemUpdate, delete=v.SystemDelete),
    path("plant/diagram/", v.diagram, name="plant_diagram"),
    path("plant/import/", v.import_page, name="plant_import"),
    path("plant/import/template/", v.import_template, name="plant_import_template"),
    path("plant/export/", v.export_file, name="plant_export"),
]  # fmt: skip
