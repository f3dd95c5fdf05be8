from django.urls import include, path

from otcsms.core import registry
from otcsms.ui import links
from otcsms.web import findings, views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("getting-started/hide/", views.hide_checklist, name="checklist_hide"),
    # accounts/login/ and accounts/logout/ are the signin app's (with the MFA step): otcsms.signin.urls
    path("site/switch/", views.switch_site, name="switch_site"),
    path("history/<str:object_type>/<id:pk>/", views.history, name="history"),
    path("audit/", views.audit_trail, name="audit"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("users/", views.users, name="users"),
    path("healthz", views.healthz, name="healthz"),
    path("findings/", findings.finding_list, name="finding_list"),
    path("findings/<id:pk>/", findings.finding_detail, name="finding_detail"),
    path("findings/<id:pk>/accept/", findings.accept_finding, name="finding_accept"),
    path("checks/run/", findings.run_now, name="checks_run"),
    path("links/add/", links.add_link, name="link_add"),
    path("links/<id:pk>/remove/", links.remove_link, name="link_remove"),
    # Every app's pages, in the "web" namespace like the pages above (core.registry).
    *[path("", include(module)) for module in registry.url_modules()],
]
