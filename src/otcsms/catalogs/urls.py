from django.urls import path

from otcsms.catalogs import views as v

urlpatterns = [
    path("frameworks/", v.framework_list, name="framework_list"),
    path("frameworks/coverage/", v.coverage, name="framework_coverage"),
    path("frameworks/import/", v.import_page, name="framework_import"),
    path("frameworks/<id:pk>/", v.framework_detail, name="framework_detail"),
    path("frameworks/<id:pk>/export/", v.framework_export, name="framework_export"),
    path("frameworks/<id:pk>/diff/", v.framework_diff, name="framework_diff"),
    path("frameworks/<id:pk>/review/", v.framework_review, name="framework_review"),
    path("requirements/<id:pk>/", v.requirement_detail, name="requirement_detail"),
]
