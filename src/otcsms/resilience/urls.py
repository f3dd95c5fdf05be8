from django.urls import path

from otcsms.resilience import views as v
from otcsms.ui.routes import crud_urls

urlpatterns = [
    *crud_urls("resilience/exercises", "exercise", list_view=v.ExerciseList, create=v.ExerciseCreate,
               detail=v.ExerciseDetail, update=v.ExerciseUpdate, delete=v.ExerciseDelete),
    path("resilience/exercises/<id:pk>/entries/", v.exercise_entry_add, name="exercise_entry_add"),
    path("resilience/exercises/<id:pk>/participants/", v.exercise_participant_add, name="exercise_participant_add"),
    path("resilience/exercises/<id:pk>/outcomes/", v.exercise_outcome_set, name="exercise_outcome_set"),
    path("resilience/exercises/<id:pk>/lessons/", v.exercise_lesson_add, name="exercise_lesson_add"),
    path("resilience/exercises/<id:pk>/report/", v.exercise_report, name="exercise_report"),
    *crud_urls("resilience/plans", "irplan", list_view=v.PlanList, create=v.PlanCreate, detail=v.PlanDetail,
               update=v.PlanUpdate, delete=v.PlanDelete),
    path("resilience/plans/<id:pk>/roles/", v.plan_role_add, name="irplan_role_add"),
    path("resilience/plans/<id:pk>/contacts/", v.plan_contact_add, name="irplan_contact_add"),
    *crud_urls("resilience/incidents", "incident", list_view=v.IncidentList, create=v.IncidentCreate,
               detail=v.IncidentDetail, update=v.IncidentUpdate, delete=v.IncidentDelete),
    path("resilience/incidents/<id:pk>/entry/", v.incident_row_add, {"kind": "entry"}, name="incident_entry_add"),
    path("resilience/incidents/<id:pk>/zone/", v.incident_row_add, {"kind": "zone"}, name="incident_zone_add"),
    path("resilience/incidents/<id:pk>/asset/", v.incident_row_add, {"kind": "asset"}, name="incident_asset_add"),
    path("resilience/scenarios/", v.ScenarioList.as_view(), name="drillscenario_list"),
    path("resilience/scenarios/load/", v.scenario_load, name="drillscenario_load"),
    path("resilience/scenarios/<id:pk>/", v.ScenarioDetail.as_view(), name="drillscenario_detail"),
    *crud_urls("resilience/cadences", "drillcadence", list_view=v.CadenceList, create=v.CadenceCreate,
               detail=v.CadenceDetail, update=v.CadenceUpdate, delete=v.CadenceDelete),
    path("resilience/rows/<slug:kind>/<id:pk>/delete/", v.row_delete, name="resilience_row_delete"),
]  # fmt: skip
