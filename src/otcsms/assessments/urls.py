from django.urls import path

from otcsms.assessments import views

urlpatterns = [
    path("assessments/", views.AssessmentList.as_view(), name="assessment_list"),
    path("assessments/new/", views.create, name="assessment_create"),
    path("assessments/<int:pk>/", views.detail, name="assessment_detail"),
    path("assessments/<int:pk>/answer/", views.answer_page, name="assessment_answer"),
    path("assessments/<int:pk>/answer/save/", views.answer_save, name="assessment_answer_save"),
    path("assessments/<int:pk>/inferred/", views.inferred_page, name="assessment_inferred"),
]
