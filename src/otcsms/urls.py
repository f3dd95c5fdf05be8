from django.urls import include, path

from otcsms.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("otcsms.web.urls")),
]
