from django.urls import path

from otcsms.risk import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    *crud_urls("risk/scenarios", "threatscenario", list_view=v.ScenarioList, create=v.ScenarioCreate,
               detail=v.ScenarioDetail, update=v.ScenarioUpdate, delete=v.ScenarioDelete),
    *crud_urls("risk/reviews", "threatmodelreview", list_view=v.ReviewList, create=v.ReviewCreate,
               detail=v.ReviewDetail, update=v.ReviewUpdate, delete=v.ReviewDelete),
    path("risk/heat-map/", v.heat_map_page, name="risk_heat_map"),
    path("risk/matrix/", v.matrix_page, name="risk_matrix"),
    path("risk/zones/<id:pk>/", v.zone_page, name="risk_zone"),
    path("risk/advisories/", v.advisory_list, name="advisory_list"),
    path("risk/advisories/import/", v.advisory_import, name="advisory_import"),
    path("risk/advisories/<id:pk>/", v.advisory_detail, name="advisory_detail"),
    path("risk/vulnerabilities/", v.AssetVulnerabilityList.as_view(), name="assetvulnerability_list"),
    path("risk/vulnerabilities/<id:pk>/", v.asset_vulnerability_detail, name="assetvulnerability_detail"),
    path("risk/vulnerabilities/<id:pk>/status/", v.asset_vulnerability_status, name="assetvulnerability_status"),
    path("risk/vulnerabilities/<id:pk>/scenario/", v.asset_vulnerability_scenario,
         name="assetvulnerability_scenario"),
]  # fmt: skip
