from django.urls import path

from otcsms.configs import views as v

urlpatterns = [
    path("configs/drift/", v.drift_overview, name="config_drift"),
    path("configs/assets/<id:pk>/", v.asset_config, name="config_asset"),
    path("configs/assets/<id:pk>/import/", v.import_upload, name="config_import"),
    path("configs/assets/<id:pk>/collect/", v.collect_now, name="config_collect"),
    path("configs/assets/<id:pk>/baseline/", v.approve_baseline, name="config_baseline"),
    path("configs/assets/<id:pk>/deviations/", v.add_deviation, name="config_deviation"),
    path("configs/assets/<id:pk>/credential/", v.set_credential, name="config_credential"),
    path("configs/snapshots/<id:pk>/compare/", v.compare, name="config_compare"),
]
