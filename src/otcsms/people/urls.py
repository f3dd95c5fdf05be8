from django.urls import path

from otcsms.people import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    *crud_urls("training/courses", "course", list_view=v.CourseList, create=v.CourseCreate, detail=v.CourseDetail,
               update=v.CourseUpdate, delete=v.CourseDelete),
    *crud_urls("training/requirements", "courserequirement", list_view=v.RequirementList,
               create=v.RequirementCreate, detail=v.RequirementDetail, update=v.RequirementUpdate,
               delete=v.RequirementDelete),
    *crud_urls("training/assignments", "courseassignment", list_view=v.AssignmentList, create=v.AssignmentCreate,
               detail=v.AssignmentDetail, update=v.AssignmentUpdate, delete=v.AssignmentDelete),
    *crud_urls("training/completions", "completion", list_view=v.CompletionList, create=v.CompletionCreate,
               detail=v.CompletionDetail, update=v.CompletionUpdate, delete=v.CompletionDelete),
    *crud_urls("training/screenings", "screening", list_view=v.ScreeningList, create=v.ScreeningCreate,
               detail=v.ScreeningDetail, update=v.ScreeningUpdate, delete=v.ScreeningDelete),
    path("training/", v.training_matrix, name="training_matrix"),
    path("training/import/", v.completion_import, name="completion_import"),
    path("training/people/<id:pk>/", v.person_readiness, name="person_readiness"),
]  # fmt: skip
