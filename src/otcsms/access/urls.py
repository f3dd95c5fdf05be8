from django.urls import path

from otcsms.access import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    path("access/", v.home, name="access_home"),
    *crud_urls("access/systems", "accesssystem", list_view=v.SystemList, create=v.SystemCreate,
               detail=v.SystemDetail, update=v.SystemUpdate, delete=v.SystemDelete),
    *crud_urls("access/accounts", "account", list_view=v.AccountList, create=v.AccountCreate,
               detail=v.AccountDetail, update=v.AccountUpdate, delete=v.AccountDelete),
    path("access/grants/", v.GrantList.as_view(), name="accessgrant_list"),
    path("access/grants/new/", v.GrantCreate.as_view(), name="accessgrant_create"),
    path("access/grants/<id:pk>/", v.GrantDetail.as_view(), name="accessgrant_detail"),
    path("access/grants/<id:pk>/edit/", v.GrantUpdate.as_view(), name="accessgrant_edit"),
    path("access/grants/<id:pk>/delete/", v.grant_delete, name="accessgrant_delete"),
    path("access/grants/<id:pk>/revoke/", v.grant_revoke, name="accessgrant_revoke"),
    path("access/systems/<id:pk>/import/", v.system_import, name="accesssystem_import"),
    path("access/people/<id:pk>/", v.person_access, name="access_person"),
    path("access/people/<id:pk>/terminate/", v.person_terminate, name="access_person_terminate"),
    path("access/log/", v.access_log, name="access_log"),
    path("access/sites/<id:pk>/record/", v.site_record, name="access_site_record"),
    path("access/reviews/", v.review_list, name="access_review_list"),
    path("access/reviews/new/", v.ReviewCreate.as_view(), name="access_review_create"),
    path("access/reviews/<id:pk>/", v.review_page, name="access_review"),
    path("access/reviews/<id:pk>/decide/", v.review_decide, name="access_review_decide"),
    path("access/reviews/<id:pk>/sign-off/", v.review_sign_off, name="access_review_sign_off"),
    path("access/reviews/<id:pk>/export/", v.review_export, name="access_review_export"),
    path("access/reviews/<id:pk>/evidence/", v.review_evidence, name="access_review_evidence"),
    path("access/reviews/<id:pk>/spreadsheet/", v.review_sheet_page, name="access_review_sheet"),
    path("access/reviews/<id:pk>/spreadsheet/download/", v.review_sheet_download,
         name="access_review_sheet_download"),
]  # fmt: skip
