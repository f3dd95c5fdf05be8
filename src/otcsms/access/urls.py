from django.urls import path

from otcsms.access import views as v

urlpatterns = [
    path("access/", v.home, name="access_home"),
]
