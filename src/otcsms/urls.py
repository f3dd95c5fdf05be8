from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

from otcsms.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    # Browsers ask for /favicon.ico on a page that names no icon (a report or the API docs opened in a tab).
    path("favicon.ico", RedirectView.as_view(url=static("otcsms/favicon.svg"), permanent=True)),
    path("", include("otcsms.web.urls")),
]
