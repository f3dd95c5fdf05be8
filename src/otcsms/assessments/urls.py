from django.urls import path

from otcsms.assessments import views

urlpatterns = [
    path("assessments/", views.AssessmentList.as_view(), name="assessment_list"),
    path("assessments/new/", views.create, name="assessment_create"),
    path("assessments/<id:pk>/", views.detail, name="assessment_detail"),
    path("assessments/<id:pk>/gaps.csv", views.gaps_download, {"fmt": "csv"}, name="assessment_gaps_csv"),
    path("assessments/<id:pk>/gaps.xlsx", views.gaps_download, {"fmt": "xlsx"}, name="assessment_gaps_xlsx"),
    path("assessments/<id:pk>/gaps/print/", views.gaps_print, name="assessment_gaps_print"),
    path("assessments/<id:pk>/gaps/import/", views.gaps_import, name="assessment_gaps_import"),
    path("assessments/<id:pk>/answer/", views.answer_page, name="assessment_answer"),
    path("assessments/<id:pk>/answer/save/", views.answer_save, name="assessment_answer_save"),
    path("assessments/<id:pk>/answer/override/", views.answer_override, name="assessment_answer_override"),
    path("assessments/<id:pk>/rescope/", views.rescope, name="assessment_rescope"),
    path("assessments/<id:pk>/inferred/", views.inferred_page, name="assessment_inferred"),
    path("assessments/<id:pk>/inferred/all/", views.inferred_list, name="assessment_inferred_list"),
    path("assessments/<id:pk>/complete/", views.complete, name="assessment_complete"),
    path("assessments/<id:pk>/reopen/", views.reopen, name="assessment_reopen"),
]
