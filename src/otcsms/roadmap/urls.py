from django.urls import path

from otcsms.roadmap import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    path("roadmap/", v.home, name="roadmap_home"),
    *crud_urls("roadmap/actions", "roadmap_action", list_view=v.ActionList, create=v.ActionCreate,
               detail=v.ActionDetail, update=v.ActionUpdate, delete=v.ActionDelete),
    path("roadmap/actions/<id:pk>/transition/", v.action_transition, name="roadmap_action_transition"),
    *crud_urls("roadmap/goals", "businessgoal", list_view=v.GoalList, create=v.GoalCreate,
               detail=v.GoalDetail, update=v.GoalUpdate, delete=v.GoalDelete),
    path("roadmap/sites/<id:pk>/sync/", v.sources_sync, name="roadmap_sources_sync"),
    path("roadmap/sites/<id:pk>/plan/", v.plan_page, name="roadmap_plan"),
    path("roadmap/sites/<id:pk>/timeline/", v.timeline, name="roadmap_timeline"),
    path("roadmap/sites/<id:pk>/progress/", v.progress_page, name="roadmap_progress"),
    path("roadmap/sites/<id:pk>/export/<str:fmt>/", v.export_file, name="roadmap_export"),
    path("roadmap/sites/<id:pk>/poam/", v.poam_page, name="roadmap_poam"),
    path("roadmap/assessments/<id:pk>/suggestions/", v.suggestions_page, name="roadmap_suggestions"),
]  # fmt: skip
