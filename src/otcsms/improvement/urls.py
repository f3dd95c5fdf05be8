from django.urls import path

from otcsms.improvement import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    path("health/", v.health, name="improvement_health"),
    path("health/capture/", v.capture_now, name="improvement_capture"),
    path("reviews/calendar/", v.review_calendar, name="improvement_calendar"),
    *crud_urls("management-reviews", "managementreview", list_view=v.ReviewList, create=v.ReviewCreate,
               detail=v.ReviewDetail, update=v.ReviewUpdate, delete=v.ReviewDelete),
    path("management-reviews/<id:pk>/gather/", v.review_gather, name="managementreview_gather"),
    path("management-reviews/<id:pk>/hold/", v.review_hold, name="managementreview_hold"),
    path("management-reviews/<id:pk>/decide/", v.review_decide, name="managementreview_decide"),
    *crud_urls("nonconformities", "nonconformity", list_view=v.NcList, create=v.NcCreate, detail=v.NcDetail,
               update=v.NcUpdate, delete=v.NcDelete),
    path("nonconformities/<id:pk>/corrective-action/", v.nc_corrective_action, name="nonconformity_action"),
    path("nonconformities/<id:pk>/close/", v.nc_close, name="nonconformity_close"),
]  # fmt: skip
