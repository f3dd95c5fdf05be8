from django.urls import path

from otcsms.reports import views as v

urlpatterns = [
    path("reports/", v.report_list, name="report_list"),
    path("reports/<slug:kind>/", v.report_download, name="report_download"),
]
