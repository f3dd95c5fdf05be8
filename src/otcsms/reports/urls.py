from django.urls import path

from otcsms.reports import views as v

urlpatterns = [
    path("reports/", v.report_list, name="report_list"),
    path("reports/template/default.docx", v.default_template, name="report_template_default"),
    path("reports/sites/<id:pk>/templates/", v.template_upload, name="report_template_upload"),
    path("reports/<slug:kind>/", v.report_download, name="report_download"),
]
