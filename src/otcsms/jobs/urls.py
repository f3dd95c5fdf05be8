from django.urls import path

from otcsms.jobs import views

urlpatterns = [
    path("jobs/", views.jobs_page, name="jobs"),
    path("jobs/<id:pk>/enable/", views.enable, name="schedule_enable"),
    path("jobs/<id:pk>/disable/", views.disable, name="schedule_disable"),
    path("jobs/<id:pk>/run/", views.run_now, name="schedule_run"),
]
