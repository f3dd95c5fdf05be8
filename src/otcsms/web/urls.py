from django.contrib.auth import views as auth_views
from django.urls import include, path

from otcsms.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("site/switch/", views.switch_site, name="switch_site"),
    path("history/<str:object_type>/<id:pk>/", views.history, name="history"),
    path("audit/", views.audit_trail, name="audit"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("users/", views.users, name="users"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("otcsms.org.urls")),
    path("", include("otcsms.plant.urls")),
    path("", include("otcsms.catalogs.urls")),
    path("", include("otcsms.assessments.urls")),
    path("", include("otcsms.jobs.urls")),
]
