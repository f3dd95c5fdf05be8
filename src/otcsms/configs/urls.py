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
    path("configs/assets/<id:pk>/schedule/", v.set_schedule, name="config_schedule"),
    path("configs/deviations/<id:pk>/delete/", v.delete_deviation, name="config_deviation_delete"),
    path("configs/rules/", v.rules_page, name="config_rules"),
    path("configs/rules/save/", v.save_rule_override, name="config_rule_save"),
    path("configs/rules/<id:pk>/delete/", v.delete_rule_override, name="config_rule_delete"),
]
